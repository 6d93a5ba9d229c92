package provisioner

import "ringmaster.dev/provisioner/cluster"

// committedMB is the memory the running nodes of other clusters hold on
// this Docker host (their limits added up): what the policy subtracts from
// the machine before a new cluster is allowed. A stopped node holds none;
// the cluster being made (a redelivered create) is not counted against
// itself.
func committedMB(clusters []cluster.Cluster, except string) int {
	total := 0
	for _, c := range clusters {
		if c.Spec.Name == except {
			continue
		}
		for _, n := range c.Nodes {
			if n.Running() {
				total += c.Spec.MemoryMB
			}
		}
	}
	return total
}
