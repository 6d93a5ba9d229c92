package bus_test

import (
	"context"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/bus/bustest"
)

// TestFactsOf: the facts of one name since a time, in stream order, each
// with its envelope (run, time) and its decoded payload; other facts and
// older ones are not read.
func TestFactsOf(t *testing.T) {
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
	pub(&events.ClusterReady{Name: "old"}, "r0")
	time.Sleep(50 * time.Millisecond)
	since := time.Now()
	pub(&events.ClusterReady{Name: "a", Seconds: 4}, "r1")
	pub(&events.ClusterDestroyed{Name: "a"}, "r2")
	pub(&events.ClusterReady{Name: "b", Seconds: 5}, "r3")
	var got []bus.Fact[events.ClusterReady]
	for f, err := range bus.FactsOf[events.ClusterReady](ctx, conn, "cluster.ready", since) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, f)
	}
	if len(got) != 2 || got[0].Payload.Name != "a" || got[0].RunID != "r1" || got[0].Payload.Seconds != 4 ||
		got[1].Payload.Name != "b" || got[1].RunID != "r3" || got[0].Time.Before(since) {
		t.Fatalf("got %+v", got)
	}
	var errs int
	for _, err := range bus.FactsOf[events.ClusterReady](ctx, conn, "no.such.fact", since) {
		if err != nil {
			errs++
		}
	}
	if errs != 1 {
		t.Fatalf("a name the catalog does not have: %d errors, want 1", errs)
	}
}
