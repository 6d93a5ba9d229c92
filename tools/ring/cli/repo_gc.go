package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/events"
	publisher "ringmaster.dev/repo-publisher"
)

func newRepoGC(g *globals) *cobra.Command {
	var channel string
	var grace, wait time.Duration
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "gc [--channel C] [--grace 1h] [--dry-run]",
		Short: "Delete repository objects retired longer than a grace period, and stale uploads",
		Long: `Ask repo-publisher to delete the objects that publishes replaced (old
indexes, their by-hash copies and signatures) once they have been retired for
at least the grace period, so a reader that fetched an older InRelease or
repomd.xml can still fetch everything it lists. Each channel is collected
under its lease, so gc never races a publish. Uploads under uploads/ older
than the grace are deleted too. Pool files are never deleted.`,
		Example: `  ring repo gc --dry-run
  ring repo gc --channel nightly --grace 30m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req := &events.RepoGCRequested{Channel: channel, Grace: grace.String(), DryRun: dryRun}
			if _, err := publisher.ValidateGC(req); err != nil {
				return err
			}
			return sendAndWait(cmd.Context(), cmd.OutOrStdout(), g, req, wait, func(out io.Writer, env events.Envelope) {
				var f events.RepoGCFinished
				_ = json.Unmarshal(env.Data, &f)
				verb := "deleted"
				if f.DryRun {
					verb = "would delete"
				}
				for _, k := range f.Deleted {
					fmt.Fprintf(out, "%s %s\n", verb, k)
				}
				if more := f.DeletedCount - len(f.Deleted); more > 0 {
					fmt.Fprintf(out, "… and %d more\n", more)
				}
				fmt.Fprintf(out, "%s %d object(s) (%d stale upload(s)) in %d channel(s); kept %d retired object(s) younger than %s\n",
					verb, f.DeletedCount, f.Uploads, len(f.Channels), f.Kept, grace)
			})
		},
	}
	cmd.Flags().StringVar(&channel, "channel", "", "collect only this channel (default: every channel)")
	cmd.Flags().DurationVar(&grace, "grace", publisher.DefaultGrace, "keep objects retired (or uploaded) less than this long ago")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be deleted, delete nothing")
	cmd.Flags().DurationVar(&wait, "wait", 5*time.Minute, "how long to wait for the publisher")
	return cmd
}
