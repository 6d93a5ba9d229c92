//go:build integration

package main_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/metrics/metricstest"
)

// TestUpServesMetrics: ring up serves every service's metrics, the streams'
// depths and consumer lag at --metrics, records the URL in endpoints.json,
// ring status shows it with what /readyz says, ring health asks /readyz.
func TestUpServesMetrics(t *testing.T) {
	home := t.TempDir()
	_, out, e := up(t, home)
	if !strings.HasPrefix(e.Metrics, "http://127.0.0.1:") || !strings.HasSuffix(e.Metrics, "/metrics") {
		t.Fatalf("endpoints.json metrics %q", e.Metrics)
	}
	if !strings.Contains(out.String(), "metrics   "+e.Metrics) {
		t.Errorf("ring up does not show where its metrics are:\n%s", out.String())
	}
	if got, err := ring(t, home, "ping"); err != nil || !strings.Contains(got, fmt.Sprintf("all %d services answered", len(events.Services))) {
		t.Fatalf("ping: %v\n%s", err, got)
	}
	// Each service handled one ping; the worker counts right after the ack.
	var f metricstest.Families
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		f = metricstest.Scrape(t, e.Metrics)
		handled := 0
		for _, svc := range events.Services {
			if v, _ := f.Value("ringmaster_commands_handled_total", map[string]string{"service": svc, "type": "service.ping.requested"}); v == 1 {
				handled++
			}
		}
		if handled == len(events.Services) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d services counted their ping", handled, len(events.Services))
		}
	}
	for _, svc := range events.Services {
		for name, labels := range map[string]map[string]string{
			"ringmaster_service_instances":            {"service": svc},
			"ringmaster_dead_letters":                 {"service": svc},
			"ringmaster_consumer_pending_messages":    {"consumer": svc},
			"ringmaster_stream_messages":              {"stream": events.CommandStream(svc)},
			"ringmaster_commands_dead_lettered_total": {"service": svc},
		} {
			if _, ok := f.Value(name, labels); !ok {
				t.Errorf("no %s%v", name, labels)
			}
		}
		if v, _ := f.Value("ringmaster_service_instances", map[string]string{"service": svc}); v != 1 {
			t.Errorf("%s: %v live instances, want 1", svc, v)
		}
	}
	// The services' own metrics whose series exist before their first use.
	for _, name := range []string{"ringmaster_cluster_creates_total", "ringmaster_cluster_destroys_total", "ringmaster_sweeps_total", "ringmaster_sweep_combinations_total"} {
		if _, ok := f[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	if v, ok := f.Value("ringmaster_jetstream_up", nil); v != 1 || !ok {
		t.Errorf("ringmaster_jetstream_up = %v (present %v)", v, ok)
	}

	got, err := ring(t, home, "status")
	if err != nil || !strings.Contains(got, "Metrics "+e.Metrics) || !strings.Contains(got, "Ready   yes (nats, s3") {
		t.Errorf("status does not show the metrics and readiness: %v\n%s", err, got)
	}
	if got, err := ring(t, home, "health"); err != nil || !strings.Contains(got, "[+] nats ok") || !strings.Contains(got, "ready\n") {
		t.Errorf("ring health: %v\n%s", err, got)
	}
	base := strings.TrimSuffix(e.Metrics, "/metrics")
	if got, err := ring(t, home, "health", "--live", base); err != nil || got != "ok\n" {
		t.Errorf("ring health --live: %v %q", err, got)
	}
	if got, err := ring(t, home, "health", "http://127.0.0.1:1"); err == nil {
		t.Errorf("ring health of nothing succeeded:\n%s", got)
	}
}

// TestUpRefusesABusyMetricsAddress: a --metrics address in use is refused
// before any service starts, saying what to do, and nothing is left behind.
func TestUpRefusesABusyMetricsAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	home := t.TempDir()
	got, err := ring(t, home, "up", "--nats-listen", "127.0.0.1:0", "--s3-listen", "127.0.0.1:0", "--metrics", ln.Addr().String())
	if err == nil || !strings.Contains(got, "metrics on "+ln.Addr().String()) || !strings.Contains(got, "--metrics 127.0.0.1:0") {
		t.Fatalf("ring up on a busy metrics address: %v\n%s", err, got)
	}
	if _, err := os.Stat(filepath.Join(home, "endpoints.json")); !os.IsNotExist(err) {
		t.Errorf("endpoints.json written by a refused start: %v", err)
	}
}
