package lockfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestTry: a held lock refuses a second taker (flock conflicts between two
// opens, in one process as across processes) and names the holder's PID;
// once unlocked it can be taken again.
func TestTry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	l, err := Try(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Try(path)
	var held *HeldError
	if !errors.Is(err, ErrHeld) || !errors.As(err, &held) || held.PID != os.Getpid() || held.Path != path {
		t.Fatalf("second Try: %v, want ErrHeld naming pid %d and %s", err, os.Getpid(), path)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := Try(path)
	if err != nil {
		t.Fatalf("Try after Unlock: %v", err)
	}
	_ = l2.Unlock()
	if _, err := Try(filepath.Join(t.TempDir(), "no", "such", "dir", "x.lock")); err == nil || errors.Is(err, ErrHeld) {
		t.Fatalf("Try in a missing directory: %v, want an error that is not ErrHeld", err)
	}
}

// TestWait: a waiter is told once who holds the lock, takes it when it is
// released, and gives up with ctx's error.
func TestWait(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	l, err := Try(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*pollEvery)
	defer cancel()
	if _, err := Wait(ctx, path, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait on a held lock past ctx: %v, want DeadlineExceeded", err)
	}
	calls := 0
	go func() {
		time.Sleep(3 * pollEvery)
		_ = l.Unlock()
	}()
	w, err := Wait(context.Background(), path, func(h *HeldError) {
		calls++
		if h.PID != os.Getpid() {
			t.Errorf("blocked by pid %d, want %d", h.PID, os.Getpid())
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Unlock()
	if calls != 1 {
		t.Fatalf("blocked called %d times, want once", calls)
	}
}
