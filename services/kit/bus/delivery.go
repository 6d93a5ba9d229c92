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

	conn  *Conn
	mu    sync.Mutex
	count map[string]int
}

// Emit publishes a fact caused by this command. Its id is derived from the
// command's id, the fact's type and how many of that type this delivery
// emitted before, so a redelivered command that emits the same facts again is
// de-duplicated by JetStream: each fact appears once.
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
	_, err = d.conn.Publish(d.Ctx, payload, WithID(id), WithRunID(d.Envelope.RunID))
	return err
}
