package cli

import (
	"context"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

// run is one user action: a new run id, a connection, and every fact of the
// run delivered as it is published — watched before anything is sent, so
// nothing is missed.
type run struct {
	ID    string
	Facts <-chan events.Envelope
	conn  *bus.Conn
	sub   *nats.Subscription
}

// startRun connects with connect and starts watching a new run's facts.
func startRun(ctx context.Context, connect func(context.Context) (*bus.Conn, error)) (*run, error) {
	conn, err := connect(ctx)
	if err != nil {
		return nil, err
	}
	r := &run{ID: uuid.NewString(), conn: conn}
	ch := make(chan events.Envelope, 64)
	r.Facts = ch
	r.sub, err = conn.NC.Subscribe(events.FactSubjects(), func(m *nats.Msg) {
		env, err := events.FromHeaders(events.Header(m.Header), m.Data, 0)
		if err != nil || env.RunID != r.ID {
			return
		}
		select {
		case ch <- env:
		default:
		}
	})
	if err == nil {
		err = conn.NC.Flush()
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return r, nil
}

// send publishes a command of this run.
func (r *run) send(ctx context.Context, cmd any, opts ...bus.PublishOption) error {
	_, err := r.conn.Publish(ctx, cmd, append(opts, bus.WithRunID(r.ID))...)
	return err
}

// Close stops watching and disconnects.
func (r *run) Close() {
	_ = r.sub.Unsubscribe()
	r.conn.Close()
}
