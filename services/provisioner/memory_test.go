package provisioner

import (
	"testing"

	"ringmaster.dev/provisioner/cluster"
)

func TestCommittedMB(t *testing.T) {
	running, stopped := cluster.Node{State: "running"}, cluster.Node{State: "exited"}
	c := func(name string, mb int, nodes ...cluster.Node) cluster.Cluster {
		return cluster.Cluster{Spec: cluster.Spec{Name: name, MemoryMB: mb}, Nodes: nodes}
	}
	for _, tc := range []struct {
		name     string
		clusters []cluster.Cluster
		want     int
	}{
		{"none", nil, 0},
		{"running nodes count, stopped ones not", []cluster.Cluster{c("a", 1024, running, running, stopped), c("b", 512, stopped)}, 2048},
		{"the cluster being made is not counted", []cluster.Cluster{c("new", 4096, running), c("a", 256, running)}, 256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := committedMB(tc.clusters, "new"); got != tc.want {
				t.Errorf("committedMB = %d, want %d", got, tc.want)
			}
		})
	}
}
