//go:build integration

package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/health"
	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/kit/metrics/metricstest"
	"ringmaster.dev/kit/natsserver"
	"ringmaster.dev/kit/service"
)

// TestMetricsOfAServiceOnTheBus runs a service through service.Run — as
// every service runs — on an embedded JetStream, serves its telemetry and
// scrapes /metrics with the Prometheus text parser: the command counters
// move when a command is handled and when one is dead-lettered, the
// stream and consumer metrics say where the messages are, /readyz answers
// 200 while NATS is up and 503 once it is gone.
func TestMetricsOfAServiceOnTheBus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv, err := natsserver.Start(ctx, natsserver.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			srv.Shutdown()
		}
	}()
	conn, err := bus.Connect(ctx, srv.ClientURL(), "builder")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.EnsureTopology(ctx); err != nil {
		t.Fatal(err)
	}

	reg, checks := metrics.New(), &health.Checks{}
	checks.Add("nats", health.NATS(conn))
	if err := reg.Register(metrics.NewStreams(conn.JS, "builder")); err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(service.Telemetry(reg, checks))
	defer web.Close()

	// A service whose fetch handler fails for good on one URL.
	var mu sync.Mutex
	var emitted []string
	def := service.Definition{Name: "builder", Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error {
			req := d.Payload.(*events.SourceFetchRequested)
			if strings.HasSuffix(req.URL, "/bad") {
				return bus.Permanent(errors.New("no such source"))
			}
			return d.Emit(&events.SourceFetched{URL: req.URL, SHA256: req.SHA256, Key: "k", Size: 1})
		},
	}, Emitted: func(_ *bus.Delivery, ev any) {
		s, _ := events.Of(ev)
		mu.Lock()
		defer mu.Unlock()
		emitted = append(emitted, s.Name)
	}}
	deps := service.Deps{Bus: conn, Log: zerolog.Nop(), Metrics: reg, Health: checks}
	runCtx, stopRun := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- service.Run(runCtx, deps, def, service.Options{Concurrency: 2}) }()
	stop := sync.OnceFunc(func() { stopRun(); <-done })
	defer stop()

	url := web.URL + "/metrics"
	cmd := map[string]string{"service": "builder", "type": "source.fetch.requested"}
	// Before any command: every series of the service's commands is there at 0.
	waitFor(t, url, "ringmaster_commands_dead_lettered_total", cmd, 0)
	waitFor(t, url, "ringmaster_service_instances", map[string]string{"service": "builder"}, 1)

	pub, err := bus.Connect(ctx, srv.ClientURL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if _, err := pub.Publish(ctx, &events.SourceFetchRequested{URL: "http://example.invalid/good", SHA256: "00"}); err != nil {
		t.Fatal(err)
	}
	f := waitFor(t, url, "ringmaster_commands_handled_total", cmd, 1)
	f.Expect(t, metricstest.Want{Name: "ringmaster_commands_failed_total", Labels: cmd},
		metricstest.Want{Name: "ringmaster_commands_dead_lettered_total", Labels: cmd},
		metricstest.Want{Name: "ringmaster_command_handler_duration_seconds", Labels: cmd, Value: 1},
		metricstest.Want{Name: "ringmaster_commands_in_flight", Labels: cmd})
	mu.Lock()
	if len(emitted) != 1 || emitted[0] != "source.fetched" {
		t.Errorf("the service's Emitted hook saw %v, want [source.fetched]", emitted)
	}
	mu.Unlock()

	if _, err := pub.Publish(ctx, &events.SourceFetchRequested{URL: "http://example.invalid/bad", SHA256: "00"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, url, "ringmaster_commands_dead_lettered_total", cmd, 1)
	// The worker counts, then terminates the delivery: the work queue
	// empties a moment later.
	f = waitFor(t, url, "ringmaster_stream_messages", map[string]string{"stream": "CMD_BUILDER"}, 0)
	consumer := map[string]string{"stream": "CMD_BUILDER", "consumer": "builder"}
	f.Expect(t,
		metricstest.Want{Name: "ringmaster_commands_failed_total", Labels: cmd, Value: 1},
		metricstest.Want{Name: "ringmaster_commands_handled_total", Labels: cmd, Value: 1},
		metricstest.Want{Name: "ringmaster_command_handler_duration_seconds", Labels: cmd, Value: 2},
		metricstest.Want{Name: "ringmaster_dead_letters", Labels: map[string]string{"service": "builder"}, Value: 1},
		metricstest.Want{Name: "ringmaster_jetstream_up", Value: 1},
		metricstest.Want{Name: "ringmaster_consumer_pending_messages", Labels: consumer},
		metricstest.Want{Name: "ringmaster_consumer_ack_pending_messages", Labels: consumer},
	)
	for name := range f {
		if !strings.HasPrefix(name, "ringmaster_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
			t.Errorf("metric %s lacks the ringmaster_ prefix", name)
		}
	}

	// Ready while NATS answers; not ready, naming nats, once it is gone.
	if code, body := get(t, web.URL+"/readyz"); code != http.StatusOK || !strings.Contains(body, "[+] nats ok") {
		t.Fatalf("/readyz with NATS up: %d\n%s", code, body)
	}
	if code, body := get(t, web.URL+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	stop()
	srv.Shutdown()
	stopped = true
	code, body := get(t, web.URL+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "[-] nats failed: ") || !strings.Contains(body, "not ready: nats") {
		t.Fatalf("/readyz with NATS gone: %d\n%s", code, body)
	}
	// /metrics still answers, saying JetStream could not be read.
	f = metricstest.Scrape(t, url)
	if v, ok := f.Value("ringmaster_jetstream_up", nil); !ok || v != 0 {
		t.Errorf("ringmaster_jetstream_up with NATS gone = %v (present %v), want 0", v, ok)
	}
	if _, ok := f.Value("ringmaster_commands_handled_total", cmd); !ok {
		t.Error("the command counters went missing with NATS")
	}
}

// waitFor scrapes url until the series has value want (the worker
// acknowledges and counts after the handler returns).
func waitFor(t *testing.T, url, name string, labels map[string]string, want float64) metricstest.Families {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		f := metricstest.Scrape(t, url)
		v, ok := f.Value(name, labels)
		if ok && v == want {
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%v = %v (present %v), want %v within 30 s", name, labels, v, ok, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
