package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// cliRow times what a user runs: `ring repo publish --channel clibench
// --distro debian-12 <n files>` against a `ring up` started here (embedded
// NATS, S3 and every service, its own RING_HOME; untimed start and a
// `ring ping` first), from reading the files to the publisher's answer.
func (b *bench) cliRow(ctx context.Context, n int, dir string, debs []string) (row, error) {
	r := row{work: "ring repo publish of N .debs from the CLI (check, upload, request, wait for the answer)", n: n, peer: "aptly, reprepro first publish at N",
		target: "≥ 1.5× peers"}
	home := filepath.Join(dir, "ring-home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return r, err
	}
	env := append(os.Environ(), "RING_HOME="+home, "RING_NATS_URL=")
	log, err := os.Create(filepath.Join(dir, "ring-up.log"))
	if err != nil {
		return r, err
	}
	defer log.Close()
	up := exec.Command(b.o.ring, "up", "--nats-listen", "127.0.0.1:0", "--s3-listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--log-level", "warn")
	up.Env, up.Stdout, up.Stderr = env, log, log
	if err := up.Start(); err != nil {
		return r, fmt.Errorf("ring up: %w", err)
	}
	defer func() {
		_ = up.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = up.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = up.Process.Kill()
			<-done
		}
	}()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var e struct{ NATS string }
		if b, err := os.ReadFile(filepath.Join(home, "endpoints.json")); err == nil && json.Unmarshal(b, &e) == nil && e.NATS != "" {
			break
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("ring up did not come up within 60 s (log: %s)", log.Name())
		}
	}
	ring := func(ctx context.Context, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, b.o.ring, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := ring(ctx, "ping"); err != nil {
		return r, fmt.Errorf("ring ping: %w: %s", err, out)
	}
	logf("N=%d: ring repo publish of %d .debs (ring up in %s)", n, n, home)
	var out string
	d, err := timed(func() error {
		var err error
		out, err = ring(ctx, append([]string{"repo", "publish", "--channel", "clibench", "--distro", "debian-12"}, debs...)...)
		return err
	})
	if err != nil {
		return r, fmt.Errorf("ring repo publish: %w: %s", err, out)
	}
	var lines []string // what the CLI said, without its progress lines
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, "uploading: ") {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	logf("N=%d: ring repo publish %v: %s", n, d, strings.Join(lines[:min(len(lines), 3)], " / "))
	r.ours = d
	pt := min(b.peerFirst["aptly"][n], b.peerFirst["reprepro"][n])
	if pt == 0 {
		pt = max(b.peerFirst["aptly"][n], b.peerFirst["reprepro"][n])
	}
	r.peerT = pt
	r.note = fmt.Sprintf("peer time is the faster of aptly (%s) and reprepro (%s); the CLI said: %s", sec(b.peerFirst["aptly"][n]), sec(b.peerFirst["reprepro"][n]), strings.Join(lines[:min(len(lines), 2)], " / "))
	return r, nil
}
