package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
)

// factReadAttempts bounds the attempts to make the consumer of a read of
// the facts (1 s, 2 s, 4 s apart, each up to 10 s).
const factReadAttempts = 4

// FactsSince yields the facts named (e.g. "audit.recorded") stored since
// since, in stream order, and ends at the last one stored: a read of the
// history, not a watch. Messages that are not envelopes are skipped; an
// error reading the stream is yielded once and ends the sequence.
func (c *Conn) FactsSince(ctx context.Context, name string, since time.Time) iter.Seq2[events.Envelope, error] {
	return func(yield func(events.Envelope, error) bool) {
		spec, ok := events.ByName(name)
		if !ok || spec.Kind != events.Fact {
			yield(events.Envelope{}, fmt.Errorf("%q is not a fact of the catalog", name))
			return
		}
		// The consumer is made at the first fetch and made again when it is
		// lost, by default without end: a cluster that cannot make one (no
		// meta leader) would hold the read forever. Bounded, the read ends
		// with the error and its caller decides.
		cons, err := c.JS.OrderedConsumer(ctx, events.FactStream, jetstream.OrderedConsumerConfig{
			FilterSubjects: []string{spec.Subject("")}, DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &since,
			MaxResetAttempts: factReadAttempts})
		if err != nil {
			yield(events.Envelope{}, err)
			return
		}
		for {
			batch, err := cons.FetchNoWait(256)
			if err != nil {
				yield(events.Envelope{}, err)
				return
			}
			n := 0
			for m := range batch.Messages() {
				n++
				env, err := events.FromHeaders(events.Header(m.Headers()), m.Data(), 0)
				if err != nil {
					continue
				}
				if !yield(env, nil) {
					return
				}
			}
			if n == 0 {
				return
			}
		}
	}
}

// Fact is a fact's envelope and its payload.
type Fact[T any] struct {
	events.Envelope
	Payload T
}

// FactsOf is FactsSince with each fact's payload decoded as a T (the
// payload type the catalog gives name); a fact whose payload does not
// decode is skipped.
func FactsOf[T any](ctx context.Context, c *Conn, name string, since time.Time) iter.Seq2[Fact[T], error] {
	return func(yield func(Fact[T], error) bool) {
		for env, err := range c.FactsSince(ctx, name, since) {
			if err != nil {
				yield(Fact[T]{}, err)
				return
			}
			var p T
			if json.Unmarshal(env.Data, &p) != nil {
				continue
			}
			if !yield(Fact[T]{Envelope: env, Payload: p}, nil) {
				return
			}
		}
	}
}
