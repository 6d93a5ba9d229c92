package platform

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"

	"github.com/rs/zerolog"
	builder "ringmaster.dev/builder"
	"ringmaster.dev/gateway"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/health"
	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/kit/natsauth"
	"ringmaster.dev/kit/natsserver"
	"ringmaster.dev/kit/s3server"
	"ringmaster.dev/kit/service"
	provisioner "ringmaster.dev/provisioner"
)

// Config says what to run. An empty NATSURL or S3.Endpoint means: run the
// embedded server, listening on NATSListen or S3Listen.
type Config struct {
	Home       string
	NATSURL    string
	NATSListen string
	// NATSTLS makes the embedded NATS server speak TLS only, with a
	// certificate of the project's own CA (RING_HOME/nats-tls).
	NATSTLS     bool
	S3          blob.Config
	S3Listen    string
	Concurrency int
	// Services are the services to run here (SelectServices); nil: all.
	Services []string
	Log      zerolog.Logger
	// Builder locates stacks and image recipes (absolute paths).
	Builder builder.Options
	// Provisioner locates stacks, roles, policy data and recipes (absolute paths).
	Provisioner provisioner.Options
	// Gateway says where the HTTP server listens (HTTP; port 0: any free
	// port) and the public URL of its links.
	Gateway gateway.Options
	// MetricsListen is where /metrics, /healthz and /readyz are served for
	// the whole process (port 0: any free port; "": nowhere).
	MetricsListen string
}

// Platform is a running `ring up`.
type Platform struct {
	Endpoints Endpoints
	// Metrics and Health are every service's metrics and readiness checks
	// (what the telemetry server serves; other servers may mount them too).
	Metrics   *metrics.Registry
	Health    *health.Checks
	telemetry *service.TelemetryServer
	probe     *bus.Conn // the connection readiness and stream metrics use
	home      string
	nats      *natsserver.Server
	s3        *s3server.Server
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	errs      chan error
}

