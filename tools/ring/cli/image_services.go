package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/kit/image"
	"ringmaster.dev/ring/platform"
)

// ServicesImage is the repository of the image every service container
// runs (infra/compose); :latest moves to the newest build.
const ServicesImage = "ringmaster/ring"

// servicesBinaries are the programs the image carries: ring (ring up
// --services none runs the servers) and one binary per service.
func servicesBinaries() []string { return append([]string{"ring"}, platform.ServiceNames...) }

func newImageServices(builder func(*cobra.Command) (*image.Builder, func(), error)) *cobra.Command {
	var distro, bin string
	cmd := &cobra.Command{
		Use:   "services",
		Short: "Make the image the services run in as containers (infra/compose)",
		Long: `Builds the "services" recipe (Debian minbase, CA certificates, mmdebstrap) and
adds ring and the five service binaries (from --bin, default: the directory of
this ring) under /usr/local/bin, committed as ` + ServicesImage + `:<distro>-<hash> and
tagged ` + ServicesImage + `:latest. The hash covers the base image and the binaries,
so an unchanged build is found, not made again. No registry is involved.`,
		Example: `  make build && bin/ring image services
  bin/ring image services --bin ./bin --distro debian-12`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if bin == "" {
				exe, err := os.Executable()
				if err != nil {
					return err
				}
				bin = filepath.Dir(exe)
			}
			var files []image.File
			var missing []string
			for _, name := range servicesBinaries() {
				p := filepath.Join(bin, name)
				if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
					missing = append(missing, name)
					continue
				}
				files = append(files, image.File{Source: p, Dest: "/usr/local/bin/" + name, Mode: 0o755})
			}
			if len(missing) > 0 {
				return fmt.Errorf("%s lacks %s: build them first (make build), or point --bin at a directory holding %s",
					bin, strings.Join(missing, ", "), strings.Join(servicesBinaries(), ", "))
			}
			b, done, err := builder(cmd)
			if err != nil {
				return err
			}
			defer done()
			base, err := b.Build(cmd.Context(), "services", distro)
			if err != nil {
				return err
			}
			dc, ok := b.Docker.(image.LayerDocker)
			if !ok {
				return fmt.Errorf("this Docker client cannot commit containers")
			}
			l := image.Layer{Base: base.Spec.Tag, Files: files, Changes: []string{
				"ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				`CMD ["ring", "--help"]`,
			}}
			t0 := time.Now()
			ref, err := l.Tag(cmd.Context(), dc, ServicesImage, distro)
			if err != nil {
				return err
			}
			built, err := l.Build(cmd.Context(), dc, ref)
			if err != nil {
				return err
			}
			if err := b.Docker.ImageTag(cmd.Context(), ref, ServicesImage+":latest"); err != nil {
				return err
			}
			what := "present"
			if built {
				what = "built in " + time.Since(t0).Round(100*time.Millisecond).String()
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s (also %s:latest)\n", ref, what, ServicesImage)
			return nil
		},
	}
	cmd.Flags().StringVar(&distro, "distro", "debian-12", "distro of the image")
	cmd.Flags().StringVar(&bin, "bin", "", "directory holding ring and the service binaries (default: this ring's directory)")
	return cmd
}
