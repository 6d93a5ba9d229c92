package cli

import (
	"fmt"
	"sort"

	"github.com/spf13/cobra"
	"ringmaster.dev/provisioner/load"
)

func newClusterLoad(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "load NAME DIR",
		Short: "Load sample data into a cluster: DIR/zookeeper/** become znodes, DIR/redis/** keys",
		Example: `  ring cluster load zk infra/samples/demo
  ring cluster snapshot zk --as zk-loaded      # then: ring cluster create zk2 --from zk-loaded`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			_, c, err := g.clusterHost(ctx, args[0])
			if err != nil {
				return err
			}
			res, err := load.Dir(ctx, c, args[1])
			if err != nil {
				return err
			}
			comps := make([]string, 0, len(res))
			for k := range res {
				comps = append(comps, k)
			}
			sort.Strings(comps)
			for _, k := range comps {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d items loaded into %s\n", k, res[k], args[0])
			}
			return nil
		},
	}
}
