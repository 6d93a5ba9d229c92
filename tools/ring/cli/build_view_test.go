package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/builder/matrix"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/image"
)

func fact(t *testing.T, payload any) events.Envelope {
	t.Helper()
	s, err := events.Of(payload)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(payload)
	return events.Envelope{Type: s.Type(), Data: b}
}

// The facts of a cold build of two components on two distros: toolchain
// images made first, cells as their images are ready, one publication
// waiting for the other's channel lease.
func coldBuild(t *testing.T) []events.Envelope {
	cell := func(comp, distro string, secs float64) events.CellResult {
		return events.CellResult{Component: comp, Distro: distro, State: "ok", Seconds: secs}
	}
	return []events.Envelope{
		fact(t, &events.ImageProgress{Image: "toolchain", Distro: "debian-12", Step: image.PhaseDownloading, Detail: "3/69 packages", Seconds: 4}),
		fact(t, &events.ImageProgress{Image: "toolchain", Distro: "debian-11", Step: image.PhaseWaiting, Detail: "for another image build using the debian-11 package cache", Seconds: 1}),
		fact(t, &events.ImageProgress{Image: "toolchain", Distro: "debian-12", Step: image.PhaseReady, Detail: "built in 1m30s", Seconds: 90, Built: true}),
		fact(t, &events.ImageProgress{Image: "toolchain", Distro: "debian-11", Step: image.PhaseReady, Detail: "present"}),
		fact(t, &events.BuildLog{Component: "redis", Distro: "debian-12", Lines: []string{"make"}}),
		fact(t, &events.BuildSucceeded{Component: "redis", Distro: "debian-12"}),
		fact(t, &events.BuildSucceeded{Component: "redis", Distro: "debian-11", Cached: true}),
		fact(t, &events.BuildFinished{Stack: "demo", Channel: "nightly", Cells: []events.CellResult{cell("redis", "debian-12", 61), {Component: "redis", Distro: "debian-11", State: "ok", Cached: true}}}),
		fact(t, &events.RepoWaiting{Channel: "nightly", Distros: []string{"debian-11"}, Holder: "repo-publisher/x"}),
		fact(t, &events.RepoPublished{Channel: "nightly", Distros: []string{"debian-12"}, URLs: map[string]string{"apt": "http://s3/apt"}}),
		fact(t, &events.RepoPublished{Channel: "nightly", Distros: []string{"debian-11"}, URLs: map[string]string{"apt": "http://s3/apt"}}),
	}
}

func runView(t *testing.T, scr *screen, facts []events.Envelope) *matrixView {
	t.Helper()
	cells := []matrix.Cell{{Component: "redis", Distro: "debian-12"}, {Component: "redis", Distro: "debian-11"}}
	v := newMatrixView(scr, "demo", "run-1", cells, map[string]string{"redis": "toolchain"})
	var done []string
	v.imagesDone = func(d string) { done = append(done, d) }
	ch := make(chan events.Envelope, len(facts))
	for _, f := range facts {
		ch <- f
	}
	if err := v.follow(context.Background(), ch, nil, time.Minute); err != nil {
		t.Fatal(err)
	}
	if strings.Join(done, ",") != "debian-12,debian-11" {
		t.Errorf("images done for %q", done)
	}
	if len(v.times.Images) != 1 || v.times.Images[0].Took != 90*time.Second {
		t.Errorf("image times %+v: want the one built", v.times.Images)
	}
	return v
}

