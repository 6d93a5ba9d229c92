package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
)

// PublishOption adjusts one publication.
type PublishOption func(*publication)

type publication struct {
	id, runID, service string
}

// WithID sets the event id (and so the de-duplication id). Default: a new UUID.
func WithID(id string) PublishOption { return func(p *publication) { p.id = id } }

// WithRunID sets the run id. Default: the event id (a new run).
func WithRunID(id string) PublishOption { return func(p *publication) { p.runID = id } }

// WithService targets a command every service answers (e.g. ping) at one service.
func WithService(svc string) PublishOption { return func(p *publication) { p.service = svc } }

// Publish sends payload (a catalog struct) to its subject with CloudEvents
// headers and Nats-Msg-Id, and waits for the stream's acknowledgement.
func (c *Conn) Publish(ctx context.Context, payload any, opts ...PublishOption) (events.Envelope, error) {
	env, _, err := c.publish(ctx, payload, opts...)
	return env, err
}

// publish is Publish that also tells whether the stream had the event
// already (a duplicate within the de-duplication window).
func (c *Conn) publish(ctx context.Context, payload any, opts ...PublishOption) (events.Envelope, bool, error) {
	msg, env, err := c.message(payload, opts...)
	if err != nil {
		return env, false, err
	}
	ack, err := c.JS.PublishMsg(ctx, msg, jetstream.WithMsgID(env.ID))
	if err != nil {
		return env, false, fmt.Errorf("publish %s: %w", env.Type, c.Explain(err))
	}
	return env, ack.Duplicate, nil
}

// PublishAsync is Publish without waiting; the returned future resolves with
// the stream's acknowledgement.
func (c *Conn) PublishAsync(payload any, opts ...PublishOption) (jetstream.PubAckFuture, error) {
	msg, env, err := c.message(payload, opts...)
	if err != nil {
		return nil, err
	}
	return c.JS.PublishMsgAsync(msg, jetstream.WithMsgID(env.ID))
}

func (c *Conn) message(payload any, opts ...PublishOption) (*nats.Msg, events.Envelope, error) {
	spec, err := events.Of(payload)
	if err != nil {
		return nil, events.Envelope{}, err
	}
	p := publication{}
	for _, o := range opts {
		o(&p)
	}
	if p.id == "" {
		p.id = uuid.NewString()
	}
	if p.runID == "" {
		p.runID = p.id
	}
	if spec.Kind == events.Command && spec.Service == events.AnyService && p.service == "" {
		return nil, events.Envelope{}, fmt.Errorf("%s is answered by every service: name one with WithService", spec.Type())
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, events.Envelope{}, fmt.Errorf("encode %s: %w", spec.Type(), err)
	}
	env := events.Envelope{ID: p.id, Source: c.Source, Type: spec.Type(), Time: time.Now().UTC(), RunID: p.runID, Data: body}
	subject := spec.Subject(p.service)
	if spec.Routed {
		r, _ := payload.(events.Router)
		if r == nil {
			return nil, events.Envelope{}, fmt.Errorf("%s is routed but %T has no Route()", spec.Type(), payload)
		}
		if err := events.CheckRoute(r.Route()); err != nil {
			return nil, events.Envelope{}, fmt.Errorf("%s: %w", spec.Type(), err)
		}
		subject = spec.RoutedSubject(r.Route())
	}
	msg := nats.NewMsg(subject)
	msg.Header = nats.Header(env.Headers())
	msg.Data = body
	return msg, env, nil
}
