package metrics

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace starts the name of every Ringmaster metric.
const Namespace = "ringmaster"

// The metric types services use, so that they import only kit.
type (
	CounterVec   = prometheus.CounterVec
	GaugeVec     = prometheus.GaugeVec
	HistogramVec = prometheus.HistogramVec
	Collector    = prometheus.Collector
)

// DurationBuckets suit work that takes from milliseconds (a ping) to an hour
// (a cold build of a whole stack), in seconds.
var DurationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}

// Registry holds the metrics of one process (under `ring up`, of every
// service in it). Asking twice for the same metric returns the first one,
// so services in one process share their series. A nil Registry hands out
// metrics that work but that nothing exposes (tests, tools).
type Registry struct {
	reg *prometheus.Registry
}

// New returns a Registry with the Go runtime's and the process's metrics
// (go_*, process_*) registered.
func New() *Registry {
	r := &Registry{reg: prometheus.NewRegistry()}
	r.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Gatherer is the registry for tests and for other handlers.
func (r *Registry) Gatherer() prometheus.Gatherer {
	if r == nil {
		return prometheus.NewRegistry()
	}
	return r.reg
}

// Handler serves the metrics in the Prometheus text format (or OpenMetrics,
// when the scraper asks for it). A collector that fails is logged to the
// response's log and left out; the rest is served.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.Gatherer(), promhttp.HandlerOpts{
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
}

// Counter returns the counter vector ringmaster_<name>; name must end in
// _total.
func (r *Registry) Counter(name, help string, labels ...string) *CounterVec {
	mustSuffix(name, "_total")
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	return register(r, v)
}

// Gauge returns the gauge vector ringmaster_<name>.
func (r *Registry) Gauge(name, help string, labels ...string) *GaugeVec {
	mustNotSuffix(name, "_total")
	v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	return register(r, v)
}

// Histogram returns the histogram vector ringmaster_<name> with buckets
// (nil: DurationBuckets); name ends in its unit, e.g. _seconds or _bytes.
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *HistogramVec {
	mustNotSuffix(name, "_total")
	if buckets == nil {
		buckets = DurationBuckets
	}
	v := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help, Buckets: buckets}, labels)
	return register(r, v)
}

// Register adds a collector of its own (e.g. Streams). Registering one of
// the same metrics twice is an error.
func (r *Registry) Register(c Collector) error {
	if r == nil {
		return nil
	}
	return r.reg.Register(c)
}

// register registers v, or returns the vector registered before under the
// same name and labels.
func register[V prometheus.Collector](r *Registry, v V) V {
	if r == nil {
		return v
	}
	err := r.reg.Register(v)
	var dup prometheus.AlreadyRegisteredError
	if errors.As(err, &dup) {
		if old, ok := dup.ExistingCollector.(V); ok {
			return old
		}
	}
	if err != nil {
		// Two metrics of one name with different labels or help: a bug.
		panic(fmt.Sprintf("metrics: %v", err))
	}
	return v
}

func mustSuffix(name, suffix string) {
	if !strings.HasSuffix(name, suffix) {
		panic(fmt.Sprintf("metrics: %s: a counter's name ends in %s", name, suffix))
	}
}

func mustNotSuffix(name, suffix string) {
	if strings.HasSuffix(name, suffix) {
		panic(fmt.Sprintf("metrics: %s: only counters end in %s", name, suffix))
	}
}
