package provisioner

import (
	"context"
	"testing"
)

// TestFlightsStopOnDestroy: a destroy finds the creates of its cluster
// running here, and stopping one ends its context and marks it done.
func TestFlightsStopOnDestroy(t *testing.T) {
	var fs flights
	ctx, finish := fs.start(context.Background(), "zk", "run-1")
	_, finishOther := fs.start(context.Background(), "other", "run-2")
	defer finishOther()
	running := fs.of("zk")
	if len(running) != 1 || running[0].run != "run-1" {
		t.Fatalf("flights of zk: %+v", running)
	}
	running[0].cancel()
	<-ctx.Done()
	finish()
	select {
	case <-running[0].done:
	default:
		t.Fatal("a finished create is not done")
	}
	if len(fs.of("zk")) != 0 || len(fs.of("other")) != 1 {
		t.Fatalf("after finishing: zk %d, other %d", len(fs.of("zk")), len(fs.of("other")))
	}
}
