//go:build integration

package provisioner

import (
	"context"
	"testing"
	"time"

	"ringmaster.dev/kit/bus/bustest"
)

// TestTombstones: a buried cluster run is remembered in JetStream, per
// name and run, across a reopened bucket.
func TestTombstones(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := bustest.Embedded(t)
	ts, err := OpenTombstones(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Bury(ctx, "sweep-1", "0b5e2c7a-run"); err != nil {
		t.Fatal(err)
	}
	again, err := OpenTombstones(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, run string
		want      bool
	}{{"sweep-1", "0b5e2c7a-run", true}, {"sweep-1", "another-run", false}, {"sweep-2", "0b5e2c7a-run", false}} {
		if got, err := again.Buried(ctx, tc.name, tc.run); err != nil || got != tc.want {
			t.Errorf("Buried(%s, %s) = %v, %v; want %v", tc.name, tc.run, got, err, tc.want)
		}
	}
}
