//go:build integration

package builder_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"ringmaster.dev/builder"
	"ringmaster.dev/builder/cell"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/image"
)

// cellBuilders maps each cell to the builders of its build.succeeded facts.
func cellBuilders(t *testing.T, p *platform, runID string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, e := range ofType(p.runFacts(runID), "build.succeeded") {
		var s events.BuildSucceeded
		if err := json.Unmarshal(e.Data, &s); err != nil {
			t.Fatal(err)
		}
		out[s.Component+"/"+s.Distro] = append(out[s.Component+"/"+s.Distro], s.Builder)
	}
	return out
}

// TestCellsGoToTheBuildersThatServeTheirDistro: a builder that declares
// debian-12 builds the fixture's debian-12 cells and never a debian-11
// one; those wait, said by cell.waiting, until a builder declaring
// debian-11 (that nobody else serves) starts and builds them. The build
// then finishes as one.
func TestCellsGoToTheBuildersThatServeTheirDistro(t *testing.T) {
	p := newPlatform(t)
	dir12, dir11 := filepath.Join(p.workDir, "b12"), filepath.Join(p.workDir, "b11")
	p.startBuilder("RING_WORK_DIR="+dir12, "RING_BUILDER_DISTROS=debian-12")
	if _, err := p.conn.Publish(p.ctx, &events.BuildRequested{Stack: "fixture"}, bus.WithRunID("cells-1")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "cell.waiting for the debian-11 library", 3*time.Minute, func() bool {
		for _, e := range ofType(p.runFacts("cells-1"), "cell.waiting") {
			var w events.CellWaiting
			_ = json.Unmarshal(e.Data, &w)
			if w.Component == "ringhello-lib" && w.Distro == "debian-11" && strings.Contains(w.Reason, "--distros debian-11") {
				return true
			}
		}
		return false
	})
	waitFor(t, "the debian-12 cells", 10*time.Minute, func() bool { return len(cellBuilders(t, p, "cells-1")) == 2 })
	if b := cellBuilders(t, p, "cells-1"); len(b["ringhello-lib/debian-11"]) != 0 {
		t.Fatalf("a debian-12 builder built a debian-11 cell: %v", b)
	}
	p.startBuilder("RING_WORK_DIR="+dir11, "RING_BUILDER_DISTROS=debian-11")
	f := p.finished("cells-1", 10*time.Minute)
	for cell, c := range cellStates(f) {
		if c.State != "ok" {
			t.Errorf("%s: %+v", cell, c)
		}
	}
	own12, own11 := builder.OwnerOf(dir12), builder.OwnerOf(dir11)
	for cell, builders := range cellBuilders(t, p, "cells-1") {
		want := own12
		if strings.HasSuffix(cell, "/debian-11") {
			want = own11
		}
		if len(builders) != 1 || !strings.HasSuffix(builders[0], "/"+want[:8]) {
			t.Errorf("%s built by %v, want once by the builder with owner %s", cell, builders, want)
		}
	}
	if n := len(ofType(p.runFacts("cells-1"), "build.finished")); n != 1 {
		t.Errorf("%d build.finished", n)
	}
}

