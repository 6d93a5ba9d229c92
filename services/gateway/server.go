package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"ringmaster.dev/kit/health"
)

// Handler is the gateway's HTTP API: webhooks, run records and the dashboard.
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hooks/{stack}", g.hook)
	g.chatopsRoutes(mux)
	// The dashboard: runs, a run's live matrix, compatibility, repositories,
	// clusters, dead letters.
	g.dashboard().Routes(mux)
	// The process's metrics and health, beside its own port's.
	mux.Handle("GET /metrics", g.Metrics.Handler())
	mux.Handle("GET /healthz", health.Live())
	mux.Handle("GET /readyz", g.Health.Handler())
	return g.recoverer(mux)
}

// Serve answers HTTP on the gateway's listener until ctx ends, then lets
// requests in flight finish for up to 5 seconds.
func (g *Gateway) Serve(ctx context.Context) error {
	srv := &http.Server{Handler: g.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 2 * time.Minute, IdleTimeout: time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(g.listener) }()
	g.Log.Info().Str("addr", g.Addr()).Msg("gateway listening")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(<-errc, http.ErrServerClosed) && err == nil {
		return nil
	}
	return err
}

// recoverer turns a handler's panic into a 500 that names no internals.
func (g *Gateway) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				g.Log.Error().Interface("panic", p).Str("path", r.URL.Path).Msg("handler panicked")
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
