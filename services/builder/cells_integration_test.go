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
	stacks := t.TempDir()
	dir := filepath.Join(stacks, "slow2")
	_ = os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "src", "README"), []byte("slow\n"), 0o644)
	comp := func(name string) string {
		return `  - name: ` + name + `
    version: "1.0"
    summary: takes its time
    license: MIT
    maintainer: Test <test@example.org>
    sources: [{dir: src}]
    build:
      image: toolchain
      commands: ["sleep 10", "mkdir -p $OUT/share && cp README $OUT/share/"]
    install: [{src: share/README, dst: /usr/share/` + name + `/README}]
`
	}
	_ = os.WriteFile(filepath.Join(dir, "stack.yaml"), []byte("name: slow2\ndistros: [debian-12]\ncomponents:\n"+comp("slow-a")+comp("slow-b")), 0o644)
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
