package gateway

import (
	"context"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/bus/bustest"
)

// TestFeedsShareOneReplay: the streams of one run read one replay — a late
// one gets the facts read before it came — and the replay ends with the
// last of them.
func TestFeedsShareOneReplay(t *testing.T) {
	conn := bustest.Embedded(t)
	ctx := context.Background()
	must(t, conn.EnsureTopology(ctx))
	fs := newFeeds(conn)
	run := "0b5e2c7a-0000-4000-8000-000000000001"
	pub := func(line string) {
		t.Helper()
		_, err := conn.Publish(ctx, &events.BuildLog{Stack: "s", Component: "c", Distro: "d", Lines: []string{line}}, bus.WithRunID(run))
		must(t, err)
	}
	// waitFor reads f until it holds n facts.
	waitFor := func(f *feed, n int) view {
		t.Helper()
		for end := time.Now().Add(5 * time.Second); ; {
			v := f.from(0)
			if len(v.facts) >= n {
				return v
			}
			select {
			case <-v.wake:
			case <-time.After(time.Until(end)):
				t.Fatalf("the feed holds %d facts, want %d", len(v.facts), n)
			}
		}
	}
	pub("stored before")
	a, leaveA, err := fs.join(run, time.Now().Add(-time.Minute))
	must(t, err)
	if v := waitFor(a, 1); !v.facts[0].log {
		t.Errorf("a build.log fact is not marked as a log batch")
	}
	pub("live")
	waitFor(a, 2)
	b, leaveB, err := fs.join(run, time.Now())
	must(t, err)
	if a != b {
		t.Fatal("two streams of one run read two replays")
	}
	if v := b.from(0); len(v.facts) != 2 || !v.caught {
		t.Errorf("a late stream sees %d facts (caught up %v), want the 2 read before", len(v.facts), v.caught)
	}
	leaveA()
	leaveA() // twice is once
	if fs.byRun[run] == nil {
		t.Fatal("the replay ended while a stream still reads it")
	}
	leaveB()
	if fs.byRun[run] != nil {
		t.Error("the replay outlived its last stream")
	}
	waitEnded := time.Now().Add(5 * time.Second)
	for !a.from(0).ended && time.Now().Before(waitEnded) {
		time.Sleep(10 * time.Millisecond)
	}
	if !a.from(0).ended {
		t.Error("the replay's consumer did not stop")
	}
}
