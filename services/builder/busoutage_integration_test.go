//go:build integration

package builder_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/builder"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

// TestBuildNumbersUnansweredIsNoCellFailure: while the bus cannot give a
// cell its build number (the bucket's stream gone, as a frozen or electing
// NATS cluster leaves it unanswered), the cell is not reported failed: the
// command is tried again and succeeds once the bucket answers — the fault
// drill's "build numbers: context deadline exceeded" cells.
func TestBuildNumbersUnansweredIsNoCellFailure(t *testing.T) {
	stacks := slowStack(t, "numbus", 0, "numbus-a")
	p := newPlatform(t)
	p.startBuilder("RING_STACKS="+stacks, "RING_BUILDER_DISTROS=debian-12")
	waitFor(t, "the builder's build-number bucket", time.Minute, func() bool {
		_, err := p.conn.JS.KeyValue(p.ctx, builder.NumberBucket)
		return err == nil
	})
	if err := p.conn.JS.DeleteKeyValue(p.ctx, builder.NumberBucket); err != nil {
		t.Fatal(err)
	}
	cmd := &events.CellBuildRequested{Request: "numbus", Stack: "numbus", Component: "numbus-a", Distro: "debian-12", Arch: events.DefaultArch}
	if _, err := p.conn.Publish(p.ctx, cmd, bus.WithID("numbus-cell"), bus.WithRunID("numbus")); err != nil {
		t.Fatal(err)
	}
	log := p.logFiles[len(p.logFiles)-1]
	noFailure := func() {
		if failed := ofType(p.runFacts("numbus"), "build.failed"); len(failed) != 0 {
			var f events.BuildFailed
			_ = json.Unmarshal(failed[0].Data, &f)
			t.Fatalf("the cell was reported failed while the bus did not answer: %s", f.Reason)
		}
	}
	waitFor(t, "an attempt that could not take a build number", 10*time.Minute, func() bool {
		noFailure()
		b, _ := os.ReadFile(log)
		return strings.Contains(string(b), "build numbers")
	})
	if _, err := builder.OpenNumbers(p.ctx, p.conn.JS); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "build.succeeded", 2*time.Minute, func() bool {
		noFailure()
		return len(ofType(p.runFacts("numbus"), "build.succeeded")) == 1
	})
	noFailure()
	var s events.BuildSucceeded
	if err := json.Unmarshal(ofType(p.runFacts("numbus"), "build.succeeded")[0].Data, &s); err != nil {
		t.Fatal(err)
	}
	if s.Cached {
		t.Fatalf("succeeded from the cache: %+v; want it built", s)
	}
}