// Without a terminal: a line per change — each image step, the cells, the
// wait for the channel — then the final matrix.
func TestBuildViewLines(t *testing.T) {
	var out bytes.Buffer
	runView(t, &screen{out: &out}, coldBuild(t))
	got := out.String()
	for _, want := range []string{
		"image toolchain debian-12: downloading 3/69 packages\n",
		"image toolchain debian-11: waiting for another image build using the debian-11 package cache\n",
		"image toolchain debian-12: ready built in 1m30s\n",
		"redis/debian-12                  running\n",
		"debian-11: waiting for channel nightly (another publication writes it)\n",
		"published debian-12 to nightly: http://s3/apt\n",
		"published debian-11 to nightly: http://s3/apt\n",
		"redis                   ok 1m1s                 ok (cached)\n",
		"done in ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(got, "debian-11: ready present") || strings.Contains(got, "\033[") {
		t.Errorf("a present image, or terminal codes, in plain output")
	}
	if t.Failed() {
		t.Logf("output:\n%s", got)
	}
}

// On a terminal the block is redrawn in place: rows for the images being
// made (with their time so far) and the publications under way.
func TestBuildViewLive(t *testing.T) {
	var out bytes.Buffer
	scr := &screen{out: &out, tty: true}
	facts := coldBuild(t)
	v := runView(t, scr, facts)
	got := out.String()
	for _, re := range []string{
		`image toolchain\s+debian-12\s+downloading 3/69 packages  \d+s`,
		`redis\s+waiting for image\s+waiting for image`,
		`redis\s+running \d+s`,
		`publish nightly\s+debian-11\s+waiting for channel nightly  \d+s`,
		`image toolchain\s+debian-12\s+ready built in 1m30s\n`,
		"\033\\[\\d+A\033\\[J", // redrawn in place
	} {
		if !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("no %q", re)
		}
	}
	// The last drawing stays: the matrix and the image built, no present one.
	last := strings.Join(v.lines(), "\n")
	if strings.Contains(last, "debian-11    ready") || !strings.Contains(last, "ok (cached)") {
		t.Errorf("final block:\n%s", last)
	}
	if t.Failed() {
		t.Logf("output:\n%q", got)
	}
}

// A present image needs no row; one that failed keeps its row, with why.
func TestBuildViewImageRows(t *testing.T) {
	var out bytes.Buffer
	cells := []matrix.Cell{{Component: "redis", Distro: "debian-12"}, {Component: "zk", Distro: "debian-12"}}
	v := newMatrixView(&screen{out: &out, tty: true}, "demo", "run-1", cells, map[string]string{"redis": "toolchain", "zk": "toolchain-java"})
	v.image(events.ImageProgress{Image: "toolchain", Distro: "debian-12", Step: image.PhaseReady, Detail: "present"}, "")
	v.image(events.ImageProgress{Image: "toolchain-java", Distro: "debian-12", Step: image.PhaseFailed, Detail: "mmdebstrap: exit status 1"}, "")
	v.image(events.ImageProgress{Image: "node", Distro: "debian-12", Step: image.PhaseReady, Detail: "present"}, "for the cluster")
	got := strings.Join(v.lines(), "\n")
	if strings.Contains(got, "present") || !strings.Contains(got, "failed mmdebstrap: exit status 1") {
		t.Fatalf("rows:\n%s", got)
	}
}

// A cell no builder serves says so, then runs once one does.
func TestBuildViewWaitingCell(t *testing.T) {
	var out bytes.Buffer
	cells := []matrix.Cell{{Component: "redis", Distro: "debian-11"}}
	v := newMatrixView(&screen{out: &out}, "demo", "run-1", cells, map[string]string{"redis": "toolchain"})
	facts := []events.Envelope{
		fact(t, &events.CellWaiting{Component: "redis", Distro: "debian-11", Arch: "amd64", Reason: "no builder serves debian-11.amd64: start one with --distros debian-11"}),
		fact(t, &events.BuildLog{Component: "redis", Distro: "debian-11", Lines: []string{"make"}}),
		fact(t, &events.BuildSucceeded{Component: "redis", Distro: "debian-11"}),
		fact(t, &events.BuildFinished{Stack: "demo", Channel: "nightly", Cells: []events.CellResult{{Component: "redis", Distro: "debian-11", State: "failed", Reason: "x"}}}),
	}
	ch := make(chan events.Envelope, len(facts))
	for _, f := range facts {
		ch <- f
	}
	_ = v.follow(context.Background(), ch, nil, time.Minute)
	got := out.String()
	for _, want := range []string{
		"redis/debian-11                  waiting: no builder serves debian-11.amd64: start one with --distros debian-11\n",
		"redis/debian-11                  running\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
