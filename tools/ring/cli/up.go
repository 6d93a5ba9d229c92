package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	builder "ringmaster.dev/builder"
	"ringmaster.dev/events"
	"ringmaster.dev/gateway"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/image"
	provisioner "ringmaster.dev/provisioner"
	"ringmaster.dev/ring/platform"
)

func newUp(g *globals) *cobra.Command {
	var (
		natsListen, s3Listen, s3URL string
		httpListen, publicURL       string
		metricsListen               string
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
/healthz and /readyz (docs/metrics.md). Ctrl-C stops everything cleanly;
in-flight commands finish or are handed back.`,
		Example: `  ring up
  ring up --demo                                   # and show a round trip through every service
  ring up --http 0.0.0.0:8080 --public-url https://ring.example.org   # webhooks from forges elsewhere
  ring up --sweep-every 24h --sweep-stack demo     # a compatibility sweep of demo every day
  ring up --services none                          # NATS and S3 only; the services run elsewhere
  ring up --services builder,repo-publisher        # two services here, the rest elsewhere
  RING_HOME=/tmp/ring ring up --nats-listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 --metrics 127.0.0.1:0
  RING_S3_ACCESS_KEY=… RING_S3_SECRET_KEY=… ring up --nats nats://10.0.0.5:4222 --s3 http://10.0.0.5:9000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			log, err := g.logger()
			if err != nil {
				return err
			}
			home, err := platform.Home()
			if err != nil {
				return err
			}
			cfg := platform.Config{Home: home, NATSURL: g.nats, NATSListen: natsListen, S3Listen: s3Listen, Concurrency: concurrency, Log: log, Services: services,
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
			if sweepEvery > 0 {
				go scheduleSweeps(ctx, log, p.Endpoints.NATS, sweepStacks, sweepEvery)
				fmt.Fprintf(cmd.OutOrStdout(), "Compatibility sweeps of %s every %s (ring sweep show).\n", strings.Join(sweepStacks, ", "), sweepEvery)
			}
			if demo {
				if err := runDemo(ctx, cmd.OutOrStdout(), g, p.Endpoints.NATS); err != nil {
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
	cmd.Flags().StringVar(&s3Listen, "s3-listen", "127.0.0.1:9000", "address of the embedded S3 server (port 0: any free port)")
	cmd.Flags().StringVar(&httpListen, "http", config.Env(gateway.EnvHTTP, ""), "address of the gateway's HTTP server: webhooks, run pages (default "+gateway.DefaultHTTP+", or any free port when that is taken; port 0: any free port; env "+gateway.EnvHTTP+")")
	cmd.Flags().StringVar(&publicURL, "public-url", config.Env(gateway.EnvPublicURL, ""), "base URL forges and people reach the gateway at, for links in commit statuses (env "+gateway.EnvPublicURL+"; default http://<--http>)")
	cmd.Flags().StringVar(&s3URL, "s3", "", "use this external S3 endpoint instead of the embedded one (credentials from env)")
	cmd.Flags().StringVar(&metricsListen, "metrics", platform.DefaultMetricsListen, "serve Prometheus /metrics of every service here, with /healthz and /readyz (port 0: any free port; '': none)")
	cmd.Flags().IntVar(&concurrency, "concurrency", 2, "commands each service handles at once")
	cmd.Flags().StringSliceVar(&services, "services", nil, "services to run in this process, comma-separated, or none (default: all of "+strings.Join(platform.ServiceNames, ", ")+")")
	cmd.Flags().DurationVar(&sweepEvery, "sweep-every", 0, "ask for a compatibility sweep of each --sweep-stack this often (0: never)")
	cmd.Flags().StringArrayVar(&sweepStacks, "sweep-stack", []string{"demo"}, "stack the scheduled sweeps cover (repeatable)")
	cmd.Flags().BoolVar(&demo, "demo", false, "the main job: ping every service, build and publish the demo stack, create a 3-node cluster from it and run the smoke suites")
	return cmd
}

func printEndpoints(cmd *cobra.Command, home string, cfg platform.Config, p *platform.Platform, took time.Duration) {
	out := cmd.OutOrStdout()
	names := p.Endpoints.Services
	natsNote, s3Note := "external", "external"
	if cfg.NATSURL == "" {
		natsNote = "embedded, JetStream data in " + filepath.Join(home, "nats")
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

// runDemo is `make run`, the main job: every service answers a ping; then
// (with Docker) the demo stack — Redis and ZooKeeper from their upstream
// tarballs — is built in containers and published as a signed repository,
// a 3-node cluster is created from it with apt-get, the smoke suites run
// against it and the report says how to go on.
func runDemo(ctx context.Context, out io.Writer, g *globals, natsURL string) error {
	fmt.Fprintln(out, "\n== 1. a ping through every service")
	if err := pingAll(ctx, out, natsURL, 10*time.Second); err != nil {
		return err
	}
	dc, err := image.Connect(ctx)
	if err != nil {
		fmt.Fprintf(out, "\n(skipping the main job: %v)\n", err)
		return nil
	}
	dc.Close()
	fmt.Fprintln(out, "\n== 2. the demo stack built from upstream sources in containers, published as a signed repository")
	fmt.Fprintln(out, "   (the first run builds the toolchain images and compiles Redis and ZooKeeper: a few minutes; then seconds)")
	if err := runBuild(ctx, out, g, &events.BuildRequested{Stack: "demo", Channel: "nightly"}, 45*time.Minute); err != nil {
		fmt.Fprintf(out, "the build failed: %v (the platform keeps running)\n", err)
		return nil
	}
	const name = "demo"
	if p, err := provider(ctx); err == nil {
		if _, err := p.Get(ctx, name); err == nil {
			fmt.Fprintf(out, "\n(removing the cluster %q of an earlier run)\n", name)
			if err := p.Destroy(ctx, name); err != nil {
				return err
			}
		}
	}
	fmt.Fprintln(out, "\n== 3. a 3-node cluster: policy check, nodes, apt-get from the signed repository, configuration, probes")
	if err := runCreate(ctx, out, g, &events.ClusterCreateRequested{Name: name, Stack: "demo", Nodes: 3}, 15*time.Minute); err != nil {
		fmt.Fprintf(out, "the cluster failed: %v (the platform keeps running)\n", err)
		return nil
	}
	fmt.Fprintln(out, "\n== 4. smoke suites")
	testErr := runTests(ctx, out, g, &events.TestRunRequested{Cluster: name}, "", 15*time.Minute)
	fmt.Fprintln(out, "\n== report")
	if testErr != nil {
		fmt.Fprintf(out, "the smoke suites FAILED (%v): ring cluster logs %s NODE shows a node's logs\n", testErr, name)
	} else {
		fmt.Fprintln(out, "built, published, installed with apt-get, configured, probed and tested: all green")
	}
	fmt.Fprintf(out, "the cluster stays up while ring up runs:\n  ring cluster list\n  ring cluster exec %s node2 -- redis-cli info replication\n  ring test run %s\n  ring cluster destroy %s\n", name, name, name)
	return nil
}
