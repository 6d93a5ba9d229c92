package provisioner

import (
	"testing"

	"ringmaster.dev/kit/cluster"
)

func TestCommittedMB(t *testing.T) {
	running, stopped := cluster.Node{State: "running"}, cluster.Node{State: "exited"}
	c := func(name string, mb int, nodes ...cluster.Node) cluster.Cluster {
		return cluster.Cluster{Spec: cluster.Spec{Name: name, MemoryMB: mb}, Nodes: nodes}
	}
	for _, tc := range []struct {
		name     string
		clusters []cluster.Cluster
		reserved map[string]int
		want     int
	}{
		{"none", nil, nil, 0},
		{"running nodes count, stopped ones not", []cluster.Cluster{c("a", 1024, running, running, stopped), c("b", 512, stopped)}, nil, 2048},
		{"the cluster being made is not counted", []cluster.Cluster{c("new", 4096, running), c("a", 256, running)}, map[string]int{"new": 4096}, 256},
		{"a node created and not yet started holds its memory", []cluster.Cluster{c("a", 512, cluster.Node{State: "created"}, stopped)}, nil, 512},
		{"nodes the spec names that do not exist yet count (a create in another provisioner)",
			[]cluster.Cluster{{Spec: cluster.Spec{Name: "elsewhere", MemoryMB: 1024, Nodes: 3}, Nodes: []cluster.Node{running}}}, nil, 3072},
		{"a network without nodes yet holds the whole cluster",
			[]cluster.Cluster{{Spec: cluster.Spec{Name: "admitted", MemoryMB: 1000, Nodes: 2}}}, nil, 2000},
		{"a stopped cluster of all its nodes holds nothing",
			[]cluster.Cluster{{Spec: cluster.Spec{Name: "stopped", MemoryMB: 1000, Nodes: 2}, Nodes: []cluster.Node{stopped, stopped}}}, nil, 0},
		{"a cluster still being made counts what it was allowed, once",
			[]cluster.Cluster{c("half", 1024, running), c("a", 256, running)}, map[string]int{"half": 3072, "other": 512}, 3072 + 256 + 512},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := committedMB(tc.clusters, tc.reserved, "new"); got != tc.want {
				t.Errorf("committedMB = %d, want %d", got, tc.want)
			}
		})
	}
}
