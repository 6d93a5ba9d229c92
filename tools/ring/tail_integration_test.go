//go:build integration

package main_test

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// startTail runs `ring events tail --output json` against home's servers
// and returns its output once it is subscribed (its "watching" line), so
// nothing published after this call is missed. The tail ends with the test.
func startTail(t *testing.T, home string) *syncBuffer {
	t.Helper()
	tail := exec.Command(ringBin, "events", "tail", "--output", "json")
	tail.Env = append(os.Environ(), "RING_HOME="+home, "RING_NATS_URL=")
	out, status := &syncBuffer{}, &syncBuffer{}
	tail.Stdout, tail.Stderr = out, status
	if err := tail.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tail.Process.Signal(syscall.SIGTERM); _ = tail.Wait() })
	waitFor(t, status, "watching ")
	return out
}
