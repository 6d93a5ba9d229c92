package cli

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
	"ringmaster.dev/builder/source"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

func newSource(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "source", Short: "Work with the content-addressed source cache"}
	var sum string
	var wait time.Duration
	fetch := &cobra.Command{
		Use:   "fetch URL --sha256 HEX",
		Short: "Have the builder download a source archive, verify it and cache it",
		Example: `  ring source fetch http://deb.debian.org/debian/pool/main/r/redis/redis_7.0.15.orig.tar.gz \
      --sha256 4b1dc4ee6d622a09fff9c6777191209750fb5e5a725ef78ea012d6eef4c22982`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := source.Validate(args[0], sum); err != nil {
				return err
			}
			ctx := cmd.Context()
			conn, err := g.connect(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			run := uuid.NewString()
			facts, stop, err := watchRun(conn, run)
			if err != nil {
				return err
			}
			defer stop()
			if _, err := conn.Publish(ctx, &events.SourceFetchRequested{URL: args[0], SHA256: sum}, bus.WithRunID(run)); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "requested (run %s); waiting up to %s\n", run, wait)
			timer := time.NewTimer(wait)
			defer timer.Stop()
			for {
				select {
				case env := <-facts:
					switch env.Type {
					case "ringmaster.source.fetched.v1":
						var f events.SourceFetched
						_ = json.Unmarshal(env.Data, &f)
						how := "downloaded"
						if f.Cached {
							how = "already cached"
						}
						fmt.Fprintf(out, "%s: %s (%d bytes, sha256 %s)\n", how, f.Key, f.Size, f.SHA256)
						return nil
					case "ringmaster.command.failed.v1":
						var f events.CommandFailed
						_ = json.Unmarshal(env.Data, &f)
						fmt.Fprintf(out, "failed after %d attempt(s): %s\n", f.Attempts, f.Reason)
						return exitError{code: 1}
					}
				case <-timer.C:
					fmt.Fprintf(out, "no answer within %s; the command stays queued (see `ring status`, `ring events tail --run %s`)\n", wait, run)
					return exitError{code: 2}
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		},
	}
	fetch.Flags().StringVar(&sum, "sha256", "", "expected sha256 of the archive (required)")
	fetch.Flags().DurationVar(&wait, "wait", 10*time.Minute, "how long to wait for the result")
	_ = fetch.MarkFlagRequired("sha256")
	cmd.AddCommand(fetch)
	return cmd
}
