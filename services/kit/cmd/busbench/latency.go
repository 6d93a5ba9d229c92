package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
)

// latencyResult is one steady-rate run: per-event latencies of each stage,
// all measured from just before the publish call.
type latencyResult struct {
	rate, concurrency int
	marks             bool
	duration          time.Duration
	sent              int
	stages            []stage
}

type stage struct {
	name    string
	samples []time.Duration
}

// steady publishes rate commands/s for d and measures, per event, the time
// until the stream acknowledged the publication (stored), until the handler
// started (handler) and until the worker's ack reached the server (acked —
// seen by subscribing to the $JS.ACK subjects from a third connection).
func steady(ctx context.Context, url string, rate int, d time.Duration, conc int, marks bool) (latencyResult, error) {
	res := latencyResult{rate: rate, concurrency: conc, marks: marks, duration: d}
	n := int(d.Seconds() * float64(rate))
	sentAt := make([]atomic.Int64, n)
	startedAt := make([]atomic.Int64, n)
	storedAt := make([]int64, n)
	seqOf := make([]uint64, n)
	acks := newAckWatch()

	mon, err := nats.Connect(url, nats.Name("busbench-acks"))
	if err != nil {
		return res, err
	}
	defer mon.Close()
	if _, err := mon.Subscribe("$JS.ACK.>", acks.observe); err != nil {
		return res, err
	}
	if err := mon.Flush(); err != nil {
		return res, err
	}
	h, err := start(ctx, url, conc, marks, nil, func(i int) {
		if i >= 0 && i < n {
			startedAt[i].CompareAndSwap(0, time.Now().UnixNano())
		}
	})
	if err != nil {
		return res, err
	}
	defer h.stop()

	// One goroutine waits for the publish acks in order and timestamps them.
	type pending struct {
		i int
		f jetstream.PubAckFuture
	}
	futures := make(chan pending, n)
	var wg sync.WaitGroup
	wg.Go(func() {
		for p := range futures {
			select {
			case ack := <-p.f.Ok():
				storedAt[p.i] = time.Now().UnixNano()
				seqOf[p.i] = ack.Sequence
			case <-p.f.Err():
			}
		}
	})
	interval := time.Second / time.Duration(rate)
	t0 := time.Now()
	for i := range n {
		if wait := time.Until(t0.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		sentAt[i].Store(time.Now().UnixNano())
		f, err := h.publish(ctx, i)
		if err != nil {
			close(futures)
			return res, err
		}
		futures <- pending{i, f}
	}
	res.sent = n
	close(futures)
	wg.Wait()
	if err := drained(ctx, h); err != nil {
		return res, err
	}
	_ = mon.Flush()
	time.Sleep(50 * time.Millisecond) // the last acks seen by the monitor

	stored, handler, acked := stage{name: "publish → stored (pub ack)"}, stage{name: "publish → handler start"}, stage{name: "publish → acked (at server)"}
	lost := 0
	for i := range n {
		s := sentAt[i].Load()
		if storedAt[i] == 0 || startedAt[i].Load() == 0 {
			lost++
			continue
		}
		stored.samples = append(stored.samples, time.Duration(storedAt[i]-s))
		handler.samples = append(handler.samples, time.Duration(startedAt[i].Load()-s))
		if a, ok := acks.at(seqOf[i]); ok {
			acked.samples = append(acked.samples, time.Duration(a-s))
		}
	}
	if lost > 0 {
		return res, fmt.Errorf("latency: %d of %d events were never stored or handled", lost, n)
	}
	if len(acked.samples) < n {
		return res, fmt.Errorf("latency: saw the worker's ack of only %d of %d events", len(acked.samples), n)
	}
	res.stages = []stage{stored, handler, acked}
	return res, nil
}

// ackWatch records when the server received the worker's ack of each
// stream sequence of the builder's command stream.
type ackWatch struct {
	mu sync.Mutex
	t  map[uint64]int64
}

func newAckWatch() *ackWatch { return &ackWatch{t: map[uint64]int64{}} }

func (a *ackWatch) observe(m *nats.Msg) {
	now := time.Now().UnixNano()
	if len(m.Data) > 0 && string(m.Data) != "+ACK" {
		return // +WPI heartbeats, naks
	}
	stream, seq, ok := ackSubject(m.Subject)
	if !ok || stream != events.CommandStream("builder") {
		return
	}
	a.mu.Lock()
	if _, seen := a.t[seq]; !seen {
		a.t[seq] = now
	}
	a.mu.Unlock()
}

func (a *ackWatch) at(seq uint64) (int64, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.t[seq]
	return t, ok
}

// ackSubject parses $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.… (v1) or
// $JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.<sseq>.… (v2).
func ackSubject(subj string) (stream string, seq uint64, ok bool) {
	t := strings.Split(subj, ".")
	var si, qi int
	switch {
	case len(t) == 9:
		si, qi = 2, 5
	case len(t) >= 11:
		si, qi = 4, 7
	default:
		return "", 0, false
	}
	n, err := strconv.ParseUint(t[qi], 10, 64)
	return t[si], n, err == nil
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (s stage) sorted() []time.Duration {
	out := slices.Clone(s.samples)
	slices.Sort(out)
	return out
}
