//go:build integration

package main

import (
	"context"
	"testing"
	"time"

	"ringmaster.dev/events"
)

// The routed layout is what a work-queue stream allows only on its own:
// a route's filtered durable next to the shared one is refused, and each
// mode drains every command.
func TestQueueModes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := startServer(ctx, t.TempDir(), "queue")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.close()
	for _, c := range []struct{ builders, routes int }{{2, 0}, {2, 2}, {4, 2}} {
		d, err := drain(ctx, srv, 300, c.builders, c.routes)
		if err != nil {
			t.Fatalf("%d builders on %d routes: %v", c.builders, c.routes, err)
		}
		if d <= 0 {
			t.Errorf("%d builders on %d routes: drained in %v", c.builders, c.routes, d)
		}
	}
	stream, err := srv.conn.JS.Stream(ctx, events.CommandStream("builder"))
	if err != nil {
		t.Fatal(err)
	}
	for name := range stream.ListConsumers(ctx).Info() {
		if err := stream.DeleteConsumer(ctx, name.Name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := stream.CreateConsumer(ctx, consumerConfig("builder", events.CommandSubjects("builder"), 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.CreateConsumer(ctx, consumerConfig(consumerName(routes[0]), cellSubject(routes[0]), 1)); err == nil {
		t.Error("a route's durable was created beside the shared one on a work-queue stream; want it refused (overlapping filters)")
	} else {
		t.Logf("refused as expected: %v", err)
	}
}
