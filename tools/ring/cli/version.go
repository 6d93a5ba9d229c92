package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/service"
)

func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version of ring and of the event contract",
		Example: "  ring version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "ring %s (%s, %s/%s), %d event types, CloudEvents %s\n",
				service.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH, len(events.All()), events.SpecVersion)
			return nil
		},
	}
}
