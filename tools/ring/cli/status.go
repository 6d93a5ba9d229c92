package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/presence"
	"ringmaster.dev/ring/platform"
)

func newStatus(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "status",
		Short:   "Show live services, stream depths and dead letters, and where metrics are",
		Example: "  ring status\n  ring status --nats nats://127.0.0.1:4222",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			conn, err := g.connect(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			out := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			defer out.Flush()
			fmt.Fprintf(out, "NATS %s\n", g.natsURL())
			if home, err := platform.Home(); err == nil {
				if e, err := platform.ReadEndpoints(home); err == nil && e.HTTP != "" {
					fmt.Fprintf(out, "HTTP %s  (gateway: POST /hooks/<stack>, /chat/slack, /chat/mattermost, /api/v1, GET /runs/<id>)\n", e.HTTP)
				}
			}
			printTelemetry(ctx, out, g)
			fmt.Fprint(out, "\nSERVICE\tINSTANCE\tHOST\tPID\tUP\tSEEN\tHANDLED\tRETRIED\tDEAD\tIN FLIGHT\tSERVES\n")
			recs, err := presence.List(ctx, conn.JS)
			if err != nil {
				return err
			}
			alive := map[string]bool{}
			for _, r := range recs {
				alive[r.Service] = true
				serves := "-"
				if len(r.Routes) > 0 {
					serves = strings.Join(r.Routes, ",")
				}
				fmt.Fprintf(out, "%s\t%s\t%s\t%d\t%s\t%s ago\t%d\t%d\t%d\t%d\t%s\n", r.Service, r.Instance, r.Host, r.PID,
					time.Since(r.Started).Round(time.Second), time.Since(r.Seen).Round(100*time.Millisecond),
					r.Counters.Succeeded, r.Counters.Retried, r.Counters.DeadLettered, r.Counters.InFlight, serves)
			}
			for _, svc := range events.Services {
				if !alive[svc] {
					fmt.Fprintf(out, "%s\t-\t-\t-\t-\tdown\t\t\t\t\n", svc)
				}
			}
			fmt.Fprint(out, "\nSTREAM\tMESSAGES\tBYTES\tWAITING\tIN FLIGHT\tREDELIVERED\n")
			for _, cfg := range bus.StreamConfigs() {
				s, err := conn.JS.Stream(ctx, cfg.Name)
				if err != nil {
					fmt.Fprintf(out, "%s\tmissing (start `ring up`)\n", cfg.Name)
					continue
				}
				info, err := s.Info(ctx)
				if err != nil {
					return err
				}
				waiting, inflight, redelivered := "-", "-", "-"
				if cfg.Name != events.FactStream && cfg.Name != events.DeadLetterStream {
					for name := range s.ConsumerNames(ctx).Name() {
						c, err := s.Consumer(ctx, name)
						if err != nil {
							continue
						}
						ci := c.CachedInfo()
						waiting, inflight, redelivered = fmt.Sprint(ci.NumPending), fmt.Sprint(ci.NumAckPending), fmt.Sprint(ci.NumRedelivered)
					}
				}
				fmt.Fprintf(out, "%s\t%d\t%d\t%s\t%s\t%s\n", cfg.Name, info.State.Msgs, info.State.Bytes, waiting, inflight, redelivered)
			}
			return nil
		},
	}
}

// printTelemetry shows where the ring up of this NATS serves its metrics
// and what its /readyz says, when it serves them.
func printTelemetry(ctx context.Context, out io.Writer, g *globals) {
	home, err := platform.Home()
	if err != nil {
		return
	}
	e, err := platform.ReadEndpoints(home)
	if err != nil || e.Metrics == "" || e.NATS != g.natsURL() {
		return
	}
	fmt.Fprintf(out, "Metrics %s\n", e.Metrics)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	body, ok, err := probe(ctx, strings.TrimSuffix(e.Metrics, "/metrics")+"/readyz")
	switch {
	case err != nil:
		fmt.Fprintf(out, "Ready   unknown: %v\n", err)
	case ok:
		fmt.Fprintf(out, "Ready   yes (%s)\n", checkNames(body))
	default:
		fmt.Fprintf(out, "Ready   NO\n%s", body)
	}
}

// checkNames lists the checks that passed in a /readyz body: "nats, s3".
func checkNames(body string) string {
	var names []string
	for _, l := range strings.Split(body, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "[+]" {
			names = append(names, f[1])
		}
	}
	return strings.Join(names, ", ")
}
