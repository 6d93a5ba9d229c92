package bus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"ringmaster.dev/events"
)

// Worker consumes one service's command stream through a durable pull
// consumer and runs a handler per command type.
type Worker struct {
	Conn    *Conn
	Service string
	// Route, if set, makes this the worker of one route of the service's
	// routed commands: it consumes only their subjects for that route,
	// through the route's durable consumer (events.RouteConsumer), which
	// every instance serving the route shares. Unset: the worker consumes
	// the service's other commands.
	Route string
	// Slots, if set, bounds the commands handled at once together with the
	// other workers given the same channel (its capacity); Concurrency then
	// only bounds what one fetch asks for.
	Slots chan struct{}
	// Handlers maps event names ("build.requested") to handlers.
	Handlers map[string]Handler
	// Middleware wraps every handler; the first is outermost. Recover is
	// always innermost-but-one, so a panic never kills the process.
	Middleware []Middleware
	// Concurrency bounds the commands handled at once (default 1).
	Concurrency int
	// AckWait is how long a delivery may go without an ack or heartbeat
	// before the server redelivers it (default 30 s). Handlers heartbeat
	// every AckWait/3 (at least every MaxHeartbeat), so long jobs need no
	// long AckWait. Instances sharing a consumer should agree on it: the
	// last to start sets the consumer's.
	AckWait time.Duration
	// MaxDeliver bounds the attempts before a message is dead-lettered (default 5).
	MaxDeliver int
	// Backoff is the nak delay after a failed attempt (default 1 s doubling, at most 1 min).
	Backoff func(attempt int) time.Duration
	// ShutdownGrace is how long in-flight handlers may finish after the
	// worker's context ends; then they are cancelled and nak'ed (default 10 s).
	ShutdownGrace time.Duration
	// MaxBody is the largest body accepted (default events.MaxBodyBytes).
	MaxBody int
	// SkipDoneMarkers turns off the per-command done marker (benchmarks).
	SkipDoneMarkers bool
	Log             zerolog.Logger
	Metrics         *Metrics
	// Observer, if set, learns the outcome of every delivery.
	Observer Observer
	// Emitted, if set, is told of every event a handler emits, once it is
	// stored (not again when a redelivery emits it again): services count
	// their own metrics from their facts. It runs on the handler's
	// goroutine and must be quick.
	Emitted func(d *Delivery, event any)
}

func (w *Worker) defaults() {
	if w.Concurrency < 1 {
		w.Concurrency = 1
	}
	if w.AckWait <= 0 {
		w.AckWait = 30 * time.Second
	}
	if w.MaxDeliver < 1 {
		w.MaxDeliver = 5
	}
	if w.Backoff == nil {
		w.Backoff = ExponentialBackoff(time.Second, time.Minute)
	}
	if w.ShutdownGrace <= 0 {
		w.ShutdownGrace = 10 * time.Second
	}
	if w.MaxBody <= 0 {
		w.MaxBody = events.MaxBodyBytes
	}
	if w.Metrics == nil {
		w.Metrics = &Metrics{}
	}
}

// ExponentialBackoff doubles from base up to max.
func ExponentialBackoff(base, max time.Duration) func(int) time.Duration {
	return func(attempt int) time.Duration {
		d := base
		for i := 1; i < attempt && d < max; i++ {
			d *= 2
		}
		return min(d, max)
	}
}

// ConsumerConfig is the durable consumer of a service. The server may deliver
// once more than MaxDeliver so that a message whose last attempt died with
// its process still reaches the dead-letter stream.
//
// A service without routed commands has one consumer of all its subjects.
// One with routed commands has a consumer of its other commands and one
// per route of the routed ones, so that no two consumers of the
// work-queue stream overlap (JetStream requires it).
func (w *Worker) ConsumerConfig() jetstream.ConsumerConfig {
	w.defaults()
	cfg := jetstream.ConsumerConfig{
		Durable:       w.Service,
		Description:   "commands handled by " + w.Service,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       w.AckWait,
		MaxDeliver:    w.MaxDeliver + 1,
		MaxAckPending: max(w.Concurrency*2, 16),
	}
	routed := events.RoutedCommandsOf(w.Service)
	switch {
	case w.Route != "":
		var names []string
		for _, s := range routed {
			cfg.FilterSubjects = append(cfg.FilterSubjects, s.RoutedSubject(w.Route))
			names = append(names, s.Name)
		}
		if len(routed) == 1 {
			cfg.Durable = events.RouteConsumer(w.Service, routed[0].Name, w.Route)
		} else {
			cfg.Durable = w.Service + "-routed-" + events.RouteName(w.Route)
		}
		cfg.Description = fmt.Sprintf("%v of route %s, handled by the %s instances serving it", names, w.Route, w.Service)
	case len(routed) > 0:
		for _, s := range events.CommandsOf(w.Service) {
			if !s.Routed {
				cfg.FilterSubjects = append(cfg.FilterSubjects, s.Subject(w.Service))
			}
		}
	default:
		cfg.FilterSubject = events.CommandSubjects(w.Service)
	}
	return cfg
}

// Run consumes until ctx ends, then lets in-flight work finish within
// ShutdownGrace, cancels and naks what is left, and returns.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	if w.Route != "" {
		if err := events.CheckRoute(w.Route); err != nil {
			return fmt.Errorf("%s: %w", w.Service, err)
		}
		if len(events.RoutedCommandsOf(w.Service)) == 0 {
			return fmt.Errorf("%s: route %s given, but the service has no routed commands", w.Service, w.Route)
		}
	}
	cons, err := w.Conn.JS.CreateOrUpdateConsumer(ctx, events.CommandStream(w.Service), w.ConsumerConfig())
	if err != nil {
		return fmt.Errorf("%s: consumer: %w", w.Service, w.Conn.Explain(err))
	}
	var marks doneMarks
	if !w.SkipDoneMarkers {
		kv, err := w.Conn.JS.KeyValue(ctx, DoneBucket)
		if err != nil {
			return fmt.Errorf("%s: done markers: %w (run EnsureTopology first)", w.Service, err)
		}
		marks = doneMarks{kv: kv}
	}
	// Handlers run under hctx, which outlives ctx by ShutdownGrace.
	hctx, hcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer hcancel()
	stopGrace := context.AfterFunc(ctx, func() {
		t := time.NewTimer(w.ShutdownGrace)
		defer t.Stop()
		select {
		case <-t.C:
			hcancel()
		case <-hctx.Done():
		}
	})
	defer stopGrace()

	slots := w.Slots
	if slots == nil {
		slots = make(chan struct{}, w.Concurrency)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		// Wait for a free slot, then fetch as many messages as there are free slots.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		free := 1
	fill:
		for free < w.Concurrency {
			select {
			case slots <- struct{}{}:
				free++
			default:
				break fill
			}
		}
		fctx, fcancel := context.WithTimeout(ctx, 5*time.Second)
		batch, err := cons.Fetch(free, jetstream.FetchContext(fctx))
		if err != nil {
			fcancel()
			for range free {
				<-slots
			}
			if ctx.Err() != nil {
				break
			}
			w.Log.Warn().Err(err).Msg("fetch failed; retrying")
			sleep(ctx, time.Second)
			continue
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				w.handle(hctx, marks, msg)
			}()
		}
		fcancel()
		for range free - got {
			<-slots
		}
		if err := batch.Error(); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
			w.Log.Debug().Err(err).Msg("fetch ended")
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
