package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/metrics"
)

// harness is a publisher and a builder Worker on their own connections.
type harness struct {
	pub, sub *bus.Conn
	worker   *bus.Worker
	stop     func()
}

// start connects, declares the topology and runs a worker whose handler
// calls onEvent with the index carried in the command's URL. With cmds the
// worker carries the command metrics every service has (its middleware and
// observer, as service.Run wires them).
func start(ctx context.Context, url string, conc int, marks bool, cmds *metrics.Commands, onEvent func(i int)) (*harness, error) {
	pub, err := bus.Connect(ctx, url, "busbench")
	if err != nil {
		return nil, err
	}
	if err := pub.EnsureTopology(ctx); err != nil {
		pub.Close()
		return nil, err
	}
	sub, err := bus.Connect(ctx, url, "builder")
	if err != nil {
		pub.Close()
		return nil, err
	}
	w := &bus.Worker{
		Conn: sub, Service: "builder", Concurrency: conc, SkipDoneMarkers: !marks, Log: zerolog.Nop(),
		Handlers: map[string]bus.Handler{"source.fetch.requested": func(d *bus.Delivery) error {
			onEvent(eventIndex(d.Payload.(*events.SourceFetchRequested).URL))
			return nil
		}},
	}
	if cmds != nil {
		w.Middleware = []bus.Middleware{cmds.Middleware()}
		w.Observer = cmds
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = w.Run(wctx)
	}()
	h := &harness{pub: pub, sub: sub, worker: w}
	h.stop = func() { cancel(); <-done; sub.Close(); pub.Close() }
	return h, nil
}

const urlPrefix = "http://busbench/"

func eventIndex(url string) int {
	i, err := strconv.Atoi(strings.TrimPrefix(url, urlPrefix))
	if err != nil {
		return -1
	}
	return i
}

// publish sends command i without waiting for its ack; while the client's
// window of unacknowledged publications stays full it waits and retries.
func (h *harness) publish(ctx context.Context, i int) (jetstream.PubAckFuture, error) {
	for {
		f, err := h.pub.PublishAsync(&events.SourceFetchRequested{URL: urlPrefix + strconv.Itoa(i), SHA256: "00"})
		if !errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
			if err != nil {
				return nil, fmt.Errorf("publish %d: %w", i, err)
			}
			return f, nil
		}
		select {
		case <-h.pub.JS.PublishAsyncComplete():
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
