package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/ring/platform"
)

func newHealth() *cobra.Command {
	var live bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "health [URL]",
		Short: "Ask a Ringmaster process whether it is ready (/readyz); exit 1 when not",
		Long: `GET /readyz of a Ringmaster process — ring up's, or a service's started with
--metrics — and print its answer: each check (nats, s3, docker) ok or failed.
Exits 0 when every check passes, 1 otherwise; --live asks /healthz (the
process is up) instead. Without URL: the process ring up recorded in
$RING_HOME/endpoints.json. The compose healthchecks run this.`,
		Example: `  ring health
  ring health http://127.0.0.1:9471          # the builder started with --metrics 127.0.0.1:9471
  ring health --live http://127.0.0.1:9470`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			base := ""
			if len(args) == 1 {
				base = args[0]
			} else if base = metricsBase(); base == "" {
				return fmt.Errorf("no URL given and no ring up with metrics recorded in $RING_HOME/endpoints.json (start ring up, or pass the URL of a --metrics address)")
			}
			path := "/readyz"
			if live {
				path = "/healthz"
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			body, ok, err := probe(ctx, strings.TrimSuffix(base, "/")+path)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), body)
			if !ok {
				return exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&live, "live", false, "ask /healthz (is the process up?) instead of /readyz")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "how long to wait for the answer")
	return cmd
}

// metricsBase is the base URL of the telemetry server ring up recorded, or "".
func metricsBase() string {
	home, err := platform.Home()
	if err != nil {
		return ""
	}
	e, err := platform.ReadEndpoints(home)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(e.Metrics, "/metrics")
}

// probe GETs a health URL: its body, and whether it answered 200.
func probe(ctx context.Context, url string) (string, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", false, fmt.Errorf("%s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", false, fmt.Errorf("%s: %w", url, err)
	}
	return string(b), resp.StatusCode == http.StatusOK, nil
}
