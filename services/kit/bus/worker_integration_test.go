//go:build integration

package bus_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

const fetchType = "ringmaster.source.fetch.requested.v1"

func TestRoundTripEmitsFactWithRunID(t *testing.T) {
	e := newEnv(t)
	e.start(&bus.Worker{Service: "builder", Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error {
			p := d.Payload.(*events.SourceFetchRequested)
			return d.Emit(&events.SourceFetched{URL: p.URL, SHA256: p.SHA256, Key: "k"})
		},
	}})
	env, err := e.conn.Publish(e.ctx, fetchCmd("http://x/a.tgz"), bus.WithRunID("run-42"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "source.fetched", func() bool { return len(e.facts("ringmaster.source.fetched.v1")) == 1 })
	f := e.facts("ringmaster.source.fetched.v1")[0]
	if got := f.Header.Get(events.HeaderRunID); got != "run-42" {
		t.Errorf("run id = %q, want run-42", got)
	}
	if got := f.Header.Get(events.HeaderID); got != env.ID+"/source.fetched/0" {
		t.Errorf("fact id = %q", got)
	}
	if got := f.Header.Get(events.HeaderSource); got != "builder" {
		t.Errorf("source = %q", got)
	}
	if p := decode[events.SourceFetched](t, f.Data); p.URL != "http://x/a.tgz" {
		t.Errorf("payload = %+v", p)
	}
}

func TestRetryableErrorIsRedelivered(t *testing.T) {
	e := newEnv(t)
	var calls atomic.Int32
	e.start(&bus.Worker{Service: "builder", MaxDeliver: 5, Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error {
			if calls.Add(1) < 3 {
				return bus.Retryable(errors.New("mirror busy"), 10*time.Millisecond)
			}
			if d.Attempt != 3 {
				t.Errorf("attempt = %d, want 3", d.Attempt)
			}
			return nil
		},
	}})
	if _, err := e.conn.Publish(e.ctx, fetchCmd("u")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "3 attempts", func() bool { return calls.Load() == 3 })
	time.Sleep(200 * time.Millisecond)
	if n := calls.Load(); n != 3 || len(e.deadLetters()) != 0 {
		t.Fatalf("calls = %d, dead letters = %d", n, len(e.deadLetters()))
	}
}

func TestPermanentErrorIsDeadLetteredAtOnce(t *testing.T) {
	e := newEnv(t)
	var calls atomic.Int32
	e.start(&bus.Worker{Service: "builder", Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error {
			calls.Add(1)
			return bus.Permanent(fmt.Errorf("checksum mismatch"))
		},
	}})
	env, err := e.conn.Publish(e.ctx, fetchCmd("u"), bus.WithRunID("run-p"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "dead letter", func() bool { return len(e.deadLetters()) == 1 })
	dl := e.deadLetters()[0]
	if dl.Service != "builder" || dl.Attempts != 1 || !strings.Contains(dl.Reason, "checksum mismatch") ||
		dl.ID != env.ID || dl.RunID != "run-p" || dl.Type != fetchType || dl.Subject != "ringmaster.cmd.builder.source.fetch.requested" {
		t.Fatalf("dead letter = %+v", dl)
	}
	eventually(t, "command.failed", func() bool { return len(e.facts("ringmaster.command.failed.v1")) == 1 })
	cf := decode[events.CommandFailed](t, e.facts("ringmaster.command.failed.v1")[0].Data)
	if cf.CommandID != env.ID || !strings.Contains(cf.Reason, "checksum mismatch") {
		t.Fatalf("command.failed = %+v", cf)
	}
	time.Sleep(200 * time.Millisecond)
	if calls.Load() != 1 {
		t.Fatalf("permanent error retried: %d calls", calls.Load())
	}
}

func TestMaxDeliverThenDeadLetter(t *testing.T) {
	e := newEnv(t)
	var calls atomic.Int32
	e.start(&bus.Worker{Service: "builder", MaxDeliver: 3, Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error {
			calls.Add(1)
			return errors.New("flaky network")
		},
	}})
	if _, err := e.conn.Publish(e.ctx, fetchCmd("u")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "dead letter", func() bool { return len(e.deadLetters()) == 1 })
	dl := e.deadLetters()[0]
	if dl.Attempts != 3 || !strings.Contains(dl.Reason, "gave up after 3 attempts: flaky network") {
		t.Fatalf("dead letter = %+v", dl)
	}
	if calls.Load() != 3 {
		t.Fatalf("calls = %d, want 3", calls.Load())
	}
}

