// Package service runs one Ringmaster service: its worker on the service's
// command stream, the built-in ping handler, and its presence heartbeat.
// The same Definition runs in-process under `ring up` or alone through Main.
package service

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/dockerhost"
	"ringmaster.dev/kit/health"
	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/kit/presence"
)

// Version is set at link time (-X ringmaster.dev/kit/service.Version=…).
var Version = "dev"

// Deps are what a service gets from its host process.
type Deps struct {
	Bus  *bus.Conn
	Blob *blob.Store
	Log  zerolog.Logger
	// WorkDir is scratch space owned by this service instance.
	WorkDir string
	// KeyDir holds secrets such as the repository signing key (files 0400).
	// Every instance of a service that signs must see the same key.
	KeyDir string
	// Metrics is the process's metrics registry: Run adds the command
	// metrics, a service makes its own with it. Nil: nothing is exposed.
	Metrics *metrics.Registry
	// Health holds the process's readiness checks (/readyz): the host adds
	// NATS and S3, a service what else it drives (Docker). Nil: none.
	Health *health.Checks
}

// Hosts reaches the Docker hosts of clusters for a service that acts on a
// cluster where it lives: the registry on the service's NATS (read-only),
// else the local Docker. Its clients live as long as the process.
func (d Deps) Hosts() *dockerhost.Fleet {
	f := &dockerhost.Fleet{}
	if d.Bus != nil {
		f.JS = d.Bus.JS
	}
	return f
}

// Definition is what a service is: a name and its command handlers.
type Definition struct {
	Name string
	// Handlers maps command names ("build.requested") to handlers.
	Handlers map[string]bus.Handler
	// Concurrency, if more than the host's setting, is how many commands
	// this service handles at once: a service whose handlers mostly wait
	// (a pipeline waiting on other services) needs more than the CPU count.
	Concurrency int
	// Serve, if set, runs beside the worker (an HTTP server) until its
	// context ends; it must then return within the shutdown grace. An
	// error it returns before then stops the service.
	Serve func(ctx context.Context) error
	// Emitted, if set, is told of every event the handlers emit, once
	// stored (bus.Worker.Emitted): a service counts its own metrics from
	// its facts there.
	Emitted func(d *bus.Delivery, event any)
	// Routes are the routes of its routed commands this instance serves
	// (a builder: "debian-12.amd64", …): one worker per route, on the
	// route's shared consumer. None: the instance takes no routed command.
	Routes []string
	// RouteConcurrency bounds the routed commands handled at once over all
	// routes (default 1).
	RouteConcurrency int
}

// Factory builds a service's definition from its dependencies.
type Factory func(ctx context.Context, deps Deps) (Definition, error)

// Options tune the worker.
type Options struct {
	Concurrency int
	// AckWait is the worker's AckWait (0: its default).
	AckWait time.Duration
	// Worker, if set, adjusts the worker before it runs (tests, benchmarks).
	Worker func(*bus.Worker)
}

// Run runs def until ctx ends, then stops gracefully.
func Run(ctx context.Context, deps Deps, def Definition, opts Options) error {
	instance := uuid.NewString()[:8]
	log := deps.Log.With().Str("service", def.Name).Str("instance", instance).Logger()
	handlers := map[string]bus.Handler{"service.ping.requested": ping(instance)}
	for name, h := range def.Handlers {
		spec, ok := events.ByName(name)
		if !ok || spec.Kind != events.Command || (spec.Service != def.Name && spec.Service != events.AnyService) {
			return fmt.Errorf("service %s: %q is not a command of %s in the events catalog", def.Name, name, def.Name)
		}
		handlers[name] = h
	}
	cmds := metrics.NewCommands(deps.Metrics)
	cmds.Init(def.Name, slices.Sorted(maps.Keys(handlers))...)
	w := &bus.Worker{
		Conn: deps.Bus, Service: def.Name, Handlers: handlers, Concurrency: max(opts.Concurrency, def.Concurrency), AckWait: opts.AckWait,
		Middleware: []bus.Middleware{bus.Logging(), cmds.Middleware()}, Log: log, Metrics: &bus.Metrics{},
		Observer: cmds, Emitted: def.Emitted,
	}
	if opts.Worker != nil {
		opts.Worker(w)
	}
	workers := []*bus.Worker{w}
	slots := make(chan struct{}, max(def.RouteConcurrency, 1))
	for _, route := range def.Routes {
		rw := &bus.Worker{
			Conn: deps.Bus, Service: def.Name, Route: route, Slots: slots, Handlers: handlers, Concurrency: cap(slots), AckWait: opts.AckWait,
			Middleware: w.Middleware, Log: log.With().Str("route", route).Logger(), Metrics: w.Metrics,
			Observer: cmds, Emitted: def.Emitted,
		}
		if opts.Worker != nil {
			opts.Worker(rw)
			rw.Route, rw.Slots, rw.Concurrency = route, slots, cap(slots)
		}
		workers = append(workers, rw)
	}
	host, _ := os.Hostname()
	rec := presence.Record{Service: def.Name, Instance: instance, Host: host, PID: os.Getpid(), Version: Version, Routes: def.Routes}
	rec.Started = time.Now().UTC()

	var wg sync.WaitGroup
	beatCtx, stopBeat := context.WithCancel(context.WithoutCancel(ctx))
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = presence.Beat(beatCtx, deps.Bus.JS, func() presence.Record {
			r := rec
			r.Counters = w.Metrics.Snapshot()
			return r
		})
	}()
	log.Info().Msg("service started")
	wctx, stopWorker := context.WithCancel(ctx)
	defer stopWorker()
	serveErr := make(chan error, 1)
	if def.Serve != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := def.Serve(wctx)
			if err != nil && wctx.Err() == nil {
				log.Error().Err(err).Msg("service stopped: its server failed")
				stopWorker()
			}
			serveErr <- err
		}()
	}
	if len(workers) > 1 {
		// The plain consumer first: one left by an older version may still
		// take every subject of the stream, which the route consumers would
		// overlap (a work-queue stream refuses that).
		if _, err := deps.Bus.JS.CreateOrUpdateConsumer(wctx, events.CommandStream(def.Name), w.ConsumerConfig()); err != nil {
			stopWorker()
			stopBeat()
			wg.Wait()
			return fmt.Errorf("%s: consumer: %w", def.Name, deps.Bus.Explain(err))
		}
	}
	err := runWorkers(wctx, workers)
	stopWorker()
	stopBeat()
	wg.Wait()
	if def.Serve != nil {
		if serr := <-serveErr; err == nil && serr != nil && ctx.Err() == nil {
			err = serr
		}
	}
	log.Info().Msg("service stopped")
	return err
}

// runWorkers runs every worker until ctx ends; the first to fail stops
// the others, and its error is returned.
func runWorkers(ctx context.Context, workers []*bus.Worker) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(workers))
	for _, w := range workers {
		go func() {
			err := w.Run(ctx)
			if err != nil {
				cancel()
			}
			errs <- err
		}()
	}
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func ping(instance string) bus.Handler {
	return func(d *bus.Delivery) error {
		return d.Emit(&events.ServicePong{Service: d.Service, Instance: instance, Version: Version})
	}
}
