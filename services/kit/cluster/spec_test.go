package cluster

import (
	"errors"
	"reflect"
	"testing"
)

func TestNames(t *testing.T) {
	for name, ok := range map[string]bool{"zk": true, "a": true, "old-prod": true, "it-zk2": true,
		"": false, "Zk": false, "-zk": false, "zk-": false, "zk_1": false, "1zk": false, "a234567890123456789012345678901234567890x": false} {
		if err := ValidateName("cluster", name); (err == nil) != ok {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", name, err, ok)
		} else if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidateName(%q) = %v, want ErrInvalid", name, err)
		}
	}
	if ContainerName("zk", NodeName(2)) != "ring-zk-node2" || NetworkName("zk") != "ring-zk" || SnapshotImage("s", "node1") != "ringmaster/snapshot:s-node1" {
		t.Fatal("names changed: clusters of older versions would no longer be found")
	}
}

func TestSpecRoles(t *testing.T) {
	s := Spec{Name: "c", Nodes: 3, MemoryMB: 256, Roles: map[string]int{"zookeeper": 3, "redis": 2}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int][]string{1: {"redis", "zookeeper"}, 2: {"redis", "zookeeper"}, 3: {"zookeeper"}} {
		if got := s.NodeRoles(i); !reflect.DeepEqual(got, want) {
			t.Errorf("NodeRoles(%d) = %v, want %v", i, got, want)
		}
	}
	if got := s.Members("redis"); !reflect.DeepEqual(got, []string{"node1", "node2"}) {
		t.Errorf("Members(redis) = %v", got)
	}
	back, err := parseSpec(s.label())
	if err != nil || !reflect.DeepEqual(back, s) {
		t.Fatalf("label round trip: %+v %v", back, err)
	}
	for name, bad := range map[string]Spec{
		"no nodes":       {Name: "c", Nodes: 0, MemoryMB: 256},
		"too many nodes": {Name: "c", Nodes: 17, MemoryMB: 256},
		"tiny memory":    {Name: "c", Nodes: 1, MemoryMB: 10},
		"role too big":   {Name: "c", Nodes: 1, MemoryMB: 256, Roles: map[string]int{"zookeeper": 3}},
		"bad name":       {Name: "C", Nodes: 1, MemoryMB: 256},
	} {
		if err := bad.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Validate = %v, want ErrInvalid", name, err)
		}
	}
}
