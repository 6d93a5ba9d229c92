package bus

import (
	"context"
	"time"
)

// askTimeout bounds one attempt of a request that ask repeats.
const askTimeout = 5 * time.Second

// ask sends a JetStream API request (do) that a cluster may drop: one sent
// to a stream whose leader just died is never answered, and the stream's
// next leader answers the same request sent again (about 10 s after a kill
// here). On a cluster (replicas > 1) each attempt gets askTimeout and a
// timed-out or unanswered one is sent again until ctx ends; on one server
// do gets ctx as it is.
func ask[T any](ctx context.Context, replicas int, do func(ctx context.Context) (T, error)) (T, error) {
	if replicas < 2 {
		return do(ctx)
	}
	for {
		actx, cancel := context.WithTimeout(ctx, askTimeout)
		v, err := do(actx)
		cancel()
		if err == nil || ctx.Err() != nil || !transient(err) {
			return v, err
		}
	}
}
