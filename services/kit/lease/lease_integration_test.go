//go:build integration

package lease

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/kit/bus/bustest"
)

// bucket is the lease bucket on a new embedded server, with a context that
// ends with the test (or after a minute).
func bucket(t *testing.T) (context.Context, jetstream.KeyValue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	conn := bustest.Embedded(t)
	kv, err := Open(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, kv
}

func TestOneHolderAtATime(t *testing.T) {
	ctx, kv := bucket(t)
	var holders, peak, got atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				l, err := Acquire(ctx, kv, "repo.nightly", "worker-"+string(rune('a'+i)))
				if errors.Is(err, ErrHeld) {
					time.Sleep(5 * time.Millisecond)
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				n := holders.Add(1)
				if n > peak.Load() {
					peak.Store(n)
				}
				time.Sleep(10 * time.Millisecond)
				if err := l.Renew(ctx); err != nil {
					t.Error(err)
				}
				holders.Add(-1)
				got.Add(1)
				if err := l.Release(ctx); err != nil {
					t.Error(err)
				}
				return
			}
		}()
	}
	wg.Wait()
	if got.Load() != 8 || peak.Load() != 1 {
		t.Fatalf("acquired %d times, peak holders %d", got.Load(), peak.Load())
	}
	// A lease taken over (here: deleted behind our back) is lost on renew.
	l, err := Acquire(ctx, kv, "repo.stable", "me")
	if err != nil {
		t.Fatal(err)
	}
	if err := kv.Delete(ctx, "repo.stable"); err != nil {
		t.Fatal(err)
	}
	if err := l.Renew(ctx); !errors.Is(err, ErrLost) {
		t.Fatalf("renew after takeover = %v", err)
	}
}

// A held lease is waited for: the waiter hears who holds it once the wait
// has lasted a while, and takes the lease when it is released; a wait that
// runs out of time ends with ErrHeld.
func TestAcquireWait(t *testing.T) {
	ctx, kv := bucket(t)
	first, err := Acquire(ctx, kv, "repo.nightly", "publisher/a")
	if err != nil {
		t.Fatal(err)
	}
	told := make(chan string, 2)
	got := make(chan error, 1)
	go func() {
		l, err := AcquireWait(ctx, kv, "repo.nightly", "publisher/b", 300*time.Millisecond, func(holder string) { told <- holder })
		if err == nil {
			err = l.Release(ctx)
		}
		got <- err
	}()
	select {
	case h := <-told:
		if h != "publisher/a" {
			t.Fatalf("told the holder is %q", h)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the waiter was never told it waits")
	}
	if err := first.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("the waiter did not take the released lease: %v", err)
	}
	if len(told) != 0 {
		t.Error("the waiter was told more than once")
	}

	if _, err := Acquire(ctx, kv, "repo.stable", "publisher/a"); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelShort()
	var held *HeldError
	if _, err := AcquireWait(short, kv, "repo.stable", "publisher/b", time.Hour, nil); !errors.Is(err, ErrHeld) || !errors.As(err, &held) || held.Holder != "publisher/a" {
		t.Fatalf("a wait that runs out = %v, want ErrHeld naming publisher/a", err)
	}
}
