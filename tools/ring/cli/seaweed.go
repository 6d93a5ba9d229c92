package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/seaweed"
	"ringmaster.dev/ring/platform"
)

func newSeaweed() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "seaweed",
		Short: "SeaweedFS servers for Ringmaster's distributed blob store",
		Example: `  ring seaweed run master --ip weed-master
  ring seaweed run s3 --ip weed-s3 --filer weed-filer:8888`,
	}
	cmd.AddCommand(newSeaweedRun())
	return cmd
}

func newSeaweedRun() *cobra.Command {
	var (
		weed, ip, bind, dir, master, filer, replication string
		httpPort, grpcPort                              int
	)
	roles := []string{seaweed.Master, seaweed.Volume, seaweed.Filer, seaweed.S3}
	cmd := &cobra.Command{
		Use:   "run ROLE",
		Short: "Run one weed server (master, volume, filer or s3) with Ringmaster's flags",
		Long: `Replace this process with SeaweedFS's weed (bin/weed, built from the pinned
module by make weed) serving one role of a cluster, with the flags the
project's tests run it with (kit/seaweed: replication 001 across the volume
servers of one rack, 64 MB volumes, 1 GiB kept free). The s3 gateway's one
identity gets the keys of $RING_HOME/s3-credentials.json (made, mode 0400,
if missing) — the file the services (RING_S3_CREDENTIALS) and the ring CLI
read — written into DIR/s3.json (0400). infra/compose/cluster.yaml runs
each server in its own container this way.`,
		Example: `  ring seaweed run master --ip weed-master --dir /var/lib/weed/master
  ring seaweed run volume --ip weed-volume-1 --master weed-master:9333 --dir /var/lib/weed/v1
  ring seaweed run filer --ip weed-filer --master weed-master:9333
  ring seaweed run s3 --ip weed-s3 --filer weed-filer:8888 --port 9000
  ring seaweed run volume --ip 127.0.0.1 --port 41000 --grpc-port 41001 --master 127.0.0.1:41002.41003`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 || seaweed.DefaultPorts[args[0]] == 0 {
				return fmt.Errorf("give one role: %s", strings.Join(roles, ", "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			role := args[0]
			home, err := platform.Home()
			if err != nil {
				return err
			}
			if ip == "" {
				if ip, err = os.Hostname(); err != nil {
					return fmt.Errorf("--ip: %w", err)
				}
			}
			if httpPort == 0 {
				httpPort = seaweed.DefaultPorts[role]
			}
			if grpcPort == 0 {
				grpcPort = httpPort + seaweed.GRPCOffset
			}
			self, err := seaweed.ParseAddr(fmt.Sprintf("%s:%d.%d", ip, httpPort, grpcPort))
			if err != nil {
				return fmt.Errorf("--ip, --port, --grpc-port: %w", err)
			}
			if dir == "" {
				dir = filepath.Join(home, "seaweed", role)
			}
			s := seaweed.Server{Role: role, Self: self, Bind: bind, Dir: config.Abs(dir), Replication: replication}
			if master != "" {
				if s.Master, err = seaweed.ParseAddr(master); err != nil {
					return fmt.Errorf("--master: %w", err)
				}
			}
			if filer != "" {
				if s.Filer, err = seaweed.ParseAddr(filer); err != nil {
					return fmt.Errorf("--filer: %w", err)
				}
			}
			if err := os.MkdirAll(s.Dir, 0o700); err != nil {
				return fmt.Errorf("--dir: %w", err)
			}
			if role == seaweed.S3 {
				creds, err := platform.LoadOrCreateCredentials(home)
				if err != nil {
					return err
				}
				s.S3Config = filepath.Join(s.Dir, "s3.json")
				if err := seaweed.WriteS3Config(s.S3Config, creds.AccessKey, creds.SecretKey); err != nil {
					return err
				}
			}
			wargs, err := s.Args()
			if err != nil {
				return err
			}
			bin, err := weedBinary(weed)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "ring seaweed: %s %s\n", bin, strings.Join(wargs, " "))
			return syscall.Exec(bin, append([]string{"weed"}, wargs...), os.Environ())
		},
	}
	cmd.Flags().StringVar(&weed, "weed", "", "the weed binary (default: weed on PATH, else next to this ring)")
	cmd.Flags().StringVar(&ip, "ip", "", "host or address the other servers and clients reach this one at (default: this machine's hostname)")
	cmd.Flags().StringVar(&bind, "bind", "0.0.0.0", "address to listen on")
	cmd.Flags().IntVar(&httpPort, "port", 0, "HTTP port (default: weed's own, master 9333, volume 8080, filer 8888, s3 8333)")
	cmd.Flags().IntVar(&grpcPort, "grpc-port", 0, "gRPC port (default: --port + 10000)")
	cmd.Flags().StringVar(&dir, "dir", "", "data directory (default: $RING_HOME/seaweed/ROLE)")
	cmd.Flags().StringVar(&master, "master", "", "the master, host:port or host:port.grpcPort (volume, filer)")
	cmd.Flags().StringVar(&filer, "filer", "", "the filer, host:port or host:port.grpcPort (s3)")
	cmd.Flags().StringVar(&replication, "replication", seaweed.DefaultReplication, "placement code of new volumes (master)")
	return cmd
}

// weedBinary is path, else weed on PATH, else weed next to this ring.
func weedBinary(path string) (string, error) {
	if path != "" {
		return exec.LookPath(path)
	}
	if p, err := exec.LookPath("weed"); err == nil {
		return p, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "weed")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: not on PATH nor next to ring (build it: make weed, then --weed bin/weed)", seaweed.ErrNoBinary)
}
