//go:build integration

package publisher

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/bus/bustest"
	"ringmaster.dev/kit/lease"
)

// TestWaitingForAChannel: a publication whose channel another publication
// writes waits for it in its handler — no failed attempt — and after a
// second says so with a repo.waiting fact of its run; it publishes as soon
// as the lease is free.
func TestWaitingForAChannel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn := bustest.Embedded(t)
	if err := conn.EnsureTopology(ctx); err != nil {
		t.Fatal(err)
	}
	kv, err := lease.Open(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	busy, err := lease.Acquire(ctx, kv, "repo.nightly", "repo-publisher/earlier")
	if err != nil {
		t.Fatal(err)
	}
	watch, err := conn.WatchRun("run-wait", 16)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Stop()
	ran := make(chan int, 4)
	w := &bus.Worker{Conn: conn, Service: Name, Log: zerolog.Nop(), Handlers: map[string]bus.Handler{
		"repo.publish.requested": func(d *bus.Delivery) error {
			return underLeases(d, kv, []string{"nightly"}, func(context.Context) error { ran <- d.Attempt; return nil })
		},
	}}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(wctx) }()
	defer func() { stop(); <-done }()
	if _, err := conn.Publish(ctx, &events.RepoPublishRequested{Channel: "nightly", Distros: []string{"debian-11"}}, bus.WithRunID("run-wait")); err != nil {
		t.Fatal(err)
	}
	select {
	case env := <-watch.Facts:
		var wt events.RepoWaiting
		if env.Type != "ringmaster.repo.waiting.v1" || json.Unmarshal(env.Data, &wt) != nil || wt.Channel != "nightly" || wt.Holder != "repo-publisher/earlier" || len(wt.Distros) != 1 {
			t.Fatalf("first fact of the run: %s %s", env.Type, env.Data)
		}
	case <-ran:
		t.Fatal("published while the channel was held")
	case <-ctx.Done():
		t.Fatal("no repo.waiting")
	}
	if err := busy.Release(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case attempt := <-ran:
		if attempt != 1 {
			t.Errorf("published on attempt %d: the wait cost a failed delivery", attempt)
		}
	case <-ctx.Done():
		t.Fatal("did not publish once the lease was free")
	}
}
