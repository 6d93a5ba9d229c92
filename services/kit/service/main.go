package service

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/health"
	"ringmaster.dev/kit/logging"
	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/kit/natsauth"
)

// Env var names shared by every service binary and `ring`.
const (
	EnvNATS        = "RING_NATS_URL"
	EnvLogLevel    = "RING_LOG_LEVEL"
	EnvConcurrency = "RING_CONCURRENCY"
	EnvWorkDir     = "RING_WORK_DIR"
	EnvAckWait     = "RING_ACK_WAIT"
	EnvKeyDir      = "RING_KEY_DIR"
	EnvMetrics     = "RING_METRICS_ADDR"
	DefaultNATS    = "nats://127.0.0.1:4222"
)

// Flags are the settings of a service process.
type Flags struct {
	NATS, LogLevel, WorkDir, KeyDir string
	// NATSCreds is the file of the service's NATS credentials
	// (kit/natsauth; "": none, the server lets anyone in).
	NATSCreds   string
	S3          blob.Config
	Concurrency int
	AckWait     time.Duration
	// Metrics is the address of /metrics, /healthz and /readyz ("": none).
	Metrics string
}

// Main runs one service alone against external NATS and S3: flags, then
// RING_* environment variables, then defaults. SIGINT/SIGTERM stop it
// gracefully. It exits the process. extra registers the service's own flags
// (the gateway's --http); they are parsed before factory is called.
func Main(name string, factory Factory, extra ...func(*flag.FlagSet)) {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	for _, add := range extra {
		add(fs)
	}
	f := Flags{S3: blob.ConfigFromEnv()}
	fs.StringVar(&f.NATS, "nats", config.Env(EnvNATS, DefaultNATS), "NATS URL with JetStream (env "+EnvNATS+")")
	fs.StringVar(&f.NATSCreds, "nats-creds", config.Env(natsauth.EnvCredentials, defaultCreds(name)), "file of the service's NATS user and password, 0400 (env "+natsauth.EnvCredentials+"; default: RING_HOME/nats-users/"+name+".json if ring up made it)")
	fs.StringVar(&f.S3.Endpoint, "s3", f.S3.Endpoint, "S3 endpoint URL (env "+blob.EnvURL+"; credentials from "+blob.EnvAccessKey+" and "+blob.EnvSecretKey+")")
	fs.StringVar(&f.S3.Bucket, "bucket", f.S3.Bucket, "S3 bucket (env "+blob.EnvBucket+")")
	fs.StringVar(&f.LogLevel, "log-level", config.Env(EnvLogLevel, "info"), "log level: "+logging.Levels+" (env "+EnvLogLevel+")")
	fs.IntVar(&f.Concurrency, "concurrency", envInt(EnvConcurrency, runtime.NumCPU()), "commands handled at once (env "+EnvConcurrency+")")
	fs.DurationVar(&f.AckWait, "ack-wait", envDuration(EnvAckWait, 30*time.Second), "redeliver a command when its handler sends no heartbeat for this long (env "+EnvAckWait+")")
	fs.StringVar(&f.WorkDir, "work-dir", config.Env(EnvWorkDir, filepath.Join(os.TempDir(), "ringmaster-"+name)), "scratch directory (env "+EnvWorkDir+")")
	fs.StringVar(&f.KeyDir, "key-dir", config.Env(EnvKeyDir, defaultKeyDir()), "directory of secrets such as the signing key, files 0400 (env "+EnvKeyDir+")")
	fs.StringVar(&f.Metrics, "metrics", os.Getenv(EnvMetrics), "serve /metrics, /healthz and /readyz on this address, e.g. 127.0.0.1:9471 (port 0: any free port; default: none) (env "+EnvMetrics+")")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s — the Ringmaster %s service, alone against external NATS and S3.\n\nUsage:\n  %s [flags]\n\nExample:\n  RING_S3_ACCESS_KEY=… RING_S3_SECRET_KEY=… %s --nats nats://127.0.0.1:4222 --nats-creds $RING_HOME/nats-users/%s.json --s3 http://127.0.0.1:9000 --metrics 127.0.0.1:9471\n\nFlags:\n", name, name, name, name, name)
		fs.PrintDefaults()
	}
	_ = fs.Parse(os.Args[1:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := RunAlone(ctx, name, factory, f); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// RunAlone connects to NATS and S3 as f says and runs the service until ctx ends.
func RunAlone(ctx context.Context, name string, factory Factory, f Flags) error {
	log, err := logging.New(os.Stderr, f.LogLevel)
	if err != nil {
		return err
	}
	as := []bus.Option{bus.WithLog(log)}
	if f.NATSCreds != "" {
		creds, err := natsauth.Read(config.Abs(f.NATSCreds))
		if err != nil {
			return fmt.Errorf("%w (--nats-creds)", err)
		}
		as = append(as, bus.WithCredentials(creds))
	}
	conn, err := bus.Connect(ctx, f.NATS, name, as...)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.EnsureTopology(ctx); err != nil {
		return err
	}
	store, err := blob.Open(ctx, f.S3)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.WorkDir, 0o700); err != nil {
		return fmt.Errorf("work dir: %w", err)
	}
	deps := Deps{Bus: conn, Blob: store, Log: log, WorkDir: f.WorkDir, KeyDir: f.KeyDir,
		Metrics: metrics.New(), Health: &health.Checks{}}
	deps.Health.Add("nats", health.NATS(conn))
	deps.Health.Add("s3", health.S3(store))
	if err := deps.Metrics.Register(metrics.NewStreams(conn.JS, name)); err != nil {
		return err
	}
	def, err := factory(ctx, deps)
	if err != nil {
		return err
	}
	if f.Metrics != "" {
		srv, err := ServeTelemetry(f.Metrics, Telemetry(deps.Metrics, deps.Health), log)
		if err != nil {
			return err
		}
		defer srv.Close()
		log.Info().Str("url", srv.URL()+"/metrics").Msg("metrics, /healthz and /readyz")
	}
	return Run(ctx, deps, def, Options{Concurrency: f.Concurrency, AckWait: f.AckWait})
}

func envInt(k string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 0 {
		return n
	}
	return def
}

func envDuration(k string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(k)); err == nil && d > 0 {
		return d
	}
	return def
}

// defaultCreds is the service's credentials file `ring up` writes into
// RING_HOME, if it exists.
func defaultCreds(name string) string {
	home, err := config.Home()
	if err != nil {
		return ""
	}
	p := natsauth.Path(home, name)
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// defaultKeyDir is where `ring up` keeps keys: $RING_HOME/keys.
func defaultKeyDir() string {
	home, err := config.Home()
	if err != nil {
		return "keys"
	}
	return filepath.Join(home, "keys")
}
