package publisher

import (
	"context"
	"errors"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/lease"
)

// maxLeaseWait bounds how long a command waits in its handler for a
// channel's lease; then it goes back to the queue so that it does not hold
// a handler slot while another publication runs long.
var maxLeaseWait = 2 * time.Minute

// acquire takes a channel's lease for the delivery. One writer per channel
// is normal operation, not a failure: the command waits for the writer
// before it, and once it has waited a second a repo.waiting fact says so
// (`ring build` shows "waiting for channel nightly").
func acquire(d *bus.Delivery, kv leaseKV, channel string) (*lease.Lease, error) {
	ctx, cancel := context.WithTimeout(d.Ctx, maxLeaseWait)
	defer cancel()
	var distros []string
	if req, ok := d.Payload.(*events.RepoPublishRequested); ok {
		distros = req.Distros
	}
	l, err := lease.AcquireWait(ctx, kv, "repo."+channel, d.Service+"/"+d.Envelope.ID, time.Second, func(holder string) {
		if err := d.EmitAs("lease/"+channel, &events.RepoWaiting{Channel: channel, Distros: distros, Holder: holder}); err != nil {
			d.Log.Debug().Err(err).Msg("repo.waiting")
		}
	})
	if errors.Is(err, lease.ErrHeld) && d.Ctx.Err() == nil {
		// Still held after maxLeaseWait: queue behind it.
		return nil, bus.Retryable(err, 2*time.Second)
	}
	return l, err
}
