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

	"ringmaster.dev/kit/image"
	"ringmaster.dev/provisioner/cluster"
)

// TestMainJob is `make run` (`ring up --demo`) as a newcomer sees it, from
// an empty RING_HOME: every service answers a ping, the demo stack is built
// for both distros and published, a 3-node cluster is made from it with
// apt-get, the smoke suites pass, and the report says so and how to go on;
// the cluster is ready in `ring cluster list`, and Ctrl-C stops the
// platform cleanly.
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
	cmd, out, _ := up(t, home, "--demo")
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	reported := func() bool { // the report ends with how to destroy the cluster
		_, report, ok := strings.Cut(out.String(), "== report")
		return ok && strings.Contains(report, "ring cluster destroy demo")
	}
	for deadline := time.Now().Add(30 * time.Minute); !reported(); time.Sleep(time.Second) {
		select {
		case err := <-exited:
			t.Fatalf("ring up --demo ended (%v) before its report:\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no report within 30 minutes:\n%s", out.String())
		}
	}
	t.Logf("the main job took %s", time.Since(start).Round(time.Second))
	got := out.String()
	for _, want := range []string{
		"== 1. a ping through every service", "all 6 services answered",
		"== 2. the demo stack", "published debian-12 to nightly", "published debian-11 to nightly",
		"== 3. a 3-node cluster", "installed", "with apt-get from the signed nightly repository", "ready: demo, 3 nodes",
		"== 4. smoke suites", "== report", "all green",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the main job's output lacks %q", want)
		}
	}
	if strings.Contains(got, "FAILED") || strings.Contains(got, "failed:") {
		t.Errorf("the main job reports a failure")
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
		if err != nil || !strings.Contains(out.String(), "stopping") {
			t.Fatalf("ring up after Ctrl-C: %v\n%s", err, out.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("ring up did not stop within a minute of Ctrl-C:\n%s", out.String())
	}
}
