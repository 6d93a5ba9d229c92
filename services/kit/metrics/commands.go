package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"ringmaster.dev/kit/bus"
)

// Commands counts and times the commands workers handle, per service and
// command type: the handler's runs through Middleware (duration, in flight,
// failed), what became of each delivery through Settled (a bus.Observer).
// kit/service wires both into every service.
type Commands struct {
	duration *HistogramVec
	inFlight *GaugeVec
	failed   *CounterVec
	outcomes map[bus.Outcome]*CounterVec

	series sync.Map // seriesKey → *commandSeries
}

type seriesKey struct{ service, typ string }

// commandSeries are one service's and command type's series, looked up once.
type commandSeries struct {
	duration prometheus.Observer
	inFlight prometheus.Gauge
	failed   prometheus.Counter
	outcomes map[bus.Outcome]prometheus.Counter
}

// NewCommands makes (or finds) the command metrics in r.
func NewCommands(r *Registry) *Commands {
	labels := []string{"service", "type"}
	counter := func(name, help string) *CounterVec { return r.Counter(name, help, labels...) }
	return &Commands{
		duration: r.Histogram("command_handler_duration_seconds", "How long a command's handler ran, successful or not.", nil, labels...),
		inFlight: r.Gauge("commands_in_flight", "Commands whose handler is running now.", labels...),
		failed:   counter("commands_failed_total", "Handler runs that returned an error or panicked (each is retried or dead-lettered)."),
		outcomes: map[bus.Outcome]*CounterVec{
			bus.Done:         counter("commands_handled_total", "Commands handled successfully and acknowledged."),
			bus.Retried:      counter("commands_retried_total", "Deliveries handed back to be tried again after a backoff."),
			bus.DeadLettered: counter("commands_dead_lettered_total", "Commands moved to the dead-letter stream: poison, a permanent error or out of attempts."),
			bus.Duplicate:    counter("commands_duplicates_total", "Redeliveries of commands already done, acknowledged without running again."),
			bus.HandedBack:   counter("commands_handed_back_total", "Commands handed back unfinished because their worker stopped."),
		},
	}
}

// Init creates a service's series of every command type at 0, so that the
// first dead letter is an increase Prometheus can see.
func (c *Commands) Init(service string, types ...string) {
	for _, t := range types {
		c.of(service, t)
	}
}

func (c *Commands) of(service, typ string) *commandSeries {
	k := seriesKey{service, typ}
	if s, ok := c.series.Load(k); ok {
		return s.(*commandSeries)
	}
	s := &commandSeries{
		duration: c.duration.WithLabelValues(service, typ),
		inFlight: c.inFlight.WithLabelValues(service, typ),
		failed:   c.failed.WithLabelValues(service, typ),
		outcomes: make(map[bus.Outcome]prometheus.Counter, len(c.outcomes)),
	}
	for o, v := range c.outcomes {
		s.outcomes[o] = v.WithLabelValues(service, typ)
	}
	got, _ := c.series.LoadOrStore(k, s)
	return got.(*commandSeries)
}

// Middleware times each handler run, counts it in flight while it runs and
// counts it failed when it returns an error (a panic arrives as one: the
// worker's Recover is inside every middleware).
func (c *Commands) Middleware() bus.Middleware {
	return func(next bus.Handler) bus.Handler {
		return func(d *bus.Delivery) error {
			s := c.of(d.Service, d.Spec.Name)
			s.inFlight.Inc()
			start := time.Now()
			defer func() {
				s.duration.Observe(time.Since(start).Seconds())
				s.inFlight.Dec()
			}()
			err := next(d)
			if err != nil {
				s.failed.Inc()
			}
			return err
		}
	}
}

// Settled counts what became of a delivery (bus.Observer).
func (c *Commands) Settled(service, eventType string, o bus.Outcome) {
	if ctr, ok := c.of(service, eventType).outcomes[o]; ok {
		ctr.Inc()
	}
}