// Start brings the platform up: servers, streams, bucket, every service.
// On failure everything started so far is stopped again.
func Start(ctx context.Context, cfg Config) (_ *Platform, err error) {
	names, err := SelectServices(cfg.Services) // before anything is written
	if err != nil {
		return nil, err
	}
	home := config.Abs(cfg.Home) // a relative home: from where the process started (kit/config)
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, fmt.Errorf("RING_HOME %s: %w", home, err)
	}
	p := &Platform{home: home, errs: make(chan error, len(ServiceNames))}
	defer func() {
		if err != nil {
			if ln := cfg.Gateway.Listener; ln != nil {
				_ = ln.Close()
			}
			p.shutdownServers()
		}
	}()
	natsURL := cfg.NATSURL
	if natsURL == "" {
		creds, err := NATSCredentials(home)
		if err != nil {
			return nil, err
		}
		var tls *natsserver.TLS
		if cfg.NATSTLS {
			if tls, err = serverTLS(home, cfg.NATSListen); err != nil {
				return nil, err
			}
		}
		if creds, err = natsauth.SetCA(home, creds, caFile(tls)); err != nil {
			return nil, err
		}
		p.nats, err = natsserver.Start(ctx, natsserver.Config{Dir: filepath.Join(home, "nats"), Addr: cfg.NATSListen,
			Users: natsserver.ServerUsers(passwords(creds)), TLS: tls})
		if err != nil {
			return nil, fmt.Errorf("embedded NATS on %s: %w", cfg.NATSListen, err)
		}
		natsURL = p.nats.ClientURL()
	}
	s3cfg := cfg.S3
	if s3cfg.Endpoint == "" {
		creds, err := LoadOrCreateCredentials(home)
		if err != nil {
			return nil, err
		}
		p.s3, err = s3server.Start(ctx, s3server.Config{Dir: filepath.Join(home, "s3"), Addr: cfg.S3Listen, AccessKey: creds.AccessKey, SecretKey: creds.SecretKey})
		if err != nil {
			return nil, fmt.Errorf("embedded S3 on %s: %w", cfg.S3Listen, err)
		}
		s3cfg.Endpoint, s3cfg.AccessKey, s3cfg.SecretKey = p.s3.Endpoint(), creds.AccessKey, creds.SecretKey
	}
	store, err := blob.Open(ctx, s3cfg)
	if err != nil {
		return nil, err
	}
	as, err := dialAs(home, natsserver.CLIUser, cfg.Log)
	if err != nil {
		return nil, err
	}
	admin, err := bus.Connect(ctx, natsURL, "ring", as...)
	if err != nil {
		return nil, err
	}
	err = admin.EnsureTopology(ctx)
	admin.Close()
	if err != nil {
		return nil, fmt.Errorf("declare streams: %w", err)
	}
	p.Endpoints = Endpoints{NATS: natsURL, S3: s3cfg.Endpoint, Bucket: store.Bucket(), PID: os.Getpid(), Services: names}
	if slices.Contains(names, gateway.Name) && cfg.Gateway.Listener == nil {
		// Listen before any service starts: a port in use fails ring up at
		// once, and port 0's address is known for endpoints.json.
		// No address given: the default one, or any free port if another
		// process has it (ring status and endpoints.json say which).
		addr := cmp.Or(cfg.Gateway.HTTP, gateway.DefaultHTTP)
		ln, err := net.Listen("tcp", addr)
		if err != nil && cfg.Gateway.HTTP == "" && errors.Is(err, syscall.EADDRINUSE) {
			ln, err = net.Listen("tcp", "127.0.0.1:0")
		}
		if err != nil {
			return nil, fmt.Errorf("gateway: listen on %s: %w (another process has the port? give --http 127.0.0.1:0 for any free port)", addr, err)
		}
		cfg.Gateway.Listener = ln
		p.Endpoints.HTTP = "http://" + ln.Addr().String()
	}
	if err := p.startTelemetry(ctx, cfg, natsURL, store, as); err != nil {
		return nil, err
	}

	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.cancel = cancel
	all := factories(cfg)
	for _, name := range names {
		as, err := dialAs(home, name, cfg.Log)
		if err != nil {
			p.Stop()
			return nil, err
		}
		conn, err := bus.Connect(ctx, natsURL, name, as...)
		if err != nil {
			p.Stop()
			return nil, err
		}
		deps := service.Deps{Bus: conn, Blob: store, Log: cfg.Log, WorkDir: filepath.Join(home, "work", name), KeyDir: filepath.Join(home, "keys"),
			Metrics: p.Metrics, Health: p.Health}
		if err := os.MkdirAll(deps.WorkDir, 0o700); err != nil {
			conn.Close()
			p.Stop()
			return nil, err
		}
		def, err := all[name](ctx, deps)
		if err != nil {
			conn.Close()
			p.Stop()
			return nil, fmt.Errorf("service %s: %w", name, err)
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer conn.Close()
			if err := service.Run(sctx, deps, def, service.Options{Concurrency: cfg.Concurrency}); err != nil {
				p.errs <- fmt.Errorf("service %s: %w", name, err)
			}
		}()
	}
	if err := WriteEndpoints(home, p.Endpoints); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// Errors delivers a service that stopped with an error.
func (p *Platform) Errors() <-chan error { return p.errs }

// Stop stops every service gracefully, then the embedded servers.
func (p *Platform) Stop() {
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
	RemoveEndpoints(p.home)
	p.shutdownServers()
}

func (p *Platform) shutdownServers() {
	if p.telemetry != nil {
		p.telemetry.Close()
		p.telemetry = nil
	}
	if p.probe != nil {
		p.probe.Close()
		p.probe = nil
	}
	if p.s3 != nil {
		_ = p.s3.Close() // a second Close only says ErrClosed
		p.s3 = nil
	}
	if p.nats != nil {
		p.nats.Shutdown()
		p.nats = nil
	}
}
