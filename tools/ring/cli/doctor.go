package cli

import (
	"context"
	"fmt"
	"syscall"

	"github.com/docker/docker/client"
	"github.com/spf13/cobra"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/image"
	"ringmaster.dev/ring/doctor"
	"ringmaster.dev/ring/platform"
)

func newDoctor() *cobra.Command {
	var natsListen, s3Listen string
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check that this machine can run the main job, and say how to fix what cannot",
		Long: `Check what ring up --demo (make run) needs: Docker reachable and recent
enough, memory limits in containers (cgroup v2, or v1 with the memory
controller), free disk under RING_HOME and Docker's data root, the tools
infra/deps.list names (make deps installs them), the ports ring up listens
on, and memory. Each problem is one line: what is wrong — the command that
fixes it. Exits 1 if anything would make the main job fail; make run runs
it first.`,
		Example: `  ring doctor
  RING_HOME=/big/disk/ring ring doctor
  ring doctor --nats-listen 127.0.0.1:4223 --s3-listen 127.0.0.1:9100`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := platform.Home()
			if err != nil {
				return err
			}
			tools, toolsErr := doctor.ReadTools(config.ProjectDir("RING_DEPS", "infra/deps.list"))
			var dc *client.Client
			defer func() {
				if dc != nil {
					dc.Close()
				}
			}()
			c := doctor.Checks{
				Docker: func(ctx context.Context) (doctor.Docker, error) {
					if dc, err = image.Connect(ctx); err != nil {
						return nil, err
					}
					return dc, nil
				},
				Host: doctor.Machine{}, Home: home, Tools: tools, ToolsErr: toolsErr,
				Ports: []doctor.Port{{Name: "NATS", Addr: natsListen, Flag: "--nats-listen"}, {Name: "S3", Addr: s3Listen, Flag: "--s3-listen"}},
				Running: func() (int, bool) {
					e, err := platform.ReadEndpoints(home)
					return e.PID, err == nil && e.PID > 0 && syscall.Kill(e.PID, 0) == nil
				},
			}
			findings := c.Run(cmd.Context())
			out := cmd.OutOrStdout()
			for _, f := range findings {
				if f.Level == doctor.OK {
					fmt.Fprintf(out, "  ok    %-7s %s\n", f.Check, f.Detail)
				} else {
					fmt.Fprintf(out, "  %-5s %-7s %s — fix: %s\n", f.Level, f.Check, f.Detail, f.Fix)
				}
			}
			if n := doctor.Failed(findings); n > 0 {
				fmt.Fprintf(out, "%d problem(s) would stop the main job: fix them, then run it again\n", n)
				return exitError{code: 1}
			}
			fmt.Fprintln(out, "ready for the main job (make run)")
			return nil
		},
	}
	cmd.Flags().StringVar(&natsListen, "nats-listen", "127.0.0.1:4222", "the address ring up's NATS server will listen on")
	cmd.Flags().StringVar(&s3Listen, "s3-listen", "127.0.0.1:9000", "the address ring up's S3 server will listen on")
	return cmd
}