// TestBuilderKilledMidCellLosesOnlyThatCell: two builders serve debian-12
// and each takes one of two slow cells; the one running the first cell is
// killed. Its cell goes to the other builder and is built once, the
// other cell is not disturbed, the build (whose coordinator may have died
// too) finishes once, and the killed builder's container is gone once it
// is back.
func TestBuilderKilledMidCellLosesOnlyThatCell(t *testing.T) {
	stacks := slowStack(t, "slow2", 10, "slow-a", "slow-b")
	p := newPlatform(t)
	dirs := []string{filepath.Join(p.workDir, "a"), filepath.Join(p.workDir, "b")}
	owners := map[string]int{builder.OwnerOf(dirs[0]): 0, builder.OwnerOf(dirs[1]): 1}
	env := func(i int) []string {
		return []string{"RING_STACKS=" + stacks, "RING_WORK_DIR=" + dirs[i], "RING_BUILDER_DISTROS=debian-12", "RING_BUILD_PARALLEL=1"}
	}
	builders := []*os.Process{p.startBuilder(env(0)...).Process, p.startBuilder(env(1)...).Process}
	if _, err := p.conn.Publish(p.ctx, &events.BuildRequested{Stack: "slow2"}, bus.WithRunID("slow2-1")); err != nil {
		t.Fatal(err)
	}
	dc, err := image.Connect(p.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	running := func() []container.Summary {
		list, err := dc.ContainerList(context.Background(), container.ListOptions{Filters: filters.NewArgs(filters.Arg("label", cell.LabelRun+"=slow2-1"))})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	waitFor(t, "both cells' containers", 8*time.Minute, func() bool { return len(running()) == 2 })
	victim := running()[0]
	vi := owners[victim.Labels[cell.LabelOwner]]
	lost := victim.Labels[cell.LabelComponent] + "/debian-12"
	if err := builders[vi].Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	f := p.finished("slow2-1", 5*time.Minute)
	for cell, c := range cellStates(f) {
		if c.State != "ok" {
			t.Errorf("%s: %+v", cell, c)
		}
	}
	time.Sleep(2 * time.Second) // a duplicate would come now
	survivor := builder.OwnerOf(dirs[1-vi])[:8]
	for cell, by := range cellBuilders(t, p, "slow2-1") {
		if len(by) != 1 {
			t.Errorf("%s: %d build.succeeded (%v), want 1", cell, len(by), by)
		} else if cell == lost && !strings.HasSuffix(by[0], "/"+survivor) {
			t.Errorf("the killed builder's cell %s was built by %s, want the survivor %s", cell, by[0], survivor)
		}
	}
	if n := len(ofType(p.runFacts("slow2-1"), "build.finished")); n != 1 {
		t.Errorf("%d build.finished, want 1", n)
	}
	p.startBuilder(env(vi)...) // back: it removes what its killed self left
	waitFor(t, "no container of the run", time.Minute, func() bool { return leftovers(t, "slow2-1") == 0 })
}

// TestACellSentTwiceIsBuiltOnce: the same cell commanded twice under two
// ids (a coordinator that replaced a dead one resends a cell still
// building once the stream's de-duplication window has passed), taken by
// two builders at once: one builds it, the other waits for the build
// key's claim and reports the cached result.
func TestACellSentTwiceIsBuiltOnce(t *testing.T) {
	stacks := slowStack(t, "slow1", 10, "slow-a")
	p := newPlatform(t)
	for _, d := range []string{"a", "b"} {
		p.startBuilder("RING_STACKS="+stacks, "RING_WORK_DIR="+filepath.Join(p.workDir, d), "RING_BUILDER_DISTROS=debian-12", "RING_BUILD_PARALLEL=1")
	}
	cmd := &events.CellBuildRequested{Request: "twice", Stack: "slow1", Component: "slow-a", Distro: "debian-12", Arch: events.DefaultArch}
	for _, id := range []string{"twice-cell-1", "twice-cell-2"} {
		if _, err := p.conn.Publish(p.ctx, cmd, bus.WithID(id), bus.WithRunID("twice")); err != nil {
			t.Fatal(err)
		}
	}
	var got []events.BuildSucceeded
	waitFor(t, "both commands answered", 8*time.Minute, func() bool {
		got = got[:0]
		for _, e := range ofType(p.runFacts("twice"), "build.succeeded") {
			var s events.BuildSucceeded
			if err := json.Unmarshal(e.Data, &s); err != nil {
				t.Fatal(err)
			}
			got = append(got, s)
		}
		return len(got) == 2
	})
	built, cached := 0, 0
	for _, s := range got {
		if s.Cached {
			cached++
		} else {
			built++
		}
	}
	if got[0].Builder == got[1].Builder {
		t.Fatalf("both commands went to %s; want one each (one cell at a time per builder)", got[0].Builder)
	}
	if built != 1 || cached != 1 || got[0].BuildKey != got[1].BuildKey {
		t.Fatalf("built %d, cached %d (%+v); want one build and one cached answer of the same key", built, cached, got)
	}
	t.Logf("built by %s; %s answered from the cache", got[0].Builder, got[1].Builder)
}
