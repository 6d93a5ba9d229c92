//go:build integration

package builder_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/image"
)

// runFacts returns every fact of a run, in stream order.
func (p *platform) runFacts(runID string) []events.Envelope {
	p.t.Helper()
	s, err := p.conn.JS.Stream(p.ctx, events.FactStream)
	if err != nil {
		p.t.Fatal(err)
	}
	info, err := s.Info(p.ctx)
	if err != nil {
		p.t.Fatal(err)
	}
	var out []events.Envelope
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(p.ctx, seq)
		if err != nil || m.Header.Get(events.HeaderRunID) != runID {
			continue
		}
		env, err := events.FromHeaders(events.Header(m.Header), m.Data, 0)
		if err == nil {
			out = append(out, env)
		}
	}
	return out
}

func ofType(envs []events.Envelope, name string) []events.Envelope {
	var out []events.Envelope
	for _, e := range envs {
		if e.Type == events.Prefix+"."+name+".v1" {
			out = append(out, e)
		}
	}
	return out
}

// build requests a build and waits for its build.finished.
func (p *platform) build(req *events.BuildRequested, runID string, within time.Duration) *events.BuildFinished {
	p.t.Helper()
	if _, err := p.conn.Publish(p.ctx, req, bus.WithRunID(runID)); err != nil {
		p.t.Fatal(err)
	}
	return p.finished(runID, within)
}

func (p *platform) finished(runID string, within time.Duration) *events.BuildFinished {
	p.t.Helper()
	var f events.BuildFinished
	waitFor(p.t, "build.finished of "+runID, within, func() bool {
		fs := ofType(p.runFacts(runID), "build.finished")
		return len(fs) > 0 && json.Unmarshal(fs[0].Data, &f) == nil
	})
	return &f
}

func cellStates(f *events.BuildFinished) map[string]events.CellResult {
	out := map[string]events.CellResult{}
	for _, c := range f.Cells {
		out[c.Component+"/"+c.Distro] = c
	}
	return out
}

