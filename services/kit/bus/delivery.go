package bus

import (
	"context"
	"fmt"
	"sync"

	"github.com/rs/zerolog"
	"ringmaster.dev/events"
)

// Handler does one command's work. It returns nil (ack), a Retryable error
// (nak with delay), a Permanent error (terminate and dead-letter) or any
// other error (retry with backoff until MaxDeliver, then dead-letter).
type Handler func(d *Delivery) error

// Delivery is one delivery of a command to a handler.
type Delivery struct {
	// Ctx is cancelled when the worker's shutdown grace period ends.
	Ctx      context.Context
	Envelope events.Envelope
	Spec     events.Spec
	// Payload is a pointer to the decoded catalog struct, e.g. *events.BuildRequested.
	Payload any
	// Attempt counts deliveries, starting at 1.
	Attempt int
	Log     zerolog.Logger
	// Service is the name of the handling service.
	Service string

	conn *Conn
	// emitted, if set, is told of each event this delivery published for
	// the first time (Worker.Emitted).
	emitted func(d *Delivery, event any)
	mu      sync.Mutex
	count   map[string]int
}

// Emit publishes an event caused by this command: a fact, or a follow-up
// command (e.g. publish what was built). Its id is derived from the command's
// id, the event's type and how many of that type this delivery emitted
// before, so a redelivered command that emits the same events again is
// de-duplicated by JetStream: each appears once.
func (d *Delivery) Emit(payload any) error {
	spec, err := events.Of(payload)
	if err != nil {
		return err
	}
	d.mu.Lock()
	if d.count == nil {
		d.count = map[string]int{}
	}
	n := d.count[spec.Name]
	d.count[spec.Name]++
	d.mu.Unlock()
	id := fmt.Sprintf("%s/%s/%d", d.Envelope.ID, spec.Name, n)
	return d.publish(payload, id)
}

// EmitAs is Emit with the id keyed by key instead of a counter: use it when a
// delivery emits several events of one type concurrently (e.g. one per build
// cell), so a redelivery derives the same id for the same event whatever
// order they come in.
func (d *Delivery) EmitAs(key string, payload any) error {
	spec, err := events.Of(payload)
	if err != nil {
		return err
	}
	return d.publish(payload, EventID(d.Envelope.ID, spec.Name, key))
}

// EventID is the id EmitAs gives the event named name (e.g.
// "cell.build.requested") that a command with id commandID emits under key:
// who sent a command can tell its answers (command.failed) by it.
func EventID(commandID, name, key string) string {
	return fmt.Sprintf("%s/%s/%s", commandID, name, key)
}

// publish publishes an event of this delivery's run under id and tells the
// emitted hook of it, unless the stream had it already (a redelivery
// emitting it again).
func (d *Delivery) publish(payload any, id string) error {
	_, dup, err := d.conn.publish(d.Ctx, payload, WithID(id), WithRunID(d.Envelope.RunID))
	if err == nil && !dup && d.emitted != nil {
		d.emitted(d, payload)
	}
	return err
}
