//go:build integration

package bus_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/kit/natsserver"
)

// BenchmarkEndToEnd publishes b.N commands asynchronously to an embedded
// JetStream (file storage) while a Worker handles them, and stops the clock
// when every command has been handled. It reports events/s; it asserts no
// timing. Run:
//
//	go test -tags integration -run '^$' -bench EndToEnd -benchtime 20000x ./bus/
func BenchmarkEndToEnd(b *testing.B) {
	for _, marks := range []bool{false, true} {
		for _, conc := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("done_markers=%v/concurrency=%d", marks, conc), func(b *testing.B) {
				benchEndToEnd(b, marks, conc, nil)
			})
		}
	}
}

// BenchmarkEndToEndMetrics is BenchmarkEndToEnd (done markers on) without
// and with the command metrics every service gets from kit/service — the
// overhead of metrics on the bus. Run the pairs back to back, e.g.
//
//	go test -tags integration -run '^$' -bench EndToEndMetrics -benchtime 20000x -count 5 ./bus/
//
// (infra/bench/bench-bus.sh measures the same alternating, with /metrics scraped).
func BenchmarkEndToEndMetrics(b *testing.B) {
	for _, conc := range []int{16, 64} {
		for _, on := range []bool{false, true} {
			b.Run(fmt.Sprintf("concurrency=%d/metrics=%v", conc, on), func(b *testing.B) {
				var cmds *metrics.Commands
				if on {
					cmds = metrics.NewCommands(metrics.New())
				}
				benchEndToEnd(b, true, conc, cmds)
			})
		}
	}
}

func benchEndToEnd(b *testing.B, marks bool, conc int, cmds *metrics.Commands) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	srv, err := natsserver.Start(ctx, natsserver.Config{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown()
	pub := benchConnect(b, ctx, srv.ClientURL(), "bench")
	if err := pub.EnsureTopology(ctx); err != nil {
		b.Fatal(err)
	}

	var handled atomic.Int64
	all := make(chan struct{})
	n := int64(b.N)
	w := &bus.Worker{
		Conn: benchConnect(b, ctx, srv.ClientURL(), "builder"), Service: "builder",
		Concurrency: conc, SkipDoneMarkers: !marks, Log: zerolog.Nop(),
		Handlers: map[string]bus.Handler{"source.fetch.requested": func(*bus.Delivery) error {
			if handled.Add(1) == n {
				close(all)
			}
			return nil
		}},
	}
	if cmds != nil {
		w.Middleware, w.Observer = []bus.Middleware{cmds.Middleware()}, cmds
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() { stop(); <-done }()

	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		benchPublish(b, pub, "http://bench/"+strconv.Itoa(i))
	}
	select {
	case <-pub.JS.PublishAsyncComplete():
	case <-ctx.Done():
		b.Fatal("publish acks never completed")
	}
	select {
	case <-all:
	case <-ctx.Done():
		b.Fatalf("handled %d of %d", handled.Load(), b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	if m := w.Metrics.Snapshot(); m.Retried+m.DeadLettered > 0 {
		b.Errorf("unexpected retries or dead letters: %+v", m)
	}
}

func benchConnect(b *testing.B, ctx context.Context, url, source string) *bus.Conn {
	b.Helper()
	c, err := bus.Connect(ctx, url, source)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	return c
}

// benchPublish publishes one command without waiting for its ack; when the
// client's window of pending acks stays full it waits for them and retries.
func benchPublish(b *testing.B, c *bus.Conn, url string) {
	for {
		_, err := c.PublishAsync(fetchCmd(url))
		if errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
			<-c.JS.PublishAsyncComplete()
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		return // a failed publication shows as a command never handled
	}
}
