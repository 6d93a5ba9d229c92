package bus

import (
	"context"
	"time"
)

// askTimeout bounds one attempt of a request that ask or declare repeats.
const askTimeout = 5 * time.Second

// askPause is the pause after an attempt that failed at once (no responders,
// no leader yet), so that a retry is not a busy loop.
const askPause = 250 * time.Millisecond

// DeclareWait bounds how long declaring or looking up a stream or bucket on
// a cluster is tried again after it timed out.
const DeclareWait = time.Minute

// asker says how ask and declare go about a connection's requests.
type asker struct {
	// n is the replicas of the connection's streams: requests are asked
	// again only on a cluster (n > 1).
	n int
	// refused tells whether the server refused one of the connection's
	// subjects since a time (nil: never): a request the user may not send
	// goes unanswered, and asking again would not change that.
	refused func(since time.Time) bool
}

// ask sends a JetStream API request (do) that a cluster may drop: one sent
// to a stream whose leader just died is never answered, and the stream's
// next leader answers the same request sent again (about 10 s after a kill
// here). On a cluster (replicas > 1) each attempt gets askTimeout and a
// timed-out or unanswered one is sent again until ctx ends; on one server
// do gets ctx as it is.
func ask[T any](ctx context.Context, a asker, do func(ctx context.Context) (T, error)) (T, error) {
	return again(ctx, a, 0, do)
}

// declare is ask for a declaration or the lookup that precedes one, tried
// for at most DeclareWait: a replicated stream is created once its peers
// agree, which during an election or on a loaded machine takes longer than
// one attempt; the server goes on with it, and the next attempt finds it
// made (declarations are idempotent). A service starting while a server of
// its cluster is down or frozen waits that long before it gives up.
func declare[T any](ctx context.Context, a asker, do func(ctx context.Context) (T, error)) (T, error) {
	return again(ctx, a, DeclareWait, do)
}

// again runs do until it succeeds, fails for good (or was refused), ctx
// ends or (within > 0) within has passed; each attempt on a cluster gets
// askTimeout.
func again[T any](ctx context.Context, a asker, within time.Duration, do func(ctx context.Context) (T, error)) (T, error) {
	if a.n < 2 {
		return do(ctx)
	}
	if within > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, within)
		defer cancel()
	}
	for {
		began := time.Now()
		actx, cancel := context.WithTimeout(ctx, askTimeout)
		v, err := do(actx)
		cancel()
		if err == nil || ctx.Err() != nil || !transient(err) || (a.refused != nil && a.refused(began)) {
			return v, err
		}
		if time.Since(began) < askPause {
			sleep(ctx, askPause)
			if ctx.Err() != nil {
				return v, err
			}
		}
	}
}
