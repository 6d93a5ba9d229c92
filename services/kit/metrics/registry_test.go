package metrics

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

func TestRegistryNamesAndSharing(t *testing.T) {
	r := New()
	a := r.Counter("widgets_total", "Widgets.", "kind")
	b := r.Counter("widgets_total", "Widgets.", "kind")
	if a != b {
		t.Fatal("asking twice for one counter made two")
	}
	a.WithLabelValues("x").Add(2)
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{"# HELP ringmaster_widgets_total Widgets.", "# TYPE ringmaster_widgets_total counter", `ringmaster_widgets_total{kind="x"} 2`, "go_goroutines", "process_"} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for name, make := range map[string]func(){
		"a counter without _total":  func() { r.Counter("widgets", "") },
		"a gauge with _total":       func() { r.Gauge("widgets_total", "") },
		"other labels for one name": func() { r.Counter("widgets_total", "Widgets.", "colour") },
		"a histogram ending _total": func() { r.Histogram("latency_total", "", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			make()
		}()
	}
	// A nil registry hands out working metrics that nothing exposes.
	var none *Registry
	none.Counter("widgets_total", "").WithLabelValues().Inc()
	if err := none.Register(NewStreams(nil)); err != nil {
		t.Fatal(err)
	}
}

func TestCommandsCountHandlerRunsAndOutcomes(t *testing.T) {
	r := New()
	c := NewCommands(r)
	c.Init("builder", "build.requested")
	labels := []string{"builder", "build.requested"}
	if got := testutil.ToFloat64(c.outcomes[bus.DeadLettered].WithLabelValues(labels...)); got != 0 {
		t.Fatalf("initialised series = %v", got)
	}
	spec, _ := events.ByName("build.requested")
	d := &bus.Delivery{Service: "builder", Spec: spec}
	var inFlight float64
	ok := c.Middleware()(func(*bus.Delivery) error {
		inFlight = testutil.ToFloat64(c.inFlight.WithLabelValues(labels...))
		return nil
	})
	bad := c.Middleware()(func(*bus.Delivery) error { return errors.New("no") })
	if err := ok(d); err != nil {
		t.Fatal(err)
	}
	if err := bad(d); err == nil {
		t.Fatal("the middleware swallowed the handler's error")
	}
	c.Settled("builder", "build.requested", bus.Done)
	c.Settled("builder", "build.requested", bus.DeadLettered)
	c.Settled("builder", bus.UnknownType, bus.DeadLettered)
	for name, tc := range map[string]struct {
		got, want float64
	}{
		"in flight while running": {inFlight, 1},
		"in flight after":         {testutil.ToFloat64(c.inFlight.WithLabelValues(labels...)), 0},
		"failed":                  {testutil.ToFloat64(c.failed.WithLabelValues(labels...)), 1},
		"handled":                 {testutil.ToFloat64(c.outcomes[bus.Done].WithLabelValues(labels...)), 1},
		"dead-lettered":           {testutil.ToFloat64(c.outcomes[bus.DeadLettered].WithLabelValues(labels...)), 1},
		"dead-lettered poison":    {testutil.ToFloat64(c.outcomes[bus.DeadLettered].WithLabelValues("builder", "unknown")), 1},
		"handler runs timed":      {samples(t, r, "ringmaster_command_handler_duration_seconds", "build.requested"), 2},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", name, tc.got, tc.want)
		}
	}
	// A second Commands on the same registry shares the series.
	NewCommands(r).Settled("builder", "build.requested", bus.Done)
	if got := testutil.ToFloat64(c.outcomes[bus.Done].WithLabelValues(labels...)); got != 2 {
		t.Errorf("handled after a second Commands counted = %v, want 2", got)
	}
}

// samples is the sample count of histogram name's series of command type typ.
func samples(t *testing.T, r *Registry, name, typ string) float64 {
	t.Helper()
	mfs, err := r.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "type" && l.GetValue() == typ {
					return float64(m.GetHistogram().GetSampleCount())
				}
			}
		}
	}
	return -1
}
