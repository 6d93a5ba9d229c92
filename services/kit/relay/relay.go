// Package relay serves a read-only slice of the blob store (the published
// repositories) over plain HTTP on one address — the host's address on a
// cluster's Docker network — so nodes install packages with stock apt-get
// from the signed repository while the S3 server itself stays on loopback.
package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/kit/blob"
)

// Store is the part of the blob store a relay reads.
type Store interface {
	Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error)
	Stat(ctx context.Context, key string) (blob.Info, error)
}

// Relay is a running relay.
type Relay struct {
	// URL is the relay's base URL, e.g. http://172.20.0.1:38211.
	URL string
	srv *http.Server
}

// Start listens on host (port chosen by the system) and serves GET and HEAD
// of prefix+<request path> from store until Close.
func Start(host, prefix string, store Store, log zerolog.Logger) (*Relay, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("relay on %s: %w", host, err)
	}
	h := &handler{prefix: prefix, store: store, log: log}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &Relay{URL: "http://" + ln.Addr().String(), srv: srv}, nil
}

// Close stops the relay.
func (r *Relay) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.srv.Shutdown(ctx)
}

type handler struct {
	prefix string
	store  Store
	log    zerolog.Logger
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "read-only", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	if strings.HasSuffix(p, "/") || p == "/" {
		http.NotFound(w, r)
		return
	}
	key := h.prefix + p[1:]
	if r.Method == http.MethodHead {
		info, err := h.store.Stat(r.Context(), key)
		if err != nil {
			h.fail(w, r, key, err)
			return
		}
		setHeaders(w, info)
		return
	}
	rc, info, err := h.store.Get(r.Context(), key)
	if err != nil {
		h.fail(w, r, key, err)
		return
	}
	defer rc.Close()
	setHeaders(w, info)
	if _, err := io.Copy(w, rc); err != nil {
		h.log.Debug().Err(err).Str("key", key).Msg("relay: copy interrupted")
	}
}

func setHeaders(w http.ResponseWriter, info blob.Info) {
	w.Header().Set("Content-Length", strconv.FormatInt(info.Size, 10))
	w.Header().Set("Content-Type", "application/octet-stream")
	if !info.LastModified.IsZero() {
		w.Header().Set("Last-Modified", info.LastModified.UTC().Format(http.TimeFormat))
	}
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request, key string, err error) {
	if errors.Is(err, blob.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	h.log.Warn().Err(err).Str("key", key).Msg("relay: read failed")
	http.Error(w, "store unavailable", http.StatusBadGateway)
}
