package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bench"
)

// routes are the build cells' routes: distro and architecture. A cell
// command's subject is cellSubject(route).
var routes = []string{
	"debian-12.amd64", "debian-12.arm64", "debian-11.amd64", "ubuntu-24.04.amd64",
	"rockylinux-9.amd64", "almalinux-9.amd64", "fedora-41.amd64", "opensuse-15.amd64",
}

const cellPrefix = "ringmaster.cmd.builder.cell.build.requested."

func cellSubject(route string) string { return cellPrefix + route }

// consumerName is a durable's name for a route ("builder-debian-12_amd64").
func consumerName(route string) string {
	return "builder-" + strings.NewReplacer(".", "_").Replace(route)
}

// queueMode is how builders share the builder's command stream: all on
// one durable without a route filter, as bus.Worker consumes today
// (perRoute 0), or perRoute builders on each route's durable.
type queueMode struct {
	name     string
	perRoute int
}

var queueModes = []queueMode{
	{"one shared durable (today)", 0},
	{"one durable per route, 1 builder each", 1},
	{"one durable per route, 2 builders each", 2},
}

// routesFor is how many routes n builders serve in mode m (0: the shared
// durable), or false when n builders do not fit the mode.
func (m queueMode) routesFor(n int) (int, bool) {
	if m.perRoute == 0 {
		return 0, true
	}
	k := n / m.perRoute
	return k, k >= 1 && n%m.perRoute == 0 && k <= len(routes)
}

func queuePart(ctx context.Context, o options, dir string, emit func(*bench.Table) error) error {
	srv, err := startServer(ctx, dir, "queue")
	if err != nil {
		return err
	}
	defer srv.close()
	t := &bench.Table{Title: fmt.Sprintf("Work-queue commands: %d cell commands (CMD_BUILDER, file storage) drained by N builders, each on its own connection fetching one at a time and acking (as bus.Worker at concurrency 1), commands/s", o.queueMsgs),
		Columns: append([]string{"consumers"}, modeNames()...)}
	before := bench.Load()
	for _, n := range o.consumers {
		row := []any{n}
		for _, m := range queueModes {
			k, ok := m.routesFor(n)
			if !ok {
				row = append(row, "–")
				continue
			}
			var ds []time.Duration
			for range o.queueRuns {
				d, err := drain(ctx, srv, o.queueMsgs, n, k)
				if err != nil {
					return fmt.Errorf("%s, %d consumers: %w", m.name, n, err)
				}
				ds = append(ds, d)
			}
			slices.Sort(ds)
			// The slowest drain is the lowest rate.
			cell := fmt.Sprintf("%s (%s–%s)", bench.Rate(o.queueMsgs, ds[len(ds)/2]), bench.Rate(o.queueMsgs, ds[len(ds)-1]), bench.Rate(o.queueMsgs, ds[0]))
			logf("queue: %s, %d consumers: %s commands/s", m.name, n, cell)
			row = append(row, cell)
		}
		t.Add(row...)
	}
	t.Note("Median of %d drains (slowest–fastest).", o.queueRuns)
	t.Note("Commands are published and stored first; the time runs from the builders' start until the stream is empty (every ack processed). Handlers do no work: this is the dispatch ceiling, not a build rate.")
	t.Note("Routed: subject %s<distro>.<arch>, one durable consumer per route filtered on it; the commands are spread evenly over the routes in use.", cellPrefix)
	bench.LoadNote(t, before)
	return emit(t)
}

func modeNames() []string {
	var out []string
	for _, m := range queueModes {
		out = append(out, m.name)
	}
	return out
}

// drain publishes msgs cell commands over k routes (all routes when k is
// 0, for the shared durable) and times n builders draining them.
func drain(ctx context.Context, srv *server, msgs, n, k int) (time.Duration, error) {
	js := srv.conn.JS
	stream, err := js.Stream(ctx, events.CommandStream("builder"))
	if err != nil {
		return 0, err
	}
	// A work-queue stream takes no overlapping consumers: remove the last mode's.
	for name := range stream.ListConsumers(ctx).Info() {
		if err := stream.DeleteConsumer(ctx, name.Name); err != nil {
			return 0, err
		}
	}
	used := routes[:max(k, 1)]
	if k == 0 {
		used = routes
	}
	for i := range msgs {
		if _, err := js.PublishMsgAsync(cellCommand(used[i%len(used)])); err != nil {
			return 0, err
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		return 0, errors.New("cell commands not stored within a minute")
	}
	var cons []string
	if k == 0 {
		c, err := stream.CreateConsumer(ctx, consumerConfig("builder", events.CommandSubjects("builder"), n))
		if err != nil {
			return 0, err
		}
		cons = []string{c.CachedInfo().Name}
	} else {
		for _, r := range used {
			c, err := stream.CreateConsumer(ctx, consumerConfig(consumerName(r), cellSubject(r), n/k))
			if err != nil {
				return 0, err
			}
			cons = append(cons, c.CachedInfo().Name)
		}
	}
	var handled atomic.Int64
	bctx, stop := context.WithCancel(ctx)
	defer stop()
	errs := make(chan error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for b := range n {
		wg.Go(func() { errs <- builder(bctx, srv.url, cons[b%len(cons)], &handled) })
	}
	for {
		info, err := stream.Info(ctx)
		if err != nil {
			return 0, err
		}
		if info.State.Msgs == 0 {
			break
		}
		select {
		case err := <-errs:
			if err != nil {
				return 0, err
			}
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	d := time.Since(start)
	stop()
	wg.Wait()
	if h := handled.Load(); h < int64(msgs) {
		return 0, fmt.Errorf("the stream is empty but only %d of %d commands were handled", h, msgs)
	}
	return d, nil
}

// consumerConfig is bus.Worker's consumer for builders builders at
// concurrency 1, filtered on subject.
func consumerConfig(name, subject string, builders int) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{Durable: name, AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second,
		MaxDeliver: 6, MaxAckPending: max(builders*2, 16), FilterSubject: subject}
}

// cellCommand is a cell build command with the envelope's headers.
func cellCommand(route string) *nats.Msg {
	i := strings.LastIndex(route, ".")
	distro, arch := route[:i], route[i+1:]
	body, _ := json.Marshal(map[string]any{"stack": "bigdata", "component": "hadoop", "version": "3.4.1", "distro": distro, "arch": arch,
		"channel": "nightly", "source": map[string]string{"url": "https://archive.example.org/hadoop-3.4.1.tar.gz", "sha256": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"}})
	id := uuid.NewString()
	env := events.Envelope{ID: id, Source: "scalebench", Type: "ringmaster.cell.build.requested.v1", Time: time.Now().UTC(), RunID: id, Data: body}
	m := nats.NewMsg(cellSubject(route))
	m.Header = nats.Header(env.Headers())
	m.Header.Set(events.HeaderMsgID, id)
	m.Data = body
	return m
}

// builder fetches one command at a time from consumer name and acks it,
// until ctx ends.
func builder(ctx context.Context, url, name string, handled *atomic.Int64) error {
	nc, err := nats.Connect(url, nats.Name("scalebench-builder"))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	cons, err := js.Consumer(ctx, events.CommandStream("builder"), name)
	if err != nil {
		return err
	}
	for ctx.Err() == nil {
		fctx, cancel := context.WithTimeout(ctx, time.Second)
		batch, err := cons.Fetch(1, jetstream.FetchContext(fctx))
		if err != nil {
			cancel()
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		for m := range batch.Messages() {
			if err := m.Ack(); err != nil {
				cancel()
				return err
			}
			handled.Add(1)
		}
		cancel()
	}
	return nil
}
