package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/metrics"
)

// throughputResult is one throughput run.
type throughputResult struct {
	events, concurrency int
	marks               bool
	// stored is when the last publication was acknowledged by the stream;
	// handled is when every command had been handled and acknowledged (the
	// work-queue stream is empty).
	stored, handled time.Duration
}

func (r throughputResult) rate() float64 { return float64(r.events) / r.handled.Seconds() }

// throughput publishes n commands as fast as the client allows while a
// worker handles them (with the command metrics when cmds is set), and
// times the run until every command was handled.
func throughput(ctx context.Context, url string, n, conc int, marks bool, cmds *metrics.Commands) (throughputResult, error) {
	res := throughputResult{events: n, concurrency: conc, marks: marks}
	var handled atomic.Int64
	all := make(chan struct{})
	h, err := start(ctx, url, conc, marks, cmds, func(int) {
		if handled.Add(1) == int64(n) {
			close(all)
		}
	})
	if err != nil {
		return res, err
	}
	defer h.stop()
	t0 := time.Now()
	for i := range n {
		if _, err := h.publish(ctx, i); err != nil {
			return res, err
		}
	}
	select {
	case <-h.pub.JS.PublishAsyncComplete():
		res.stored = time.Since(t0)
	case <-ctx.Done():
		return res, ctx.Err()
	}
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	select {
	case <-all:
	case <-timeout.C:
		return res, fmt.Errorf("throughput: only %d of %d commands handled a minute after publishing ended", handled.Load(), n)
	case <-ctx.Done():
		return res, ctx.Err()
	}
	// The worker acks (and writes the done marker) after the handler returns:
	// the run ends when the server has removed the last acked command.
	if err := drained(ctx, h); err != nil {
		return res, err
	}
	res.handled = time.Since(t0)
	if m := h.worker.Metrics.Snapshot(); m.Retried+m.DeadLettered > 0 {
		return res, fmt.Errorf("throughput: unexpected retries or dead letters: %+v", m)
	}
	return res, nil
}

// drained waits until the builder's work-queue stream holds no message.
func drained(ctx context.Context, h *harness) error {
	s, err := h.pub.JS.Stream(ctx, events.CommandStream("builder"))
	if err != nil {
		return err
	}
	for {
		info, err := s.Info(ctx)
		if err != nil {
			return err
		}
		if info.State.Msgs == 0 {
			return nil
		}
		time.Sleep(200 * time.Microsecond)
	}
}
