package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/builder/source"
	"ringmaster.dev/events"
)

func newSource(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "source", Short: "Work with the content-addressed source cache", Example: "  ring source fetch URL --sha256 HEX"}
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
			fmt.Fprintf(cmd.OutOrStdout(), "requested; waiting up to %s\n", wait)
			return sendAndWait(cmd.Context(), cmd.OutOrStdout(), g, &events.SourceFetchRequested{URL: args[0], SHA256: sum}, wait,
				func(out io.Writer, env events.Envelope) {
					var f events.SourceFetched
					_ = json.Unmarshal(env.Data, &f)
					how := "downloaded"
					if f.Cached {
						how = "already cached"
					}
					fmt.Fprintf(out, "%s: %s (%d bytes, sha256 %s)\n", how, f.Key, f.Size, f.SHA256)
				})
		},
	}
	fetch.Flags().StringVar(&sum, "sha256", "", "expected sha256 of the archive (required)")
	fetch.Flags().DurationVar(&wait, "wait", 10*time.Minute, "how long to wait for the result")
	_ = fetch.MarkFlagRequired("sha256")
	cmd.AddCommand(fetch)
	return cmd
}
