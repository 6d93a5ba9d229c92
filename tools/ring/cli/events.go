package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"
	"ringmaster.dev/events"
)

func newEvents(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "events", Short: "Watch the events flowing through Ringmaster", Example: "  ring events tail\n  ring events tail --type command.failed"}
	var typ, run, output string
	tail := &cobra.Command{
		Use:   "tail",
		Short: "Print commands, facts and dead letters live as they are published",
		Example: `  ring events tail
  ring events tail --type build.failed
  ring events tail --run 3f2a… --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return fmt.Errorf("--output %q: want text or json", output)
			}
			if typ != "" {
				if _, ok := events.ByName(strings.TrimPrefix(typ, events.Prefix+".")); !ok {
					if _, err := events.Lookup(typ); err != nil {
						return fmt.Errorf("--type %q: not an event of the catalog (see docs/events.md), e.g. build.failed", typ)
					}
				}
			}
			ctx := cmd.Context()
			conn, err := g.connect(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			out := cmd.OutOrStdout()
			msgs := make(chan *nats.Msg, 1024)
			sub, err := conn.NC.ChanSubscribe(events.Prefix+".>", msgs)
			if err != nil {
				return err
			}
			defer func() { _ = sub.Unsubscribe() }()
			// Once the server has the subscription, say so (on stderr, also
			// with --output json): a script can wait for this line and know
			// that nothing published after it is missed.
			if err := conn.NC.FlushTimeout(5 * time.Second); err != nil {
				return fmt.Errorf("subscribe: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "watching %s.> on %s (Ctrl-C stops)\n", events.Prefix, g.natsURL())
			for {
				select {
				case <-ctx.Done():
					return nil
				case m := <-msgs:
					printEvent(out, m, typ, run, output)
				}
			}
		},
	}
	tail.Flags().StringVar(&typ, "type", "", "only this event (name like build.failed, or a full type)")
	tail.Flags().StringVar(&run, "run", "", "only events of this run id")
	tail.Flags().StringVarP(&output, "output", "o", "text", "text or json (one JSON object a line)")
	cmd.AddCommand(tail)
	return cmd
}

func printEvent(out io.Writer, m *nats.Msg, typ, run, output string) {
	env, err := events.FromHeaders(events.Header(m.Header), m.Data, 0)
	if typ != "" && env.Type != typ && !strings.HasPrefix(env.Type, events.Prefix+"."+typ+".v") {
		return
	}
	if run != "" && env.RunID != run {
		return
	}
	if output == "json" {
		line, _ := json.Marshal(map[string]any{"subject": m.Subject, "id": env.ID, "type": env.Type, "source": env.Source,
			"time": env.Time, "runid": env.RunID, "data": json.RawMessage(orNull(m.Data))})
		fmt.Fprintln(out, string(line))
		return
	}
	if err != nil && !strings.HasPrefix(m.Subject, events.Prefix+".dlq.") {
		fmt.Fprintf(out, "%s  %-14s %s  (not an event: %v)\n", time.Now().Format("15:04:05.000"), "?", m.Subject, err)
		return
	}
	kind := "fact"
	switch {
	case strings.HasPrefix(m.Subject, events.Prefix+".cmd."):
		kind = "command"
	case strings.HasPrefix(m.Subject, events.Prefix+".dlq."):
		kind = "DEAD LETTER"
	}
	short := env.RunID
	if len(short) > 8 {
		short = short[:8]
	}
	body := string(m.Data)
	if len(body) > 160 {
		body = body[:157] + "..."
	}
	fmt.Fprintf(out, "%s  %-11s %-14s run %-8s  %s  %s\n", env.Time.Local().Format("15:04:05.000"), kind, env.Source, short, env.Type, body)
}

func orNull(b []byte) []byte {
	if json.Valid(b) {
		return b
	}
	q, _ := json.Marshal(string(b))
	return q
}
