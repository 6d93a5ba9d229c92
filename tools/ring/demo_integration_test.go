//go:build integration

package main_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/image"
)

// TestMainJob is `make run` (`ring up --demo`) as a newcomer sees it on a
// terminal, from an empty RING_HOME: every service answers a ping, the demo
// stack is built for both distros and published, a 3-node cluster is made
// from it with apt-get, the smoke suites pass, and the report says so, where
// the time went and where the logs are; the cluster is ready in `ring
// cluster list`, and Ctrl-C stops the platform cleanly. All along, some
// line on the terminal changes at least every 5 seconds, and no service log
// line lands among the job's output (the logs go to the file named at
// start).
func TestMainJob(t *testing.T) {
	ctx := context.Background()
	dc, err := image.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := cluster.New(dc)
	// The main job replaces a cluster named demo: never someone's own.
	if _, err := p.Get(ctx, "demo"); err == nil {
		t.Skip("a cluster named demo exists on this Docker host (ring cluster destroy demo, or run this test elsewhere)")
	} else if !errors.Is(err, cluster.ErrNotFound) {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := p.Destroy(ctx, "demo"); err != nil && !errors.Is(err, cluster.ErrNotFound) {
			t.Errorf("destroy demo: %v", err)
		}
	})
	// As `make run` does: from the checkout's root, where ring finds infra/.
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	t.Setenv("RING_DEB_CACHE", filepath.Join(os.TempDir(), "ringmaster-test-debs"))
	home := t.TempDir()
	start := time.Now()
	cmd, term := ringOnTerminal(t, home, "up", "--nats-listen", "127.0.0.1:0", "--s3-listen", "127.0.0.1:0", "--demo")
	exited := make(chan error, 1)
	go func() { exited <- term.wait(cmd) }()
	reported := func() bool { // the report ends with how to destroy the cluster
		_, report, ok := strings.Cut(term.String(), "== report")
		return ok && strings.Contains(report, "ring cluster destroy demo")
	}
	for deadline := time.Now().Add(30 * time.Minute); !reported(); time.Sleep(time.Second) {
		select {
		case err := <-exited:
			t.Fatalf("ring up --demo ended (%v) before its report:\n%s", err, term.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no report within 30 minutes:\n%s", term.String())
		}
	}
	t.Logf("the main job took %s", time.Since(start).Round(time.Second))
	got := term.String()
	for _, want := range []string{
		"Service logs go to " + filepath.Join(home, "logs", "ring-up-"),
		"== 1. a ping through every service", "all 6 services answered",
		"== 2. the demo stack", "published debian-12 to nightly", "published debian-11 to nightly",
		"== 3. a 3-node cluster", "installed", "with apt-get from the signed nightly repository", "ready: demo, 3 nodes",
		"== 4. smoke suites", "== report", "all green",
		"where the time went", "builds", "cluster", "tests", "where the logs are", "ring build logs ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the main job's output lacks %q", want)
		}
	}
	if strings.Contains(got, "FAILED") || strings.Contains(got, "failed:") {
		t.Errorf("the main job reports a failure")
	}
	still, at := term.longestStill()
	t.Logf("the longest the terminal stood still: %s, %s into the job", still.Round(100*time.Millisecond), at.Sub(start).Round(time.Second))
	if still > 5*time.Second {
		t.Errorf("nothing on the terminal changed for %s from %s into the job", still.Round(100*time.Millisecond), at.Sub(start).Round(time.Second))
	}
	if lines := term.jsonLines(); len(lines) > 0 {
		t.Errorf("%d log lines on the terminal, e.g. %s", len(lines), lines[0])
	}
	logs, _ := filepath.Glob(filepath.Join(home, "logs", "ring-up-*.log"))
	if len(logs) != 1 {
		t.Errorf("service log files: %v", logs)
	} else if b, err := os.ReadFile(logs[0]); err != nil || !strings.Contains(string(b), `"level":"info"`) {
		t.Errorf("the service log %s holds no service logs (%v)", logs[0], err)
	}
	if t.Failed() {
		t.Fatalf("output:\n%s", got)
	}
	list := mustRing(t, home, time.Minute, "cluster", "list")
	if line := lineWith(list, "demo"); !strings.Contains(line, " ready ") || !strings.Contains(line, "3/3") {
		t.Fatalf("the demo cluster after the main job:\n%s", list)
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-exited:
		if err != nil || !strings.Contains(term.String(), "stopping") {
			t.Fatalf("ring up after Ctrl-C: %v\n%s", err, term.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("ring up did not stop within a minute of Ctrl-C:\n%s", term.String())
	}
}
