package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"ringmaster.dev/events"
)

func newDLQ(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "Inspect, retry and purge dead letters",
		Long: `Messages a service could not handle land in the DLQ stream with the reason,
the number of attempts, the service and their original headers.`,
		Example: "  ring dlq list\n  ring dlq show 12\n  ring dlq retry 12\n  ring dlq purge --service builder",
	}
	list := &cobra.Command{
		Use: "list", Short: "List dead letters, oldest first", Example: "  ring dlq list", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			conn, err := g.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer conn.Close()
			dls, err := conn.DeadLetters(cmd.Context())
			if err != nil {
				return err
			}
			if len(dls) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no dead letters")
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			defer w.Flush()
			fmt.Fprintln(w, "SEQ\tTIME\tSERVICE\tTYPE\tATTEMPTS\tRUN\tREASON")
			for _, d := range dls {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", d.Seq, d.Time.Local().Format("01-02 15:04:05"), d.Service, d.Type, d.Attempts, d.RunID, d.Reason)
			}
			return nil
		},
	}
	show := &cobra.Command{
		Use: "show SEQ", Short: "Show one dead letter with its headers and body", Example: "  ring dlq show 12", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			seq, err := parseSeq(args[0])
			if err != nil {
				return err
			}
			conn, err := g.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer conn.Close()
			d, err := conn.DeadLetter(cmd.Context(), seq)
			if err != nil {
				return err
			}
			b, _ := json.MarshalIndent(struct {
				Seq      uint64              `json:"seq"`
				Service  string              `json:"service"`
				Reason   string              `json:"reason"`
				Attempts int                 `json:"attempts"`
				Subject  string              `json:"subject"`
				Headers  map[string][]string `json:"headers"`
				Body     json.RawMessage     `json:"body"`
			}{d.Seq, d.Service, d.Reason, d.Attempts, d.Subject, d.Header, orNull(d.Data)}, "", "  ")
			fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return nil
		},
	}
	retry := &cobra.Command{
		Use: "retry SEQ…", Short: "Put dead letters back on their original subject", Example: "  ring dlq retry 12 13", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			conn, err := g.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer conn.Close()
			for _, a := range args {
				seq, err := parseSeq(a)
				if err != nil {
					return err
				}
				if err := conn.RetryDeadLetter(cmd.Context(), seq); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "dead letter %d retried\n", seq)
			}
			return nil
		},
	}
	var svc string
	purge := &cobra.Command{
		Use: "purge", Short: "Delete dead letters (all, or one service's)", Example: "  ring dlq purge\n  ring dlq purge --service builder", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if svc != "" && !known(svc) {
				return fmt.Errorf("--service %q: not a service; one of %v", svc, events.Services)
			}
			conn, err := g.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer conn.Close()
			n, err := conn.PurgeDeadLetters(cmd.Context(), svc)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d dead letters purged\n", n)
			return nil
		},
	}
	purge.Flags().StringVar(&svc, "service", "", "only this service's dead letters")
	cmd.AddCommand(list, show, retry, purge)
	return cmd
}

func parseSeq(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a dead-letter sequence number (see the SEQ column of `ring dlq list`)", s)
	}
	return n, nil
}

func known(svc string) bool {
	for _, s := range events.Services {
		if s == svc {
			return true
		}
	}
	return false
}
