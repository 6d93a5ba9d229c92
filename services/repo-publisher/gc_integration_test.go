//go:build integration

package publisher

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/lease"
	"ringmaster.dev/kit/natsserver"
)

// TestUnderLeases: gc takes every channel's lease; a channel still busy
// after the longest wait naks the command with a 2 s delay and frees the
// leases already taken.
func TestUnderLeases(t *testing.T) {
	defer func(w time.Duration) { maxLeaseWait = w }(maxLeaseWait)
	maxLeaseWait = 300 * time.Millisecond // less than the second before repo.waiting: this delivery cannot emit
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ns, err := natsserver.Start(ctx, natsserver.Config{Dir: filepath.Join(t.TempDir(), "nats")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	conn, err := bus.Connect(ctx, ns.ClientURL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	kv, err := lease.Open(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	d := &bus.Delivery{Ctx: ctx, Envelope: events.Envelope{ID: "cmd-1"}, Service: Name}

	busy, err := lease.Acquire(ctx, kv, "repo.stable", "someone-else")
	if err != nil {
		t.Fatal(err)
	}
	ran := false
	err = underLeases(d, kv, []string{"stable", "nightly"}, func(context.Context) error { ran = true; return nil })
	var r *bus.RetryableError
	if !errors.As(err, &r) || r.Delay != 2*time.Second || !errors.Is(err, lease.ErrHeld) || ran {
		t.Fatalf("busy channel: err %v, ran %v", err, ran)
	}
	if l, err := lease.Acquire(ctx, kv, "repo.nightly", "probe"); err != nil {
		t.Fatalf("nightly's lease was not released: %v", err)
	} else {
		_ = l.Release(ctx)
	}
	if err := busy.Release(ctx); err != nil {
		t.Fatal(err)
	}

	// Free: fn runs holding both leases; they are released after; a
	// permanent error of fn stays permanent.
	err = underLeases(d, kv, []string{"stable", "nightly", "stable"}, func(context.Context) error {
		for _, c := range []string{"nightly", "stable"} {
			if _, err := lease.Acquire(ctx, kv, "repo."+c, "probe"); !errors.Is(err, lease.ErrHeld) {
				t.Errorf("lease of %s not held during fn: %v", c, err)
			}
		}
		return ErrBadRequest
	})
	if !bus.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent", err)
	}
	for _, c := range []string{"nightly", "stable"} {
		l, err := lease.Acquire(ctx, kv, "repo."+c, "probe")
		if err != nil {
			t.Fatalf("lease of %s not released: %v", c, err)
		}
		_ = l.Release(ctx)
	}
}
