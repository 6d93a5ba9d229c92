//go:build integration

package main_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/ring/platform"
)

var ringBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ring-bin-")
	if err != nil {
		panic(err)
	}
	ringBin = filepath.Join(dir, "ring")
	if out, err := exec.Command("go", "build", "-o", ringBin, ".").CombinedOutput(); err != nil {
		panic("build ring: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// ring runs a ring command with RING_HOME=home and returns its output.
func ring(t testing.TB, home string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ringBin, args...)
	cmd.Env = append(os.Environ(), "RING_HOME="+home, "RING_NATS_URL=", "RING_S3_ACCESS_KEY=k", "RING_S3_SECRET_KEY=s")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// up starts `ring up` on free ports and waits for its endpoints.
func up(t testing.TB, home string, extra ...string) (*exec.Cmd, *syncBuffer, platform.Endpoints) {
	t.Helper()
	out := &syncBuffer{}
	cmd := exec.Command(ringBin, append([]string{"up", "--nats-listen", "127.0.0.1:0", "--s3-listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--log-level", "warn"}, extra...)...)
	cmd.Env = append(os.Environ(), "RING_HOME="+home, "RING_NATS_URL=")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(home, "endpoints.json"))
		var e platform.Endpoints
		if err == nil && json.Unmarshal(b, &e) == nil && e.NATS != "" {
			return cmd, out, e
		}
		if time.Now().After(deadline) {
			t.Fatalf("ring up did not come up:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestUpPingStatusAndCleanStop(t *testing.T) {
	home := t.TempDir()
	cmd, out, e := up(t, home)
	if !strings.HasPrefix(e.NATS, "nats://127.0.0.1:") || !strings.HasPrefix(e.S3, "http://127.0.0.1:") {
		t.Fatalf("endpoints %+v", e)
	}
	st, err := os.Stat(filepath.Join(home, "s3-credentials.json"))
	if err != nil || st.Mode().Perm() != 0o400 {
		t.Fatalf("credentials file: %v %v", st, err)
	}
	// A live tail sees the ping commands and the pongs.
	tailOut := startTail(t, home)

	if got, err := ring(t, home, "ping"); err != nil || !strings.Contains(got, "all 6 services answered") {
		t.Fatalf("ping: %v\n%s", err, got)
	}
	got, err := ring(t, home, "status")
	if err != nil {
		t.Fatalf("status: %v\n%s", err, got)
	}
	for _, want := range []string{"builder", "repo-publisher", "provisioner", "tester", "kerberos-realm", "gateway", "CMD_BUILDER", "CMD_GATEWAY", "FACTS", "DLQ", "HTTP http://127.0.0.1:"} {
		if !strings.Contains(got, want) {
			t.Errorf("status lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "down") {
		t.Errorf("a service is down:\n%s", got)
	}
	// ping returned after every pong was published; the tail prints
	// them soon after.
	var pings, pongs int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		pings, pongs = strings.Count(tailOut.String(), "ringmaster.service.ping.requested.v1"), strings.Count(tailOut.String(), "ringmaster.service.pong.v1")
		if pings >= len(events.Services) && pongs >= len(events.Services) {
			break
		}
	}
	if n := len(events.Services); pings != n || pongs != n {
		t.Fatalf("tail saw %d pings and %d pongs, want %d of each (a service each):\n%s", pings, pongs, n, tailOut.String())
	}

	// A clean round trip leaves no dead letters.
	if got, err := ring(t, home, "dlq", "list"); err != nil || !strings.Contains(got, "no dead letters") {
		t.Fatalf("dlq list: %v\n%s", err, got)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ring up exited with %v:\n%s", err, out.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("ring up did not stop within 20s of SIGTERM:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(home, "endpoints.json")); !os.IsNotExist(err) {
		t.Fatalf("endpoints.json left behind: %v", err)
	}
	if !strings.Contains(out.String(), "Ringmaster is up") {
		t.Fatalf("no banner:\n%s", out.String())
	}
}

func TestUpWithWrongExternalURLFailsFast(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"nats", []string{"up", "--nats", "nats://127.0.0.1:1", "--s3-listen", "127.0.0.1:0"}, "RING_NATS_URL"},
		{"s3", []string{"up", "--nats-listen", "127.0.0.1:0", "--s3", "http://127.0.0.1:1"}, "RING_S3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t0 := time.Now()
			got, err := ring(t, t.TempDir(), tc.args...)
			if err == nil {
				t.Fatalf("ring up succeeded against a wrong URL:\n%s", got)
			}
			if d := time.Since(t0); d > 6*time.Second {
				t.Fatalf("took %s; want < 5s", d)
			}
			if !strings.Contains(got, tc.want) {
				t.Fatalf("message does not say what to check (%s):\n%s", tc.want, got)
			}
		})
	}
}

func TestClientWithoutPlatformSaysWhatToDo(t *testing.T) {
	got, err := ring(t, t.TempDir(), "status", "--nats", "nats://127.0.0.1:1")
	if err == nil || !strings.Contains(got, "ring up") {
		t.Fatalf("status without a platform: %v\n%s", err, got)
	}
}

// TestUpSchedulesSweeps: ring up --sweep-every sends sweep.run.requested
// for each --sweep-stack on its own; the tester takes it (a stack that does
// not exist is a permanent failure, dead-lettered with the reason).
func TestUpSchedulesSweeps(t *testing.T) {
	home := t.TempDir()
	_, out, _ := up(t, home, "--sweep-every", "1s", "--sweep-stack", "it-no-such-stack")
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, _ := ring(t, home, "dlq", "list")
		if strings.Contains(got, "sweep.run.requested") && strings.Contains(got, `stack "it-no-such-stack"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no scheduled sweep reached the tester:\n%s\n%s", got, out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "Compatibility sweeps of it-no-such-stack every 1s") {
		t.Errorf("ring up did not say it schedules sweeps:\n%s", out.String())
	}
}
