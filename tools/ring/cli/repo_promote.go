package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/events"
	publisher "ringmaster.dev/repo-publisher"
)

func newRepoPromote(g *globals) *cobra.Command {
	var from, to string
	var distros []string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "promote --from C --to C [--distro D…] name@version…",
		Short: "Add packages published in one channel to another (e.g. nightly → stable)",
		Long: `Ask repo-publisher to add packages already published in one channel to
another. Every architecture of each name@version is promoted, in every distro
of the source channel that has it (or only the --distro ones). Pool files are
shared by all channels, so nothing is copied: the target's indexes are
rebuilt, re-signed and made live. Versions are as ` + "`ring repo list`" + ` shows them
(RPMs: version-release, or epoch:version-release).`,
		Example: `  ring repo promote --from nightly --to stable ringhello@1.0.0-1
  ring repo promote --from nightly --to stable --distro debian-12 ringhello@1.0.0-1 ringtool@2.1-1`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, pkgs []string) error {
			req := &events.RepoPromoteRequested{From: from, To: to, Distros: distros, Packages: pkgs}
			if err := publisher.ValidatePromote(req); err != nil {
				return err
			}
			return sendAndWait(cmd.Context(), cmd.OutOrStdout(), g, req, wait, func(out io.Writer, env events.Envelope) {
				var p events.RepoPublished
				_ = json.Unmarshal(env.Data, &p)
				fmt.Fprintf(out, "promoted %s from %s to %s (%s)\n", strings.Join(pkgs, ", "), from, p.Channel, strings.Join(p.Distros, ", "))
				for _, k := range slices.Sorted(maps.Keys(p.URLs)) {
					fmt.Fprintf(out, "  %-22s %s\n", k, p.URLs[k])
				}
			})
		},
	}
	cmd.Flags().StringVar(&from, "from", "nightly", "channel the packages are published in")
	cmd.Flags().StringVar(&to, "to", "", "channel to add them to (required)")
	cmd.Flags().StringArrayVar(&distros, "distro", nil, "only these distros (repeatable; default: every distro that has the package)")
	cmd.Flags().DurationVar(&wait, "wait", 5*time.Minute, "how long to wait for the publisher")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}
