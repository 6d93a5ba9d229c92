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
				if err := askSweep(ctx, natsURL, s, slot); err != nil {
					log.Warn().Err(err).Str("stack", s).Msg("scheduled sweep not sent")
					continue
				}
				log.Info().Str("stack", s).Time("slot", slot).Msg("scheduled sweep sent")
			}
		}
	}
}

func askSweep(ctx context.Context, natsURL, stack string, slot time.Time) error {
	conn, err := dial(ctx, natsURL, "ring-scheduler")
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Publish(ctx, &events.SweepRunRequested{Stack: stack},
		bus.WithID(fmt.Sprintf("sweep/%s/%d", stack, slot.Unix())), bus.WithRunID(uuid.NewString()))
	return err
}
