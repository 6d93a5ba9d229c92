package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

func newPing(g *globals) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "ping",
		Short: "Send a ping command to every service and wait for each pong",
		Long: `Publish service.ping.requested on every service's command stream and wait for
the service.pong facts: a round trip through each service's stream, durable
consumer, worker and handler. Exits non-zero if a service does not answer.`,
		Example: "  ring ping\n  ring ping --timeout 30s",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return pingAll(cmd.Context(), cmd.OutOrStdout(), g.natsURL(), timeout)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "how long to wait for every pong")
	return cmd
}

func pingAll(ctx context.Context, out io.Writer, url string, timeout time.Duration) error {
	r, err := startRun(ctx, func(ctx context.Context) (*bus.Conn, error) { return dial(ctx, url, "ring") })
	if err != nil {
		return err
	}
	defer r.Close()
	sent := map[string]time.Time{}
	for _, svc := range events.Services {
		sent[svc] = time.Now()
		if err := r.send(ctx, &events.ServicePingRequested{Note: "ring ping"}, bus.WithService(svc)); err != nil {
			return err
		}
		fmt.Fprintf(out, "→ %-16s ringmaster.service.ping.requested.v1  run %s\n", svc, r.ID[:8])
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	scr, start := newScreen(out), time.Now()
	defer scr.show()
	got := map[string]bool{}
	for len(got) < len(sent) {
		select {
		case <-tick.C:
			if scr.tty && time.Since(start) >= 2*time.Second {
				scr.show(fmt.Sprintf("  … %d of %d answered, %s", len(got), len(sent), elapsed(time.Since(start))))
			}
		case env := <-r.Facts:
			if env.Type != "ringmaster.service.pong.v1" {
				continue
			}
			var pong events.ServicePong
			if json.Unmarshal(env.Data, &pong) != nil || got[pong.Service] {
				continue
			}
			got[pong.Service] = true
			scr.show()
			fmt.Fprintf(out, "← %-16s %s  instance %s  %s\n", pong.Service, env.Type, pong.Instance, time.Since(sent[pong.Service]).Round(10*time.Microsecond))
		case <-deadline.C:
			var missing []string
			for svc := range sent {
				if !got[svc] {
					missing = append(missing, svc)
				}
			}
			sort.Strings(missing)
			scr.show()
			fmt.Fprintf(out, "no answer within %s from: %v (is the service running? see `ring status`)\n", timeout, missing)
			return exitError{code: 1}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	fmt.Fprintf(out, "all %d services answered\n", len(got))
	return nil
}
