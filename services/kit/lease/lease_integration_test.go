//go:build integration

package lease

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ringmaster.dev/kit/bus/bustest"
)

func TestOneHolderAtATime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := bustest.Embedded(t)
	kv, err := Open(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
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
