package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/gitstack"
	publisher "ringmaster.dev/repo-publisher"
)

func newRepoGC(g *globals) *cobra.Command {
	var channel string
	var retire []string
	var grace, wait, maxAge time.Duration
	var dryRun, closed bool
	cmd := &cobra.Command{
		Use:   "gc [--channel C] [--grace 1h] [--retire C]... [--request-max-age 720h] [--dry-run]",
		Short: "Delete repository objects retired longer than a grace period, stale uploads, and closed requests' channels",
		Long: `Ask repo-publisher to delete the objects that publishes replaced (old
indexes, their by-hash copies and signatures) once they have been retired for
at least the grace period, so a reader that fetched an older InRelease or
repomd.xml can still fetch everything it lists. Each channel is collected
under its lease, so gc never races a publish. Uploads under uploads/ older
than the grace are deleted too. Pool files are never deleted.

Channels end too: the pr-<n> channel of a pull or merge request that closed
(the gateway records the closure), a pr-<n> channel nobody published to for
--request-max-age, and every channel named with --retire are retired: their
indexes are retired like replaced ones, their package lists emptied, and once
the grace has passed gc deletes the indexes and the channel itself. A request
reopened later publishes to a fresh channel of the same name. pr-<n> names are
shared by the stacks of one platform: keep one stack per repository number
space, or retire by hand.`,
		Example: `  ring repo gc --dry-run
  ring repo gc --channel nightly --grace 30m
  ring repo gc --retire branch-old-feature --grace 0
  ring repo gc --request-max-age 168h`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if channel != "" { // one channel collected: others retired only when asked
				if !cmd.Flags().Changed("closed-requests") {
					closed = false
				}
				if !cmd.Flags().Changed("request-max-age") {
					maxAge = 0
				}
			}
			req := &events.RepoGCRequested{Channel: channel, Grace: grace.String(), DryRun: dryRun, Retire: slices.Clone(retire)}
			if maxAge > 0 {
				req.RetireIdle = maxAge.String()
			}
			if maxAge < 0 {
				return fmt.Errorf("--request-max-age %s: want a duration of at least 0 (0 retires none by age)", maxAge)
			}
			if _, err := publisher.ValidateGC(req); err != nil {
				return err
			}
			ctx := cmd.Context()
			var requests *gitstack.Requests
			var forget []string
			if closed {
				conn, err := g.connect(ctx)
				if err != nil {
					return err
				}
				defer conn.Close()
				if requests, err = gitstack.OpenRequests(ctx, conn.JS); err != nil {
					return err
				}
				if req.Retire, forget, err = closedRequests(ctx, requests, req.Retire); err != nil {
					return err
				}
			}
			err := sendAndWait(ctx, cmd.OutOrStdout(), g, req, wait, func(out io.Writer, env events.Envelope) {
				var f events.RepoGCFinished
				_ = json.Unmarshal(env.Data, &f)
				would := ""
				if f.DryRun {
					would = "would be "
				}
				for _, c := range f.Retired {
					fmt.Fprintf(out, "channel %s %sretired\n", c, would)
				}
				for _, c := range f.Removed {
					fmt.Fprintf(out, "channel %s removed (its last retired object deleted)\n", c)
				}
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
			if err != nil || dryRun || requests == nil {
				return err
			}
			return forgetRetired(ctx, requests, forget)
		},
	}
	cmd.Flags().StringVar(&channel, "channel", "", "collect only this channel (default: every channel)")
	cmd.Flags().DurationVar(&grace, "grace", publisher.DefaultGrace, "keep objects retired (or uploaded) less than this long ago")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be deleted, delete nothing")
	cmd.Flags().StringArrayVar(&retire, "retire", nil, "retire this channel (repeatable)")
	cmd.Flags().BoolVar(&closed, "closed-requests", true, "retire the pr-<n> channels of pull/merge requests the gateway saw close")
	cmd.Flags().DurationVar(&maxAge, "request-max-age", 30*24*time.Hour, "retire pr-<n> channels not published to for this long (0: none by age)")
	cmd.Flags().DurationVar(&wait, "wait", 5*time.Minute, "how long to wait for the publisher")
	return cmd
}

// closedRequests adds the channels of closed pull/merge requests to retire,
// and returns them as the records to forget once retired.
func closedRequests(ctx context.Context, requests *gitstack.Requests, retire []string) (all, closed []string, err error) {
	list, err := requests.List(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range list {
		closed = append(closed, c.Channel)
		if !slices.Contains(retire, c.Channel) {
			retire = append(retire, c.Channel)
		}
	}
	return retire, closed, nil
}

// forgetRetired drops the closure records of channels now retired (or gone
// before): the next gc has nothing to do for them, and a request reopened
// later starts afresh.
func forgetRetired(ctx context.Context, requests *gitstack.Requests, channels []string) error {
	for _, c := range channels {
		if err := requests.Opened(ctx, c); err != nil {
			return err
		}
	}
	return nil
}
