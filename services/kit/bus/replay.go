package bus

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
)

// Replay is a run's facts, stored and live (ReplayRun).
type Replay struct {
	// Facts delivers the run's facts in stream order; it is closed when
	// the replay's context ends.
	Facts <-chan events.Envelope
	// CaughtUp is closed once every fact stored when the replay began has
	// been read (those of the run were sent on Facts before it).
	CaughtUp <-chan struct{}
}

// ReplayRun delivers the facts of runID stored since since, in stream order,
// and then the run's new facts as they come, until ctx ends. Unlike
// WatchRun nothing is dropped: a slow reader holds the replay back, so
// whoever coordinates a run can derive where it stands from its facts after
// a crash and continue from there. names limits the replay to those facts
// ("build.finished"); none means every fact.
//
// The replay reads the FACTS stream with an ordered consumer that filters by
// subject on the server; facts of other runs are read and skipped here, so
// since should be no earlier than the run's first command.
func (c *Conn) ReplayRun(ctx context.Context, runID string, since time.Time, names ...string) (*Replay, error) {
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &since}
	for _, n := range names {
		spec, ok := events.ByName(n)
		if !ok || spec.Kind != events.Fact {
			return nil, fmt.Errorf("replay: %q is not a fact of the catalog", n)
		}
		cfg.FilterSubjects = append(cfg.FilterSubjects, spec.Subject(""))
	}
	cons, err := c.JS.OrderedConsumer(ctx, events.FactStream, cfg)
	if err != nil {
		return nil, fmt.Errorf("replay run %s: %w", runID, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("replay run %s: %w", runID, err)
	}
	msgs, err := cons.Messages()
	if err != nil {
		return nil, fmt.Errorf("replay run %s: %w", runID, err)
	}
	out := make(chan events.Envelope, 64)
	caught := make(chan struct{})
	var once sync.Once
	caughtUp := func() { once.Do(func() { close(caught) }) }
	if info.NumPending == 0 {
		caughtUp()
	}
	go func() {
		<-ctx.Done()
		msgs.Stop()
	}()
	go func() {
		defer close(out)
		for {
			m, err := msgs.Next()
			if err != nil {
				return // stopped (ctx ended) or the connection closed
			}
			env, err := events.FromHeaders(events.Header(m.Headers()), m.Data(), 0)
			if err == nil && env.RunID == runID {
				select {
				case out <- env:
				case <-ctx.Done():
					return
				}
			}
			if meta, err := m.Metadata(); err == nil && meta.NumPending == 0 {
				caughtUp()
			}
		}
	}()
	return &Replay{Facts: out, CaughtUp: caught}, nil
}
