package builder

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/lease"
)

// claimNotice is how long a cell waits for another builder's build of
// the same build key before it says so in its log.
const claimNotice = 2 * time.Second

// claim takes the lease of a build key, so that one builder at a time
// builds it. A cell command can reach two builders at once: a coordinator
// that replaced a dead one resends the cells it finds unfinished, and once
// the de-duplication window has passed the stream keeps the resent copy
// beside one still building. The copy waits here (its delivery kept alive
// by the worker's heartbeat) and then finds the result in the cache. A
// builder that dies frees the lease after lease.TTL. nil kv: no claim.
func (b *Builder) claim(d *bus.Delivery, kv jetstream.KeyValue, key, cell string) (release func(), err error) {
	if kv == nil {
		return func() {}, nil
	}
	l, err := lease.AcquireWait(d.Ctx, kv, "build."+key, b.ID+"/"+d.Envelope.ID, claimNotice, func(holder string) {
		d.Log.Info().Str("cell", cell).Str("holder", holder).Msg("waiting: another builder is building this build key")
	})
	if err != nil {
		return nil, err
	}
	_, stop := l.Hold(d.Ctx)
	return func() {
		stop()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(d.Ctx), 5*time.Second)
		defer cancel()
		if err := l.Release(ctx); err != nil {
			d.Log.Debug().Err(err).Msg("build key lease (it expires by itself)")
		}
	}, nil
}
