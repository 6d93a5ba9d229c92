package gateway

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/health"
	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/kit/runs"
	"ringmaster.dev/kit/service"
)

// Name is the service name.
const Name = "gateway"

// Stacks finds a stack from git by name.
type Stacks interface {
	Get(ctx context.Context, name string) (gitstack.Record, error)
}

// Runs keeps the run records.
type Runs interface {
	Create(ctx context.Context, r *runs.Record) (bool, error)
	Put(ctx context.Context, r *runs.Record) error
	Get(ctx context.Context, id string) (runs.Record, error)
	List(ctx context.Context) ([]runs.Record, error)
}

// Blobs is what the gateway reads from the blob store: build logs and
// JUnit reports for the run pages.
type Blobs interface {
	Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error)
}

// Gateway is the service's state.
type Gateway struct {
	Bus    *bus.Conn
	Blobs  Blobs
	Stacks Stacks
	Runs   Runs
	// Deliveries remembers webhook deliveries (7 days), so a redelivery
	// starts nothing after the stream's de-duplication window too.
	Deliveries jetstream.KeyValue
	// Tested remembers which packages and test spec passed (test avoidance).
	Tested jetstream.KeyValue
	// Posted marks the commit status commands the forge took (7 days).
	Posted jetstream.KeyValue
	// Requests remembers closed pull/merge requests (ring repo gc
	// retires their channels).
	Requests *gitstack.Requests
	// KeyDir holds the stacks' webhook secrets and forge tokens (0400).
	KeyDir string
	Opts   Options
	Log    zerolog.Logger
	// Metrics and Health are the process's (served at /metrics, /readyz).
	Metrics *metrics.Registry
	Health  *health.Checks

	listener net.Listener
	ops      *chatops
	// runList keeps the run records in memory for the dashboard's lists.
	runList *runs.Cache
	// feeds share a run's replay among its event streams.
	feeds     *feeds
	feedsOnce sync.Once
}

// KV buckets of the gateway.
const (
	DeliveryBucket = "ring_deliveries"
	TestedBucket   = "ring_tested"
	PostedBucket   = "ring_statuses"
)

// New is the gateway's service.Factory with options from the environment.
func New(ctx context.Context, deps service.Deps) (service.Definition, error) {
	return Factory(OptionsFromEnv())(ctx, deps)
}

// Factory makes the gateway's service.Factory for opts.
func Factory(opts Options) service.Factory {
	return func(ctx context.Context, deps service.Deps) (service.Definition, error) {
		g, err := Open(ctx, deps, opts)
		if err != nil {
			return service.Definition{}, err
		}
		return g.Definition(), nil
	}
}

// Open declares the gateway's buckets and listens on opts.HTTP (unless
// opts.Listener is given).
func Open(ctx context.Context, deps service.Deps, opts Options) (*Gateway, error) {
	opts.defaults()
	js := deps.Bus.JS
	reg, err := gitstack.Open(ctx, js)
	if err != nil {
		return nil, err
	}
	stacks, err := reg.Cache(ctx) // the intake reads it on every delivery
	if err != nil {
		return nil, err
	}
	rs, err := runs.Open(ctx, js)
	if err != nil {
		return nil, err
	}
	runList, err := rs.Watch(ctx) // the dashboard lists runs on every page view
	if err != nil {
		return nil, err
	}
	deliveries, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: DeliveryBucket,
		Description: "webhook deliveries seen: delivery → run", TTL: deliveryTTL, Storage: jetstream.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", DeliveryBucket, err)
	}
	tested, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: TestedBucket,
		Description: "test keys that passed: packages + test spec → run", TTL: runs.MaxAge, Storage: jetstream.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", TestedBucket, err)
	}
	posted, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: PostedBucket,
		Description: "commit status commands the forge took", TTL: deliveryTTL, Storage: jetstream.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", PostedBucket, err)
	}
	requests, err := gitstack.OpenRequests(ctx, js)
	if err != nil {
		return nil, err
	}
	ln := opts.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", opts.HTTP); err != nil {
			return nil, fmt.Errorf("gateway: listen on %s: %w (another process has the port? give --http 127.0.0.1:0 for any free port)", opts.HTTP, err)
		}
	}
	if opts.PublicURL == "" {
		opts.PublicURL = "http://" + ln.Addr().String()
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	g := &Gateway{Bus: deps.Bus, Blobs: deps.Blob, Stacks: stacks, Runs: rs, Deliveries: deliveries, Tested: tested, Posted: posted, Requests: requests,
		KeyDir: deps.KeyDir, Opts: opts, Log: deps.Log.With().Str("service", Name).Logger(), listener: ln,
		Metrics: deps.Metrics, Health: deps.Health, runList: runList}
	if err := g.openChatops(ctx); err != nil {
		ln.Close()
		return nil, err
	}
	return g, nil
}

// Addr is where the gateway listens.
func (g *Gateway) Addr() string { return g.listener.Addr().String() }

// Definition is the gateway as a service: its command handlers and its
// HTTP server.
func (g *Gateway) Definition() service.Definition {
	return service.Definition{Name: Name, Concurrency: Concurrency, Serve: g.Serve, Handlers: map[string]bus.Handler{
		"pipeline.run.requested": g.handlePipeline,
		"forge.status.requested": g.handleStatus,
		"chat.reply.requested":   g.handleReply,
	}}
}

// Emit publishes a fact of the gateway's own (not caused by a command)
// with id, so that a repeated emission is stored once.
func (g *Gateway) emit(ctx context.Context, id, runID string, payload any) {
	opts := []bus.PublishOption{}
	if id != "" {
		opts = append(opts, bus.WithID(id))
	}
	if runID != "" {
		opts = append(opts, bus.WithRunID(runID))
	}
	if _, err := g.Bus.Publish(ctx, payload, opts...); err != nil {
		spec, _ := events.Of(payload)
		g.Log.Warn().Err(err).Str("event", spec.Name).Msg("fact not published")
	}
}