func TestPoisonMessagesGoStraightToDeadLetters(t *testing.T) {
	e := newEnv(t)
	var good atomic.Int32
	e.start(&bus.Worker{Service: "builder", MaxBody: 1024, Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error { good.Add(1); return nil },
	}})
	noType := goodHeaders("p2")
	noType.Del(events.HeaderType)
	unknown := goodHeaders("p3")
	unknown.Set(events.HeaderType, "ringmaster.source.explode.v1")
	v2 := goodHeaders("p4")
	v2.Set(events.HeaderType, "ringmaster.source.fetch.requested.v2")
	wrongSvc := goodHeaders("p6")
	wrongSvc.Set(events.HeaderType, "ringmaster.cluster.create.requested.v1")
	cases := []struct {
		id     string
		h      map[string][]string
		body   string
		reason string
	}{
		{"p1", goodHeaders("p1"), `{"url":`, "malformed"},
		{"p2", noType, `{}`, "missing CloudEvents header: ce-type"},
		{"p3", unknown, `{}`, "unknown event type"},
		{"p4", v2, `{}`, "unsupported major version"},
		{"p5", goodHeaders("p5"), `{"url":"` + strings.Repeat("x", 2000) + `"}`, "too large"},
		{"p6", wrongSvc, `{}`, "builder does not handle"},
	}
	for _, c := range cases {
		e.rawCommand(c.h, []byte(c.body), c.id)
	}
	if _, err := e.conn.Publish(e.ctx, fetchCmd("fine")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "all dead letters", func() bool { return len(e.deadLetters()) == len(cases) })
	eventually(t, "the good message", func() bool { return good.Load() == 1 })
	byID := map[string]bus.DeadLetter{}
	for _, dl := range e.deadLetters() {
		byID[dl.Header.Get(events.HeaderID)] = dl
	}
	for _, c := range cases {
		dl, ok := byID[c.id]
		if !ok {
			t.Errorf("%s: not dead-lettered", c.id)
			continue
		}
		if dl.Attempts != 1 || !strings.Contains(dl.Reason, c.reason) {
			t.Errorf("%s: attempts %d reason %q, want %q", c.id, dl.Attempts, dl.Reason, c.reason)
		}
	}
}

func TestPanicIsRecoveredAndRetried(t *testing.T) {
	e := newEnv(t)
	var calls atomic.Int32
	m := &bus.Metrics{}
	e.start(&bus.Worker{Service: "builder", Metrics: m, Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error {
			if calls.Add(1) == 1 {
				panic("boom")
			}
			return nil
		},
	}})
	if _, err := e.conn.Publish(e.ctx, fetchCmd("u")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "success after panic", func() bool { return m.Succeeded.Load() == 1 })
	if m.Panics.Load() != 1 || calls.Load() != 2 {
		t.Fatalf("panics %d calls %d", m.Panics.Load(), calls.Load())
	}
}

func TestDoneMarkerStopsRerunAfterDedupeWindow(t *testing.T) {
	e := newEnv(t)
	var calls atomic.Int32
	m := &bus.Metrics{}
	e.start(&bus.Worker{Service: "builder", Metrics: m, Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error { calls.Add(1); return nil },
	}})
	// The same command (same ce-id, published an hour ago) arrives twice:
	// the second copy came after the de-duplication window had passed.
	body := []byte(`{"url":"u","sha256":"00"}`)
	old := goodHeaders("same")
	old.Set(events.HeaderTime, time.Now().Add(-time.Hour).Format(time.RFC3339Nano))
	e.rawCommand(old, body, "same")
	eventually(t, "first settled", func() bool { return m.Succeeded.Load() == 1 })
	// The done marker is written without waiting: wait until it is stored.
	eventually(t, "done marker stored", func() bool {
		kv, err := e.conn.JS.KeyValue(e.ctx, bus.DoneBucket)
		if err != nil {
			return false
		}
		st, err := kv.Status(e.ctx)
		return err == nil && st.Values() == 1
	})
	e.rawCommand(old, body, "same, again after the window")
	eventually(t, "both settled", func() bool { return m.Succeeded.Load()+m.Duplicates.Load() == 2 })
	if calls.Load() != 1 || m.Duplicates.Load() != 1 {
		t.Fatalf("calls %d duplicates %d", calls.Load(), m.Duplicates.Load())
	}
}

