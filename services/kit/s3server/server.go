package s3server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/versity/versitygw/auth"
	"github.com/versity/versitygw/backend/posix"
	"github.com/versity/versitygw/embedgw"
	"ringmaster.dev/kit/lockfile"
)

// startTimeout bounds how long Start waits for the gateway to answer.
const startTimeout = 5 * time.Second

// copyObjectThreshold is the largest CopyObject source accepted (the S3
// limit). The POSIX backend rejects every copy when this is left at zero.
const copyObjectThreshold = 5 << 30

// running guards the one-gateway-per-process limit of embedgw.
var running atomic.Bool

// Server is a running embedded S3 server.
type Server struct {
	endpoint string
	metadata string
	be       *posix.Posix
	cancel   context.CancelFunc
	done     chan struct{}
	runErr   error          // set before done is closed
	lock     *lockfile.Lock // held while serving (lockDir)
	once     sync.Once
}

// Start starts the gateway and returns once it answers HTTP requests (at most
// 5 s). The server runs until Close; cancelling ctx only aborts startup.
// See the package documentation for process-wide side effects.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	if !running.CompareAndSwap(false, true) {
		return nil, ErrAlreadyRunning
	}
	srv, err := start(ctx, cfg)
	if err != nil {
		running.Store(false)
		return nil, err
	}
	return srv, nil
}

func start(ctx context.Context, cfg Config) (*Server, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()

	if err := os.MkdirAll(cfg.dataDir(), 0o755); err != nil {
		return nil, fmt.Errorf("s3server: create data dir: %w", err)
	}
	lock, err := lockDir(cfg.Dir)
	if err != nil {
		return nil, err
	}
	ms, kind, err := metadataStore(cfg)
	if err != nil {
		_ = lock.Unlock()
		return nil, fmt.Errorf("s3server: %w", err)
	}
	// posix.New os.Chdir()s into the root; every path handed to it is absolute.
	be, err := posix.New(cfg.dataDir(), ms, posix.PosixOpts{
		CopyObjectThreshold: copyObjectThreshold,
		// The backend's shared lock file makes conditional writes atomic
		// across processes serving one directory, at an open and a flock
		// per PUT; lockDir already lets only one process serve it.
		ForceNoObjLockFile: true,
	})
	if err != nil {
		_ = lock.Unlock()
		return nil, fmt.Errorf("s3server: posix backend on %s: %w", cfg.dataDir(), err)
	}

	// A zero port is resolved here and bound by the gateway a moment later;
	// if another process takes it in between, try again with a new port.
	const attempts = 3
	for i := 1; ; i++ {
		srv, err := run(ctx, cfg, be)
		if err == nil {
			srv.metadata = kind
			srv.lock = lock
			return srv, nil
		}
		if i == attempts || !isBindError(err) || !strings.HasSuffix(cfg.Addr, ":0") || ctx.Err() != nil {
			be.Shutdown()
			_ = lock.Unlock()
			return nil, err
		}
	}
}

// run starts one gateway attempt on be and waits until it answers.
func run(ctx context.Context, cfg Config, be *posix.Posix) (*Server, error) {
	addr, err := resolveAddr(ctx, cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("s3server: %w", err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	s := &Server{
		endpoint: "http://" + endpointHost(addr),
		be:       be,
		cancel:   stop,
		done:     make(chan struct{}),
	}
	gw := &embedgw.Config{
		RootUserAccess: cfg.AccessKey,
		RootUserSecret: cfg.SecretKey,
		// Building the IAM service here keeps auth.New from printing its
		// "single account mode" line to stdout.
		IAMService: auth.NewIAMServiceSingle(auth.Account{
			Access: cfg.AccessKey,
			Secret: cfg.SecretKey,
			Role:   auth.RoleAdmin,
		}),
		Ports:             []string{addr},
		MaxConnections:    250,
		MaxRequests:       100,
		MultipartMaxParts: 10000,
		// Without keep-alive every request opens a TCP connection (a dial, an
		// accept, a new server goroutine): a third of a small PUT's cost.
		KeepAlive: true,
		Quiet:     true, // also suppresses the startup banner
	}
	go func() {
		defer close(s.done)
		s.runErr = embedgw.RunVersityGW(runCtx, nopShutdown{be}, gw)
	}()
	if err := waitReady(ctx, s.endpoint, s.done); err != nil {
		stop()
		<-s.done
		if s.runErr != nil {
			return nil, fmt.Errorf("s3server: gateway on %s: %w", addr, s.runErr)
		}
		return nil, fmt.Errorf("s3server: gateway on %s: %w", addr, err)
	}
	return s, nil
}

func isBindError(err error) bool {
	return err != nil && strings.Contains(err.Error(), "bind")
}

// Endpoint is the server's base URL, e.g. "http://127.0.0.1:41234".
func (s *Server) Endpoint() string { return s.endpoint }

// Metadata reports where object metadata is stored: "xattr" or "sidecar".
func (s *Server) Metadata() string { return s.metadata }

// Close stops the gateway, waits for in-flight requests (bounded by the
// gateway's own shutdown timeout) and releases the one-per-process slot.
func (s *Server) Close() error {
	err := ErrClosed
	s.once.Do(func() {
		s.cancel()
		<-s.done
		s.be.Shutdown()
		_ = s.lock.Unlock()
		running.Store(false)
		err = nil
		if s.runErr != nil && !errors.Is(s.runErr, context.Canceled) {
			err = fmt.Errorf("s3server: gateway stopped with: %w", s.runErr)
		}
	})
	return err
}
