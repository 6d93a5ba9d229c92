// Package cli is the `ring` command tree.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/dockerhost"
	"ringmaster.dev/kit/logging"
	"ringmaster.dev/kit/natsauth"
	"ringmaster.dev/kit/natsserver"
	"ringmaster.dev/kit/service"
	"ringmaster.dev/ring/platform"
)

// globals are the flags every command shares.
type globals struct {
	nats     string
	logLevel string
	// server and tokenFile: the REST API instead of NATS (remote.go).
	server, tokenFile string
	// hosts: the Docker hosts of clusters (hosts.go), made when first needed.
	hosts *dockerhost.Fleet
}

// exitError carries a specific exit code; its message is already printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Execute runs the command line and returns the process exit code.
func Execute() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if server, tokenFile, words, ok := remoteArgs(os.Args[1:]); ok {
		return runRemote(ctx, os.Stdout, os.Stderr, server, tokenFile, words)
	}
	root := newRoot()
	if err := root.ExecuteContext(ctx); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		fmt.Fprintln(os.Stderr, "ring:", err)
		return 1
	}
	return 0
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "ring",
		Short: "Ringmaster: build, publish, provision and test a data-platform stack",
		Long: `Ringmaster builds components into DEB and RPM packages, publishes signed
repositories, assembles test clusters and runs their tests — as small
event-driven services on NATS JetStream and S3.`,
		Example: `  ring up                 # everything in one process (embedded NATS and S3)
  ring ping               # a round trip through every service
  ring events tail        # watch events live
  ring --server https://ring.example.org --token-file ~/.ring-token build fixture   # through the REST API`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.nats, "nats", os.Getenv(service.EnvNATS), "NATS URL (env "+service.EnvNATS+"; default: the one ring up runs)")
	root.PersistentFlags().StringVar(&g.server, "server", os.Getenv(EnvServer), "a gateway's URL: carry the verb out through its REST API instead of NATS (env "+EnvServer+"; needs --token-file)")
	root.PersistentFlags().StringVar(&g.tokenFile, "token-file", os.Getenv(EnvTokenFile), "file holding a REST token (ring token create) for --server (env "+EnvTokenFile+")")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", config.Env(service.EnvLogLevel, "info"), "log level: "+logging.Levels)
	root.AddCommand(newUp(g), newStatus(g), newEvents(g), newDLQ(g), newPing(g), newSource(g), newRepo(g), newImage(g), newMirror(g), newBuild(g), newPolicy(g), newCluster(g), newTest(g), newSweep(g), newRealm(g), newStack(g), newRuns(g), newHealth(), newDoctor(), newNATS(), newSeaweed(), newToken(g), newChat(g), newAudit(g), newVersion())
	return root
}

// natsURL is --nats, else the endpoint `ring up` recorded, else the default.
func (g *globals) natsURL() string {
	if g.nats != "" {
		return g.nats
	}
	if home, err := platform.Home(); err == nil {
		if e, err := platform.ReadEndpoints(home); err == nil && e.NATS != "" {
			return e.NATS
		}
	}
	return service.DefaultNATS
}

// dial connects to url as the CLI's NATS user: the credentials file
// RING_NATS_CREDS names, else the one `ring up` wrote into RING_HOME, else
// none (a server without authentication). source names the publisher.
func dial(ctx context.Context, url, source string) (*bus.Conn, error) {
	creds, ok, err := natsauth.Find(natsserver.CLIUser)
	if err != nil {
		return nil, err
	}
	if !ok {
		return bus.Connect(ctx, url, source)
	}
	return bus.Connect(ctx, url, source, bus.WithCredentials(creds))
}

func (g *globals) connect(ctx context.Context) (*bus.Conn, error) {
	c, err := dial(ctx, g.natsURL(), "ring")
	if err != nil {
		return nil, fmt.Errorf("%w\n(is `ring up` running? start it in another terminal, or pass --nats)", err)
	}
	return c, nil
}

func (g *globals) logger() (zerolog.Logger, error) { return logging.New(os.Stderr, g.logLevel) }

// fileLogger logs into path (created with its directory, appended to,
// mode 0600), or to stderr for "" and "-"; close closes the file.
func (g *globals) fileLogger(path string) (log zerolog.Logger, close func(), err error) {
	if path == "" || path == "-" {
		log, err = g.logger()
		return log, func() {}, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return log, nil, fmt.Errorf("--log-file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return log, nil, fmt.Errorf("--log-file: %w", err)
	}
	if log, err = logging.New(f, g.logLevel); err != nil {
		f.Close()
		return log, nil, err
	}
	return log, func() { _ = f.Close() }, nil
}
