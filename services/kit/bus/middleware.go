package bus

import (
	"fmt"
	"runtime/debug"
	"time"
)

// Middleware wraps a handler, e.g. to log, recover or count.
type Middleware func(Handler) Handler

// Chain applies middleware so that the first one is outermost.
func Chain(h Handler, mw ...Middleware) Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// Recover turns a panic into a retryable error (the message is nak'ed, the
// process lives on), logs the stack and counts it in m (which may be nil).
func Recover(m *Metrics) Middleware {
	return func(next Handler) Handler {
		return func(d *Delivery) (err error) {
			defer func() {
				if r := recover(); r != nil {
					if m != nil {
						m.Panics.Add(1)
					}
					d.Log.Error().Str("stack", string(debug.Stack())).Msgf("handler panicked: %v", r)
					err = Retryable(fmt.Errorf("handler panicked: %v", r), 0)
				}
			}()
			return next(d)
		}
	}
}

// Logging logs each delivery's start and outcome with its run id and duration.
func Logging() Middleware {
	return func(next Handler) Handler {
		return func(d *Delivery) error {
			start := time.Now()
			d.Log.Debug().Msg("handling")
			err := next(d)
			ev := d.Log.Info()
			if err != nil {
				ev = d.Log.Warn().Err(err)
			}
			ev.Dur("took", time.Since(start)).Msg("handled")
			return err
		}
	}
}
