//go:build integration

package main_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// doctor runs `ring doctor` on this machine with RING_HOME=home and the
// checkout's infra/deps.list; it returns the output and the exit code.
func doctor(t *testing.T, home string, args ...string) (string, int) {
	t.Helper()
	deps, err := filepath.Abs("../../infra/deps.list")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ringBin, append([]string{"doctor"}, args...)...)
	cmd.Env = append(os.Environ(), "RING_HOME="+home, "RING_DEPS="+deps)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// TestDoctorOnThisMachine runs every check against the real machine — the
// Docker daemon, its data root, this RING_HOME's disk, the tools make deps
// installs, memory — which runs the main job, so they pass; then a port
// another program holds and a port a running ring up holds fail, each with
// its fix, and make run would stop.
func TestDoctorOnThisMachine(t *testing.T) {
	home := t.TempDir()
	out, code := doctor(t, home, "--nats-listen", "127.0.0.1:0", "--s3-listen", "127.0.0.1:0")
	for _, want := range []string{"ok    docker  Docker ", "ok    cgroup", "free under Docker's data root", "free for RING_HOME " + home,
		"ok    tools   installed: make, gcc", "mmdebstrap", "ok    ports", "ok    memory", "ready for the main job"} {
		if !strings.Contains(out, want) {
			t.Errorf("ring doctor lacks %q", want)
		}
	}
	if code != 0 {
		t.Errorf("exit %d on a machine that runs the main job", code)
	}
	if t.Failed() {
		t.Fatalf("output:\n%s", out)
	}

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	out, code = doctor(t, home, "--nats-listen", "127.0.0.1:0", "--s3-listen", taken.Addr().String())
	_, port, _ := strings.Cut(taken.Addr().String(), ":")
	if code != 1 || !strings.Contains(out, "FAIL  ports   "+taken.Addr().String()+" (S3) is in use by another program — fix: ss -ltnp 'sport = :"+port+"'") ||
		!strings.Contains(out, "1 problem(s) would stop the main job") {
		t.Fatalf("a port in use: exit %d\n%s", code, out)
	}

	upCmd, _, e := up(t, home)
	out, code = doctor(t, home, "--nats-listen", strings.TrimPrefix(e.NATS, "nats://"), "--s3-listen", "127.0.0.1:0")
	if want := fmt.Sprintf("ring up already runs with RING_HOME %s (pid %d) — fix: stop it (Ctrl-C where it runs, or kill %d)", home, upCmd.Process.Pid, upCmd.Process.Pid); code != 1 || !strings.Contains(out, want) {
		t.Fatalf("a port ring up holds: exit %d, want %q\n%s", code, want, out)
	}
}
