//go:build integration

package dockerhost_test

import (
	"context"
	"testing"
	"time"

	"ringmaster.dev/kit/bus/bustest"
	"ringmaster.dev/kit/dockerhost"
)

// TestRegistry: host records and claims in JetStream — an empty registry,
// records replaced by their host's next one, found by a reader that did
// not declare the bucket, and a claim removed only by its own run.
func TestRegistry(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := bustest.Embedded(t)
	if _, ok, err := dockerhost.Find(ctx, conn.JS); ok || err != nil {
		t.Fatalf("Find before any provisioner: ok %v, %v", ok, err)
	}
	reg, err := dockerhost.Open(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	if hosts, err := reg.Hosts(ctx); err != nil || len(hosts) != 0 {
		t.Fatalf("empty registry: %v %v", hosts, err)
	}
	if claims, err := reg.Claims(ctx); err != nil || len(claims) != 0 {
		t.Fatalf("no claims: %v %v", claims, err)
	}
	now := time.Now().UTC()
	for _, r := range []dockerhost.Record{
		{Name: "second", Endpoint: "unix:///tmp/d2/docker.sock", MemoryMB: 700, Declared: true, Seen: now},
		{Name: "local", Endpoint: "unix:///var/run/docker.sock", MemoryMB: 24000, Seen: now},
		{Name: "local", Endpoint: "unix:///var/run/docker.sock", MemoryMB: 24000, Seen: now,
			Clusters: map[string]dockerhost.Held{"zk": {MB: 2304, Run: "run-zk"}}, Snapshots: []string{"zk-loaded"}},
	} {
		if err := reg.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.Put(ctx, dockerhost.Record{Name: "Bad Name"}); err == nil {
		t.Error("a record of an invalid host name was written")
	}
	found, ok, err := dockerhost.Find(ctx, conn.JS)
	if !ok || err != nil {
		t.Fatalf("Find: %v %v", ok, err)
	}
	hosts, err := found.Hosts(ctx)
	if err != nil || len(hosts) != 2 || hosts[0].Name != "local" || hosts[1].Name != "second" {
		t.Fatalf("hosts %+v %v, want local and second", hosts, err)
	}
	if hosts[0].Clusters["zk"].MB != 2304 || !hosts[0].HasSnapshot("zk-loaded") || !hosts[1].Declared {
		t.Errorf("records as read: %+v", hosts)
	}
	if err := reg.Claim(ctx, dockerhost.Claim{Cluster: "r1", Host: "second", MB: 512, Run: "run-1", At: now}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Unclaim(ctx, "r1", "run-0"); err != nil {
		t.Fatal(err)
	}
	claims, err := reg.Claims(ctx)
	if err != nil || len(claims) != 1 || claims[0].Host != "second" || claims[0].MB != 512 {
		t.Fatalf("the claim after another run's unclaim: %+v %v", claims, err)
	}
	if got := dockerhost.Committed(hosts[1], claims, "", now); got != 512 {
		t.Errorf("second has %d MB committed, want its claim's 512", got)
	}
	if err := reg.Unclaim(ctx, "r1", "run-1"); err != nil {
		t.Fatal(err)
	}
	if err := reg.Unclaim(ctx, "r1", "run-1"); err != nil {
		t.Errorf("unclaiming again: %v", err)
	}
	if claims, err := reg.Claims(ctx); err != nil || len(claims) != 0 {
		t.Errorf("claims after unclaim: %+v %v", claims, err)
	}
}