// leftovers counts containers labelled with the run, in any state.
func leftovers(t *testing.T, runID string) int {
	t.Helper()
	c, err := image.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	list, err := c.ContainerList(context.Background(), container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", "ringmaster.run="+runID))})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// TestFixtureMatrix builds the fixture's 2 × 2 matrix in real containers:
// libraries before the daemons that link them, both distros side by side,
// packages handed to repo-publisher per distro; a second request rebuilds
// nothing.
func TestFixtureMatrix(t *testing.T) {
	p := newPlatform(t)
	p.startBuilder("RING_BUILD_PARALLEL=2")
	first := p.build(&events.BuildRequested{Stack: "fixture"}, "fixture-1", 10*time.Minute)
	states := cellStates(first)
	for _, cell := range []string{"ringhello-lib/debian-12", "ringhello-lib/debian-11", "ringhello/debian-12", "ringhello/debian-11"} {
		if c, ok := states[cell]; !ok || c.State != "ok" || c.Cached {
			t.Fatalf("%s: %+v", cell, c)
		}
	}
	facts := p.runFacts("fixture-1")
	order := map[string]int{}
	for i, e := range ofType(facts, "build.succeeded") {
		var s events.BuildSucceeded
		_ = json.Unmarshal(e.Data, &s)
		order[s.Component+"/"+s.Distro] = i
		if len(s.Packages) != 1 || !strings.HasSuffix(s.Packages[0].Key, ".deb") {
			t.Errorf("%s/%s packages %+v", s.Component, s.Distro, s.Packages)
		}
	}
	for _, d := range []string{"debian-12", "debian-11"} {
		if order["ringhello-lib/"+d] > order["ringhello/"+d] {
			t.Errorf("ringhello on %s finished before its library", d)
		}
	}
	if n := len(ofType(facts, "build.log")); n == 0 {
		t.Error("no build.log events")
	}
	// Two publish commands, one per distro, each with that distro's two packages.
	cmds, err := p.conn.JS.Stream(p.ctx, events.CommandStream("repo-publisher"))
	if err != nil {
		t.Fatal(err)
	}
	info, _ := cmds.Info(p.ctx)
	if info.State.Msgs != 2 {
		t.Fatalf("%d publish commands, want 2", info.State.Msgs)
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, _ := cmds.GetMsg(p.ctx, seq)
		var req events.RepoPublishRequested
		_ = json.Unmarshal(m.Data, &req)
		if req.Channel != "stable" || len(req.Distros) != 1 || len(req.Packages) != 2 { // the fixture's channel:
			t.Errorf("publish command %+v", req)
		}
	}
	if n := leftovers(t, "fixture-1"); n != 0 {
		t.Errorf("%d containers left", n)
	}
	// The packages install with stock dpkg on a clean Debian 12 and the daemon
	// runs with the library from its own package.
	installFixture(t, p, "fixture-1")

	start := time.Now()
	again := p.build(&events.BuildRequested{Stack: "fixture"}, "fixture-2", 2*time.Minute)
	took := time.Since(start)
	for cell, c := range cellStates(again) {
		if c.State != "ok" || !c.Cached {
			t.Errorf("rebuild of %s: %+v, want cached", cell, c)
		}
	}
	t.Logf("cold matrix and no-op rebuild: %s (no-op)", took)
}

// TestBadSourcesFailTheirCellOnly: a wrong checksum and a 404 fail their
// cells with a clear reason, the dependents of a failed cell are skipped,
// and the rest builds.
func TestBadSourcesFailTheirCellOnly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "present.tar.gz") {
			_, _ = w.Write([]byte("not the bytes you hashed"))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	stacks := t.TempDir()
	dir := filepath.Join(stacks, "bad")
	_ = os.MkdirAll(filepath.Join(dir, "src", "good"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "src", "good", "README"), []byte("good\n"), 0o644)
	zero := strings.Repeat("0", 64)
	comp := func(name, source, deps string) string {
		return `  - name: ` + name + `
    version: "1.0"
    summary: test component
    license: MIT
    maintainer: Test <test@example.org>
    sources: [` + source + `]
    build:
      image: toolchain
      commands: ["mkdir -p $OUT/share && cp README $OUT/share/ 2>/dev/null || echo built > $OUT/share/README"]` + deps + `
    install: [{src: share/README, dst: /usr/share/` + name + `/README}]
`
	}
	yaml := "name: bad\ndistros: [debian-12]\ncomponents:\n" +
		comp("good", "{dir: src/good}", "") +
		comp("badsum", "{url: "+srv.URL+"/present.tar.gz, sha256: "+zero+"}", "") +
		comp("missing", "{url: "+srv.URL+"/missing.tar.gz, sha256: "+zero+"}", "") +
		comp("after-badsum", "{dir: src/good}", "\n      build_depends: [badsum]")
	if err := os.WriteFile(filepath.Join(dir, "stack.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newPlatform(t)
	p.startBuilder("RING_STACKS=" + stacks)
	f := p.build(&events.BuildRequested{Stack: "bad"}, "bad-1", 10*time.Minute)
	s := cellStates(f)
	check := func(cell, state, reason string) {
		t.Helper()
		if c := s[cell]; c.State != state || !strings.Contains(c.Reason, reason) {
			t.Errorf("%s: %s %q, want %s containing %q", cell, c.State, c.Reason, state, reason)
		}
	}
	check("good/debian-12", "ok", "")
	check("badsum/debian-12", "failed", "checksum mismatch")
	check("missing/debian-12", "failed", "404")
	check("after-badsum/debian-12", "skipped", "dependency badsum/debian-12 failed")
	var failed []string
	for _, e := range ofType(p.runFacts("bad-1"), "build.failed") {
		var bf events.BuildFailed
		_ = json.Unmarshal(e.Data, &bf)
		failed = append(failed, bf.Component)
	}
	if len(failed) != 3 {
		t.Errorf("build.failed facts for %v, want badsum, missing, after-badsum once each", failed)
	}
}

// TestSIGKILLMidBuild kills the builder while a cell's container runs; the
// restarted builder removes the orphaned container, gets the command again
// and finishes it: one result, no containers left.
func TestSIGKILLMidBuild(t *testing.T) {
	stacks := slowStack(t, "slow", 8, "slow")
	p := newPlatform(t)
	first := p.startBuilder("RING_STACKS=" + stacks)
	if _, err := p.conn.Publish(p.ctx, &events.BuildRequested{Stack: "slow"}, bus.WithRunID("slow-1")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the build container", 5*time.Minute, func() bool { return leftovers(t, "slow-1") > 0 })
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed(t, first)
	if leftovers(t, "slow-1") == 0 {
		t.Log("the container went with the builder")
	}
	p.startBuilder("RING_STACKS=" + stacks)
	f := p.finished("slow-1", 3*time.Minute)
	if c := cellStates(f)["slow/debian-12"]; c.State != "ok" {
		t.Fatalf("after restart: %+v", c)
	}
	time.Sleep(2 * time.Second)
	facts := p.runFacts("slow-1")
	if n, m := len(ofType(facts, "build.succeeded")), len(ofType(facts, "build.finished")); n != 1 || m != 1 {
		t.Fatalf("%d build.succeeded and %d build.finished, want 1 and 1", n, m)
	}
	if n := leftovers(t, "slow-1"); n != 0 {
		t.Fatalf("%d containers left", n)
	}
	var logs bytes.Buffer
	for _, e := range ofType(facts, "build.log") {
		logs.Write(e.Data)
	}
	if !strings.Contains(logs.String(), "sleep 8") {
		t.Errorf("build logs lack the command trace")
	}
}
