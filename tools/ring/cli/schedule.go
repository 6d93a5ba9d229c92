package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

// scheduleSweeps asks for a compatibility sweep of each stack every
// interval until ctx ends. A sweep's message id is its stack and the start
// of its interval, so platforms sharing one NATS ask once per interval.
func scheduleSweeps(ctx context.Context, log zerolog.Logger, natsURL string, stacks []string, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			slot := now.Truncate(every)
			for _, s := range stacks {
				if err := askSweep(ctx, log, natsURL, s, slot); err != nil {
					log.Warn().Err(err).Str("stack", s).Msg("scheduled sweep not sent")
					continue
				}
				log.Info().Str("stack", s).Time("slot", slot).Msg("scheduled sweep sent")
			}
		}
	}
}

// scheduleNamespace makes a scheduled sweep's run id from its message id:
// platforms sharing one NATS make the same run, and one run record.
var scheduleNamespace = uuid.MustParse("6b1f3c52-8e0d-4a47-9f65-2d7c1e9a4b30")

// askSweep sends the sweep of stack for the interval starting at slot,
// with its run record (trigger schedule, followed by the gateway).
func askSweep(ctx context.Context, log zerolog.Logger, natsURL, stack string, slot time.Time) error {
	conn, err := dial(ctx, natsURL, "ring-scheduler")
	if err != nil {
		return err
	}
	defer conn.Close()
	id := fmt.Sprintf("sweep/%s/%d", stack, slot.Unix())
	runID := uuid.NewSHA1(scheduleNamespace, []byte(id)).String()
	req := &events.SweepRunRequested{Stack: stack}
	recordRun(ctx, conn, log, runID, events.TriggerSchedule, "ring up --sweep-every", req)
	_, err = conn.Publish(ctx, req, bus.WithID(id), bus.WithRunID(runID))
	return err
}
