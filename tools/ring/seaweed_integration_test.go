//go:build integration

package main_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/builder/packaging"
	"ringmaster.dev/kit/seaweed"
	"ringmaster.dev/ring/platform"
)

// TestUpOnSeaweedFS: the platform on the distributed blob store — ring up
// with --s3 at a SeaweedFS cluster (real weed processes: a master, two volume
// servers with replication 001, a filer and its S3 gateway); a deb published
// with ring repo publish installs with stock apt-get from the signed
// repository, and still does with one volume server killed.
func TestUpOnSeaweedFS(t *testing.T) {
	bin := os.Getenv("RING_WEED")
	if bin == "" {
		t.Skip("RING_WEED is not set (make test builds bin/weed and sets it)")
	}
	const access, secret = "ringtest", "ringtest-secret"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := seaweed.Start(ctx, seaweed.Config{Bin: bin, Dir: t.TempDir(), AccessKey: access, SecretKey: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	home := t.TempDir()
	env := append(os.Environ(), "RING_HOME="+home, "RING_NATS_URL=", "RING_S3_ACCESS_KEY="+access, "RING_S3_SECRET_KEY="+secret)
	out := &syncBuffer{}
	up := exec.Command(ringBin, "up", "--nats-listen", "127.0.0.1:0", "--s3", c.Endpoint(), "--http", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--log-level", "warn")
	up.Env, up.Stdout, up.Stderr = env, out, out
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = up.Process.Kill(); _ = up.Wait() }()
	var e platform.Endpoints
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		b, err := os.ReadFile(filepath.Join(home, "endpoints.json"))
		if err == nil && json.Unmarshal(b, &e) == nil && e.NATS != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ring up on SeaweedFS did not come up:\n%s", out.String())
		}
	}
	if e.S3 != c.Endpoint() {
		t.Fatalf("ring up uses S3 %s, want SeaweedFS's %s", e.S3, c.Endpoint())
	}
	ring := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, ringBin, args...)
		cmd.Env = env
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("ring %s: %v\n%s\nring up:\n%s", strings.Join(args, " "), err, b, out.String())
		}
		return string(b)
	}
	ring("ping")
	dir := t.TempDir()
	deb := buildPkg(t, dir, "1.0.0", packaging.Deb, "")
	if got := ring("repo", "publish", "--channel", "nightly", "--distro", "debian-12", deb); !strings.Contains(got, "published 1 package(s) to nightly") {
		t.Fatalf("publish: %s", got)
	}
	keyPath := filepath.Join(dir, "ringmaster.gpg")
	if err := os.WriteFile(keyPath, []byte(ring("repo", "key", "--binary")), 0o644); err != nil {
		t.Fatal(err)
	}
	sources := ring("repo", "sources", "--channel", "nightly", "--distro", "debian-12", "--keyring", keyPath)
	if !strings.Contains(sources, c.Endpoint()) {
		t.Fatalf("sources do not point at SeaweedFS:\n%s", sources)
	}
	install := func(when string) {
		t.Helper()
		apt := aptRoot(t, sources)
		if got, err := apt("update"); err != nil {
			t.Fatalf("apt-get update %s: %v\n%s", when, err, got)
		}
		if got, err := apt("install", "ringtest"); err != nil || got != "1.0.0" {
			t.Fatalf("apt-get install %s: %v\n%s", when, err, got)
		}
	}
	install("from SeaweedFS")
	if err := c.Stop("volume1"); err != nil {
		t.Fatal(err)
	}
	install("with a volume server killed")
}
