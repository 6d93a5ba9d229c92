package gateway

import (
	"context"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/bus/bustest"
)

// TestClusterFacts: the clusters page's facts are read from the fact
// stream: cluster.ready and realm.trusted since the time asked, with their
// run and time, and nothing else.
func TestClusterFacts(t *testing.T) {
	ctx := context.Background()
	conn := bustest.Embedded(t)
	if err := conn.EnsureTopology(ctx); err != nil {
		t.Fatal(err)
	}
	pub := func(p any, run string) {
		t.Helper()
		if _, err := conn.Publish(ctx, p, bus.WithRunID(run)); err != nil {
			t.Fatal(err)
		}
	}
	pub(&events.ClusterReady{Name: "old", Seconds: 3}, "r0")
	time.Sleep(50 * time.Millisecond)
	since := time.Now()
	pub(&events.ClusterReady{Name: "zk1", Seconds: 41, Endpoints: map[string]string{"node1/zookeeper": "172.18.0.2:2181"}}, "r1")
	pub(&events.RealmTrusted{Realms: []string{"ZK1", "KAFKA1"}, Topology: "mesh"}, "r2")
	pub(&events.ClusterDestroyed{Name: "zk1"}, "r3")
	ready, trusts, err := clusterFacts{conn}.ClusterFacts(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	if len(ready) != 1 || ready[0].Name != "zk1" || ready[0].Run != "r1" || ready[0].Endpoints["node1/zookeeper"] != "172.18.0.2:2181" || ready[0].At.Before(since) {
		t.Errorf("ready %+v", ready)
	}
	if len(trusts) != 1 || trusts[0].Topology != "mesh" || trusts[0].Run != "r2" || len(trusts[0].Realms) != 2 {
		t.Errorf("trusts %+v", trusts)
	}
	if _, _, err := (clusterFacts{}).ClusterFacts(ctx, since); err == nil {
		t.Error("no bus: no error")
	}
}
