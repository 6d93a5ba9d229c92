// Package lease gives one holder at a time a named lease in a JetStream KV
// bucket whose entries expire, so a holder that dies frees the lease after
// the bucket's TTL. Holders renew with compare-and-set on the revision.
package lease

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Bucket is the KV bucket of leases; TTL is how long an unrenewed lease lives.
const (
	Bucket = "ring_leases"
	TTL    = 30 * time.Second
)

// ErrHeld means someone else holds the lease now.
var ErrHeld = errors.New("lease held by another holder")

// ErrLost means the lease expired or was taken while we thought we held it.
var ErrLost = errors.New("lease lost")

// Lease is a held lease.
type Lease struct {
	kv    jetstream.KeyValue
	key   string
	owner string
	rev   uint64
}

// Open declares the lease bucket (idempotent) and returns it.
func Open(ctx context.Context, js jetstream.JetStream) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: Bucket, Description: "leases: one holder at a time", TTL: TTL, Storage: jetstream.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("lease bucket: %w", err)
	}
	return kv, nil
}

// HeldError is ErrHeld with who holds the lease.
type HeldError struct{ Key, Holder string }

func (e *HeldError) Error() string {
	return fmt.Sprintf("%v: %s is held by %s", ErrHeld, e.Key, e.Holder)
}
func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// Acquire takes the lease key for owner, or fails with a *HeldError (which
// is ErrHeld).
func Acquire(ctx context.Context, kv jetstream.KeyValue, key, owner string) (*Lease, error) {
	rev, err := kv.Create(ctx, key, []byte(owner))
	if errors.Is(err, jetstream.ErrKeyExists) {
		// Who holds it is asked even when ctx is about to end (a waiter
		// whose wait runs out names the holder).
		holder := "?"
		gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		if e, gerr := kv.Get(gctx, key); gerr == nil {
			holder = string(e.Value())
		}
		cancel()
		return nil, &HeldError{Key: key, Holder: holder}
	}
	if err != nil {
		return nil, fmt.Errorf("lease %s: %w", key, err)
	}
	return &Lease{kv: kv, key: key, owner: owner, rev: rev}, nil
}

// Renew extends the lease; ErrLost if it is no longer ours.
func (l *Lease) Renew(ctx context.Context) error {
	rev, err := l.kv.Update(ctx, l.key, []byte(l.owner), l.rev)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrLost, l.key, err)
	}
	l.rev = rev
	return nil
}

// Hold renews every TTL/3 until the returned stop is called. If a renewal
// fails, lost is cancelled so the holder can stop its work.
func (l *Lease) Hold(ctx context.Context) (lost context.Context, stop func()) {
	lctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(TTL / 3)
		defer t.Stop()
		for {
			select {
			case <-lctx.Done():
				return
			case <-t.C:
				if err := l.Renew(lctx); err != nil {
					cancel(err)
					return
				}
			}
		}
	}()
	return lctx, func() { cancel(nil); <-done }
}

// Release gives the lease up if it is still ours.
func (l *Lease) Release(ctx context.Context) error {
	if err := l.kv.Delete(ctx, l.key, jetstream.LastRevision(l.rev)); err != nil {
		return fmt.Errorf("release %s: %w", l.key, err)
	}
	return nil
}
