package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/image"
)

func newImage(_ *globals) *cobra.Command {
	var recipes string
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Build, list and prune the container images (no registry needed)",
		Long: `Images are made from recipes in infra/images: a Debian minbase rootfs built with
mmdebstrap plus the recipe's packages, imported into Docker. Tags are content
hashes of recipe and inputs, so an image that exists is never rebuilt; the
downloaded .debs are cached under $RING_HOME/cache/debs.`,
		Example: `  ring image build                         # every recipe for every distro
  ring image build toolchain --distro debian-12
  ring image list
  ring image prune --dry-run
  ring image services                      # the image of infra/compose's service containers`,
	}
	cmd.PersistentFlags().StringVar(&recipes, "recipes", config.Env("RING_IMAGES", "infra/images"), "recipe directory (env RING_IMAGES)")
	builder := func(cmd *cobra.Command) (*image.Builder, func(), error) {
		rec, err := image.Load(recipes)
		if err != nil {
			return nil, nil, err
		}
		c, err := image.Connect(cmd.Context())
		if err != nil {
			return nil, nil, err
		}
		return &image.Builder{Docker: c, Recipes: rec, CacheDir: config.DebCache(), Progress: cmd.ErrOrStderr()}, func() { c.Close() }, nil
	}
	var distros []string
	build := &cobra.Command{
		Use: "build [NAME…]", Short: "Build images that do not exist yet",
		Example: "  ring image build\n  ring image build node toolchain --distro debian-11",
		RunE: func(cmd *cobra.Command, names []string) error {
			b, done, err := builder(cmd)
			if err != nil {
				return err
			}
			defer done()
			if len(names) == 0 {
				names = b.Recipes.Names()
			}
			if len(distros) == 0 {
				distros = b.Recipes.DistroNames()
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			defer w.Flush()
			for _, n := range names {
				for _, d := range distros {
					res, err := b.Build(cmd.Context(), n, d)
					if err != nil {
						return err
					}
					what := "present"
					if res.Built {
						what = "built"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\n", res.Spec.Tag, what, res.Took.Round(100*time.Millisecond))
				}
			}
			return nil
		},
	}
	build.Flags().StringArrayVar(&distros, "distro", nil, "distro(s) to build for (default: all in distros.yaml)")
	list := &cobra.Command{
		Use: "list", Short: "List Ringmaster images", Example: "  ring image list", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, done, err := builder(cmd)
			if err != nil {
				return err
			}
			defer done()
			all, err := b.List(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			defer w.Flush()
			fmt.Fprintln(w, "IMAGE\tDISTRO\tTAGS\tSIZE\tCREATED\tRECIPE")
			for _, in := range all {
				state := "current"
				if !in.Current {
					state = "stale (ring image prune)"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%d MiB\t%s\t%s\n", in.Name, in.Distro, strings.Join(in.Tags, ","), in.Size>>20, in.Created.Local().Format(time.DateTime), state)
			}
			if len(all) == 0 {
				fmt.Fprintln(w, "(none yet: ring image build)")
			}
			return nil
		},
	}
	var dry bool
	prune := &cobra.Command{
		Use: "prune", Short: "Remove images whose recipe changed since they were built", Example: "  ring image prune --dry-run", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, done, err := builder(cmd)
			if err != nil {
				return err
			}
			defer done()
			gone, err := b.Prune(cmd.Context(), dry)
			verb := "removed"
			if dry {
				verb = "would remove"
			}
			for _, in := range gone {
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s %s (%s)\n", verb, in.Name, in.Distro, strings.Join(in.Tags, ","))
			}
			if len(gone) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "nothing to prune")
			}
			return err
		},
	}
	prune.Flags().BoolVar(&dry, "dry-run", false, "only say what would be removed")
	cmd.AddCommand(build, list, prune, newImageServices(builder))
	return cmd
}
