package service

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/kit/health"
	"ringmaster.dev/kit/metrics"
)

// Telemetry is the handler of a process's /metrics, /healthz and /readyz
// (and an index at /). Each piece is mountable alone as well:
// reg.Handler(), health.Live(), checks.Handler().
func Telemetry(reg *metrics.Registry, checks *health.Checks) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", reg.Handler())
	mux.Handle("GET /healthz", health.Live())
	mux.Handle("GET /readyz", checks.Handler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "Ringmaster\n  /metrics  Prometheus metrics (docs/metrics.md)\n  /healthz  the process is up\n  /readyz   NATS, S3 and Docker answer\n")
	})
	return mux
}

// TelemetryServer serves Telemetry on an address of its own.
type TelemetryServer struct {
	srv  *http.Server
	addr net.Addr
	done chan struct{}
}

// ServeTelemetry listens on addr (port 0: any free port) and serves h
// until Close.
func ServeTelemetry(addr string, h http.Handler, log zerolog.Logger) (*TelemetryServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics on %s: %w", addr, err)
	}
	s := &TelemetryServer{
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		addr: ln.Addr(),
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Str("addr", s.addr.String()).Msg("metrics server stopped")
		}
	}()
	return s, nil
}

// URL is the server's base URL, e.g. http://127.0.0.1:9470.
func (s *TelemetryServer) URL() string { return "http://" + s.addr.String() }

// Close stops the server, letting requests in progress finish for 5 s.
func (s *TelemetryServer) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	<-s.done
}
