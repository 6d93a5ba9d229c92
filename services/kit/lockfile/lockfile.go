// Package lockfile gives a process an exclusive lock on a file (flock, so
// the kernel releases it when the process ends, however it ends). The
// holder writes its PID into the file, so the one refused or waiting can
// say which process holds it.
package lockfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrHeld means another process (or another open of the file in this one)
// holds the lock.
var ErrHeld = errors.New("lockfile: held by another process")

// HeldError is ErrHeld with the file and its holder's PID (0: unknown, the
// holder has not written it yet).
type HeldError struct {
	Path string
	PID  int
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("%s is held by %s", e.Path, e.Holder())
}

// Holder names the holder: "process N", or "another process".
func (e *HeldError) Holder() string {
	if e.PID == 0 {
		return "another process"
	}
	return "process " + strconv.Itoa(e.PID)
}

func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// Lock is a held lock.
type Lock struct{ f *os.File }

// pollEvery is how often Wait tries the lock again.
const pollEvery = 200 * time.Millisecond

// Try takes path's lock (creating the file) or fails at once with a
// *HeldError (ErrHeld).
func Try(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lockfile: %w", err)
	}
	l, err := take(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// Wait takes path's lock, waiting while another holds it, until ctx ends
// (ctx's error). blocked (may be nil) is told once who holds it if it has
// to wait.
func Wait(ctx context.Context, path string, blocked func(*HeldError)) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lockfile: %w", err)
	}
	for {
		l, err := take(f)
		if err == nil {
			return l, nil
		}
		var held *HeldError
		if !errors.As(err, &held) {
			f.Close()
			return nil, err
		}
		if blocked != nil {
			blocked(held)
			blocked = nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// take flocks f without waiting and writes this process's PID into it.
func take(f *os.File) (*Lock, error) {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &HeldError{Path: f.Name(), PID: holder(f)}
		}
		return nil, fmt.Errorf("lockfile: %s: %w", f.Name(), err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// holder reads the PID the holder wrote (0 if none yet).
func holder(f *os.File) int {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil {
		return 0
	}
	return pid
}

// Path is the locked file.
func (l *Lock) Path() string { return l.f.Name() }

// Unlock releases the lock. The file stays: removing it while another
// process has it open would let a third lock a new file beside it.
func (l *Lock) Unlock() error {
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	return errors.Join(err, l.f.Close())
}
