package bus

import (
	"github.com/nats-io/nats.go"
	"ringmaster.dev/events"
)

// Watch is a live view of one run's facts, as they are published.
type Watch struct {
	// Facts receives the run's facts in order. When the reader falls more
	// than the buffer behind, newer facts are dropped rather than blocking
	// the connection.
	Facts <-chan events.Envelope
	sub   *nats.Subscription
}

// WatchRun starts delivering the facts of runID. It returns once the
// subscription is in place, so a command sent after it cannot have facts
// that are missed.
func (c *Conn) WatchRun(runID string, buffer int) (*Watch, error) {
	ch := make(chan events.Envelope, buffer)
	sub, err := c.NC.Subscribe(events.FactSubjects(), func(m *nats.Msg) {
		env, err := events.FromHeaders(events.Header(m.Header), m.Data, 0)
		if err != nil || env.RunID != runID {
			return
		}
		select {
		case ch <- env:
		default:
		}
	})
	if err != nil {
		return nil, err
	}
	if err := c.NC.Flush(); err != nil {
		_ = sub.Unsubscribe()
		return nil, err
	}
	return &Watch{Facts: ch, sub: sub}, nil
}

// Stop ends the watch. (A Watch made without WatchRun, around a channel of
// its own, has nothing to stop.)
func (w *Watch) Stop() {
	if w.sub != nil {
		_ = w.sub.Unsubscribe()
	}
}
