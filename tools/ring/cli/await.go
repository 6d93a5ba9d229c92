package cli

import (
	"github.com/nats-io/nats.go"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

// watchRun delivers every fact of one run as it is published. Subscribe
// before publishing the command so nothing is missed.
func watchRun(conn *bus.Conn, runID string) (<-chan events.Envelope, func(), error) {
	ch := make(chan events.Envelope, 64)
	sub, err := conn.NC.Subscribe(events.FactSubjects(), func(m *nats.Msg) {
		env, err := events.FromHeaders(events.Header(m.Header), m.Data, 0)
		if err != nil || env.RunID != runID {
			return
		}
		select {
		case ch <- env:
		default:
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return ch, func() { _ = sub.Unsubscribe() }, conn.NC.Flush()
}