func TestHeartbeatKeepsLongJobFromRedelivery(t *testing.T) {
	e := newEnv(t)
	var calls atomic.Int32
	// Without heartbeats the job would be redelivered after 1.5 s; it runs 4 s.
	e.start(&bus.Worker{Service: "builder", Concurrency: 2, AckWait: 1500 * time.Millisecond, Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error {
			calls.Add(1)
			time.Sleep(4 * time.Second)
			return nil
		},
	}})
	if _, err := e.conn.Publish(e.ctx, fetchCmd("u")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4500 * time.Millisecond)
	if calls.Load() != 1 {
		t.Fatalf("long job delivered %d times; heartbeats did not hold it", calls.Load())
	}
}

func TestConcurrencyLimit(t *testing.T) {
	e := newEnv(t)
	var running, peak, done atomic.Int32
	e.start(&bus.Worker{Service: "builder", Concurrency: 3, Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error {
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(100 * time.Millisecond)
			running.Add(-1)
			done.Add(1)
			return nil
		},
	}})
	for i := range 10 {
		if _, err := e.conn.Publish(e.ctx, fetchCmd(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "10 done", func() bool { return done.Load() == 10 })
	if peak.Load() != 3 {
		t.Fatalf("peak concurrency = %d, want 3", peak.Load())
	}
}

func TestGracefulShutdown(t *testing.T) {
	e := newEnv(t)
	started := make(chan string, 2)
	var finished atomic.Int32
	stop := e.start(&bus.Worker{Service: "builder", Concurrency: 2, ShutdownGrace: 500 * time.Millisecond, Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error {
			url := d.Payload.(*events.SourceFetchRequested).URL
			started <- url
			wait := 100 * time.Millisecond // finishes within the grace period
			if url == "slow" {
				wait = time.Minute // does not: it is cancelled and nak'ed
			}
			select {
			case <-time.After(wait):
				finished.Add(1)
				return nil
			case <-d.Ctx.Done():
				return d.Ctx.Err()
			}
		},
	}})
	for _, u := range []string{"quick", "slow"} {
		if _, err := e.conn.Publish(e.ctx, fetchCmd(u)); err != nil {
			t.Fatal(err)
		}
	}
	<-started
	<-started
	t0 := time.Now()
	stop()
	if d := time.Since(t0); d > 2*time.Second {
		t.Fatalf("shutdown took %s, grace is 500ms", d)
	}
	if finished.Load() != 1 {
		t.Fatalf("finished = %d, want the quick one", finished.Load())
	}
	// The slow command was nak'ed, so a new worker gets it at once (no AckWait).
	got := make(chan string, 1)
	e.start(&bus.Worker{Service: "builder", Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error {
			got <- d.Payload.(*events.SourceFetchRequested).URL
			return nil
		},
	}})
	select {
	case u := <-got:
		if u != "slow" {
			t.Fatalf("redelivered %q", u)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nak'ed command not redelivered")
	}
}

func TestDeadLetterRetryAndPurge(t *testing.T) {
	e := newEnv(t)
	var fail atomic.Bool
	fail.Store(true)
	var ok atomic.Int32
	e.start(&bus.Worker{Service: "builder", Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error {
			if fail.Load() {
				return bus.Permanent(errors.New("not yet"))
			}
			ok.Add(1)
			return nil
		},
	}})
	for _, u := range []string{"a", "b"} {
		if _, err := e.conn.Publish(e.ctx, fetchCmd(u)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "2 dead letters", func() bool { return len(e.deadLetters()) == 2 })
	fail.Store(false)
	first := e.deadLetters()[0]
	if err := e.conn.RetryDeadLetter(e.ctx, first.Seq); err != nil {
		t.Fatal(err)
	}
	eventually(t, "retried command handled", func() bool { return ok.Load() == 1 })
	if n := len(e.deadLetters()); n != 1 {
		t.Fatalf("dead letters after retry = %d", n)
	}
	if _, err := e.conn.DeadLetter(e.ctx, first.Seq); !errors.Is(err, bus.ErrNoDeadLetter) {
		t.Fatalf("retried letter still there: %v", err)
	}
	n, err := e.conn.PurgeDeadLetters(e.ctx, "builder")
	if err != nil || n != 1 || len(e.deadLetters()) != 0 {
		t.Fatalf("purge = %d, %v", n, err)
	}
}

func TestConnectFailsFastWithAdvice(t *testing.T) {
	t0 := time.Now()
	_, err := bus.Connect(context.Background(), "nats://127.0.0.1:1", "test")
	if err == nil || !errors.Is(err, bus.ErrUnreachable) || !strings.Contains(err.Error(), "RING_NATS_URL") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(t0); d > 6*time.Second {
		t.Fatalf("took %s", d)
	}
}
