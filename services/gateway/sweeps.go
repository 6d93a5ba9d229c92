package gateway

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
	"ringmaster.dev/gateway/dashboard"
	"ringmaster.dev/kit/bus"
)

// sweepWindow is how far back the dashboard reads sweeps.
const sweepWindow = 30 * 24 * time.Hour

// sweepFacts reads the sweep.finished facts of the fact stream.
type sweepFacts struct{ conn *bus.Conn }

// Sweeps returns the sweeps that finished in the last 30 days, oldest first.
func (s sweepFacts) Sweeps(ctx context.Context) ([]dashboard.Sweep, error) {
	if s.conn == nil {
		return nil, fmt.Errorf("sweeps: no bus")
	}
	spec, _ := events.ByName("sweep.finished")
	start := time.Now().Add(-sweepWindow)
	cons, err := s.conn.JS.OrderedConsumer(ctx, events.FactStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{spec.Subject("")}, DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &start})
	if err != nil {
		return nil, fmt.Errorf("sweeps: %w", err)
	}
	var out []dashboard.Sweep
	for {
		batch, err := cons.FetchNoWait(256)
		if err != nil {
			return nil, fmt.Errorf("sweeps: %w", err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			env, err := events.FromHeaders(events.Header(m.Headers()), m.Data(), 0)
			if err != nil {
				continue
			}
			sw := dashboard.Sweep{Run: env.RunID, Finished: env.Time}
			if _, p, err := env.Decode(); err == nil {
				if f, ok := p.(*events.SweepFinished); ok {
					sw.SweepFinished = *f
					out = append(out, sw)
				}
			}
		}
		if n == 0 {
			return out, nil
		}
	}
}
