package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	builder "ringmaster.dev/builder"
	"ringmaster.dev/gateway"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/natsauth"
	provisioner "ringmaster.dev/provisioner"
	"ringmaster.dev/ring/platform"
)

func newUp(g *globals) *cobra.Command {
	var (
		natsListen, s3Listen, s3URL string
		natsTLS                     bool
		httpListen, publicURL       string
		metricsListen, logFile      string
		concurrency                 int
		demo                        bool
		sweepEvery                  time.Duration
		sweepStacks, services       []string
	)
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run the whole platform in one process: NATS, S3 and every service",
		Long: `Run embedded NATS (JetStream, file storage) and an embedded S3-compatible
server keeping objects under $RING_HOME (default ~/.local/share/ringmaster),
and every service in this process. --nats and --s3 use external servers
instead (S3 credentials from RING_S3_ACCESS_KEY and RING_S3_SECRET_KEY, or
the file RING_S3_CREDENTIALS names). --services runs some services here and
leaves the others to other processes or containers; --services none runs the
servers alone (infra/compose/compose.yaml runs each service in its own
container that way). Prometheus metrics of every service in the process,
stream depths and consumer lag are served at --metrics /metrics, with
/healthz and /readyz (docs/metrics.md); the gateway's webhooks and run
pages at --http. Ctrl-C stops everything cleanly; in-flight commands finish
or are handed back.

Service logs go to stderr, or to --log-file; with --demo they go to a new
file under $RING_HOME/logs (named at start), so that the main job's
progress is all the terminal shows.`,
		Example: `  ring up
  ring up --demo                                   # the main job: build, publish, cluster, tests, report
  ring up --http 0.0.0.0:8080 --public-url https://ring.example.org   # webhooks from forges elsewhere
  ring up --log-file /var/log/ringmaster.log       # service logs into a file
  ring up --sweep-every 24h --sweep-stack demo     # a compatibility sweep of demo every day
  ring up --services none                          # NATS and S3 only; the services run elsewhere
  ring up --nats-tls                               # the embedded NATS over TLS (the project's CA)
  ring up --services builder,repo-publisher        # two services here, the rest elsewhere
  RING_HOME=/tmp/ring ring up --nats-listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 --metrics 127.0.0.1:0
  RING_S3_ACCESS_KEY=… RING_S3_SECRET_KEY=… ring up --nats nats://10.0.0.5:4222 --s3 http://10.0.0.5:9000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			home, err := platform.Home()
			if err != nil {
				return err
			}
			switch {
			case logFile == "" && demo:
				logFile = filepath.Join(home, "logs", "ring-up-"+time.Now().Format("20060102-150405")+".log")
			case logFile != "" && logFile != "-":
				logFile = config.Abs(logFile)
			}
			log, closeLog, err := g.fileLogger(logFile)
			if err != nil {
				return err
			}
			defer closeLog()
			cfg := platform.Config{Home: home, NATSURL: g.nats, NATSListen: natsListen, NATSTLS: natsTLS, S3Listen: s3Listen, Concurrency: concurrency, Log: log, Services: services,
				Builder: builder.OptionsFromEnv(), Provisioner: provisioner.OptionsFromEnv(), MetricsListen: metricsListen,
				Gateway: gateway.Options{HTTP: httpListen, PublicURL: publicURL}}
			if s3URL != "" {
				cfg.S3 = blob.ConfigFromEnv()
				cfg.S3.Endpoint = s3URL
			}
			t0 := time.Now()
			p, err := platform.Start(ctx, cfg)
			if err != nil {
				return err
			}
			defer p.Stop()
			printEndpoints(cmd, home, cfg, p, time.Since(t0))
			if logFile != "" && logFile != "-" {
				fmt.Fprintf(cmd.OutOrStdout(), "Service logs go to %s\n", logFile)
			}
			if sweepEvery > 0 {
				go scheduleSweeps(ctx, log, p.Endpoints.NATS, sweepStacks, sweepEvery)
				fmt.Fprintf(cmd.OutOrStdout(), "Compatibility sweeps of %s every %s (ring sweep show).\n", strings.Join(sweepStacks, ", "), sweepEvery)
			}
			if demo {
				if err := runDemo(ctx, cmd.OutOrStdout(), g, p.Endpoints.NATS, logFile); err != nil {
					return err
				}
			}
			select {
			case <-ctx.Done():
				fmt.Fprintln(cmd.OutOrStdout(), "\nstopping: letting in-flight work finish…")
			case err := <-p.Errors():
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&natsListen, "nats-listen", "127.0.0.1:4222", "address of the embedded NATS server (port 0: any free port)")
	cmd.Flags().BoolVar(&natsTLS, "nats-tls", false, "the embedded NATS server speaks TLS only, with a certificate of the project's own CA in $RING_HOME/nats-tls (clients find the CA in their credentials files)")
	cmd.Flags().StringVar(&s3Listen, "s3-listen", "127.0.0.1:9000", "address of the embedded S3 server (port 0: any free port)")
	cmd.Flags().StringVar(&httpListen, "http", config.Env(gateway.EnvHTTP, ""), "address of the gateway's HTTP server: webhooks, run pages (default "+gateway.DefaultHTTP+", or any free port when that is taken; port 0: any free port; env "+gateway.EnvHTTP+")")
	cmd.Flags().StringVar(&publicURL, "public-url", config.Env(gateway.EnvPublicURL, ""), "base URL forges and people reach the gateway at, for links in commit statuses (env "+gateway.EnvPublicURL+"; default http://<--http>)")
	cmd.Flags().StringVar(&s3URL, "s3", "", "use this external S3 endpoint instead of the embedded one (credentials from env)")
	cmd.Flags().StringVar(&metricsListen, "metrics", platform.DefaultMetricsListen, "serve Prometheus /metrics of every service here, with /healthz and /readyz (port 0: any free port; '': none)")
	cmd.Flags().IntVar(&concurrency, "concurrency", 2, "commands each service handles at once")
	cmd.Flags().StringSliceVar(&services, "services", nil, "services to run in this process, comma-separated, or none (default: all of "+strings.Join(platform.ServiceNames, ", ")+")")
	cmd.Flags().DurationVar(&sweepEvery, "sweep-every", 0, "ask for a compatibility sweep of each --sweep-stack this often (0: never)")
	cmd.Flags().StringArrayVar(&sweepStacks, "sweep-stack", []string{"demo"}, "stack the scheduled sweeps cover (repeatable)")
	cmd.Flags().StringVar(&logFile, "log-file", "", "write service logs (JSON lines) to this file instead of stderr; - is stderr (default with --demo: $RING_HOME/logs/ring-up-TIME.log)")
	cmd.Flags().BoolVar(&demo, "demo", false, "the main job: ping every service, build and publish the demo stack, create a 3-node cluster from it and run the smoke suites")
	return cmd
}

func printEndpoints(cmd *cobra.Command, home string, cfg platform.Config, p *platform.Platform, took time.Duration) {
	out := cmd.OutOrStdout()
	names := p.Endpoints.Services
	natsNote, s3Note := "external", "external"
	if cfg.NATSURL == "" {
		natsNote = "embedded, JetStream data in " + filepath.Join(home, "nats") + ", a user per service and the CLI's in " + natsauth.Dir(home)
	}
	if cfg.S3.Endpoint == "" {
		s3Note = "embedded, objects in " + filepath.Join(home, "s3") + ", credentials in " + filepath.Join(home, "s3-credentials.json")
	}
	fmt.Fprintf(out, "Ringmaster is up in %s (pid %d)\n", took.Round(time.Millisecond), os.Getpid())
	fmt.Fprintf(out, "  NATS      %s  (%s)\n", p.Endpoints.NATS, natsNote)
	fmt.Fprintf(out, "  S3        %s  bucket %s  (%s)\n", p.Endpoints.S3, p.Endpoints.Bucket, s3Note)
	if p.Endpoints.HTTP != "" {
		fmt.Fprintf(out, "  HTTP      %s  (gateway: webhooks at /hooks/<stack>, runs at /runs/<id>)\n", p.Endpoints.HTTP)
	}
	if p.Endpoints.Metrics != "" {
		fmt.Fprintf(out, "  metrics   %s  (health: /healthz, /readyz)\n", p.Endpoints.Metrics)
	}
	if len(names) == 0 {
		fmt.Fprintln(out, "  services  none here (--services none): start them as processes or containers against these servers")
	} else {
		fmt.Fprintf(out, "  services  %s\n", strings.Join(names, ", "))
	}
	fmt.Fprintln(out, "Try, in another terminal:  ring ping | ring status | ring events tail")
	fmt.Fprintln(out, "Ctrl-C stops everything.")
}
