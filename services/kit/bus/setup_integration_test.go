//go:build integration

package bus_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/bus/bustest"
)

// env is one embedded NATS server with the topology declared.
type env struct {
	t    *testing.T
	ctx  context.Context
	url  string
	conn *bus.Conn
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	conn := bustest.Embedded(t)
	if err := conn.EnsureTopology(ctx); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, url: conn.NC.ConnectedUrl(), conn: conn}
}

// start runs a worker for service "builder" until the test ends (or stop is called).
func (e *env) start(w *bus.Worker) (stop func()) {
	e.t.Helper()
	if w.Conn == nil {
		c, err := bus.Connect(e.ctx, e.url, w.Service)
		if err != nil {
			e.t.Fatal(err)
		}
		e.t.Cleanup(c.Close)
		w.Conn = c
	}
	if w.Backoff == nil {
		w.Backoff = func(int) time.Duration { return 50 * time.Millisecond }
	}
	w.Log = zerolog.New(zerolog.NewTestWriter(e.t)).Level(zerolog.WarnLevel)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil {
			e.t.Errorf("worker: %v", err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	e.t.Cleanup(stop)
	return stop
}

// facts returns every fact of a type in FACTS (nil type: all).
func (e *env) facts(ceType string) []jetstream.RawStreamMsg {
	e.t.Helper()
	return e.streamMsgs(events.FactStream, ceType)
}

func (e *env) deadLetters() []bus.DeadLetter {
	e.t.Helper()
	dls, err := e.conn.DeadLetters(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return dls
}

func (e *env) streamMsgs(stream, ceType string) []jetstream.RawStreamMsg {
	s, err := e.conn.JS.Stream(e.ctx, stream)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := s.Info(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(e.ctx, seq)
		if err != nil {
			continue
		}
		if ceType == "" || m.Header.Get(events.HeaderType) == ceType {
			out = append(out, *m)
		}
	}
	return out
}

// eventually polls cond every 20 ms until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rawCommand publishes a hand-made message on the builder's command stream.
func (e *env) rawCommand(h nats.Header, body []byte, msgID string) {
	e.t.Helper()
	m := nats.NewMsg(events.Prefix + ".cmd.builder.source.fetch.requested")
	m.Header = h
	m.Data = body
	if _, err := e.conn.JS.PublishMsg(e.ctx, m, jetstream.WithMsgID(msgID)); err != nil {
		e.t.Fatal(err)
	}
}

func goodHeaders(id string) nats.Header {
	return nats.Header(events.Envelope{ID: id, Source: "test", Type: "ringmaster.source.fetch.requested.v1", Time: time.Now(), RunID: "run-" + id}.Headers())
}

func fetchCmd(url string) *events.SourceFetchRequested {
	return &events.SourceFetchRequested{URL: url, SHA256: "00"}
}

func decode[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}
