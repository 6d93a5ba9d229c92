package lease

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// poll is how often AcquireWait tries again while the lease is held.
const poll = 200 * time.Millisecond

// AcquireWait takes the lease key for owner, waiting while someone else
// holds it until ctx ends; then it returns the last *HeldError (ErrHeld),
// or ctx's error if the lease was never seen held. Waiting is normal: once
// the wait has lasted after, waiting (may be nil) is told who holds the
// lease, once.
func AcquireWait(ctx context.Context, kv jetstream.KeyValue, key, owner string, after time.Duration, waiting func(holder string)) (*Lease, error) {
	start := time.Now()
	for {
		l, err := Acquire(ctx, kv, key, owner)
		var held *HeldError
		if !errors.As(err, &held) {
			return l, err
		}
		if waiting != nil && time.Since(start) >= after {
			waiting(held.Holder)
			waiting = nil
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(poll):
		}
	}
}
