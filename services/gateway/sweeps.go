package gateway

import (
	"context"
	"fmt"
	"time"

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
	var out []dashboard.Sweep
	for f, err := range bus.FactsOf[events.SweepFinished](ctx, s.conn, "sweep.finished", time.Now().Add(-sweepWindow)) {
		if err != nil {
			return nil, fmt.Errorf("sweeps: %w", err)
		}
		out = append(out, dashboard.Sweep{Run: f.RunID, Finished: f.Time, SweepFinished: f.Payload})
	}
	return out, nil
}
