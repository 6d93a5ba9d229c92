package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"ringmaster.dev/gateway"
	"ringmaster.dev/kit/command"
)

func newAudit(g *globals) *cobra.Command {
	req := command.Request{Verb: command.Audit}
	var output string
	cmd := &cobra.Command{
		Use:   "audit [--user U] [--since 1h] [--decision allow|deny|refused]",
		Short: "Who asked what through chat-ops, forge comments and the REST API, and what was decided",
		Long: `Every chat-ops, /ring comment and REST request is an audit.recorded fact:
who (platform, team, user, the name the identity mapping gives), from where
(room, address), the command, and the decision — allow, deny (by which rule
of the authorization policy) or refused (unverified, replayed, malformed).
ring audit reads them from the FACTS stream (kept 7 days).`,
		Example: `  ring audit
  ring audit --user alice --since 24h
  ring audit --decision deny --since 7d --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			if err := req.Check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			conn, err := g.connect(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			entries, err := gateway.ReadAudit(ctx, conn, req)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if output == "json" {
				if entries == nil {
					entries = []gateway.AuditEntry{}
				}
				return writeJSONTo(out, entries)
			}
			if len(entries) == 0 {
				fmt.Fprintf(out, "no requests recorded in the last %s\n", req.Since)
				return nil
			}
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			defer w.Flush()
			fmt.Fprintln(w, "TIME\tWHO\tFROM\tCOMMAND\tDECISION\tRULE\tRUN")
			for _, e := range entries {
				who := e.Name
				if who == "" {
					who = e.User
				}
				fmt.Fprintf(w, "%s\t%s:%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Local().Format("01-02 15:04:05"), e.Platform, who, orDash(e.Room),
					cutCommand(e.Command), e.Decision, orDash(e.Rule), orDash(shortRun(e.Run)))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&req.User, "user", "", "only this user (platform id or mapped name)")
	cmd.Flags().StringVar(&req.Since, "since", "1h", "how far back: 30m, 1h, 7d")
	cmd.Flags().StringVar(&req.Decision, "decision", "", "only allow, deny or refused")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}

func cutCommand(s string) string {
	if len(s) > 60 {
		return s[:59] + "…"
	}
	return s
}

func shortRun(id string) string { return id[:min(8, len(id))] }
