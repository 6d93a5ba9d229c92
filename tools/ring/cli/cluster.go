package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/image"
)

func newCluster(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Create, inspect, snapshot and destroy test clusters built from the signed repositories",
		Example: `  ring cluster create zk -n 3 --stack demo
  ring cluster list
  ring cluster exec zk node1 -- /usr/lib/zookeeper/bin/zkCli.sh ls /
  ring cluster destroy zk`,
	}
	cmd.AddCommand(newClusterCreate(g), newClusterList(g), newClusterExec(g), newClusterLogs(g),
		newClusterStop(g), newClusterStart(g), newClusterDestroy(g), newClusterSnapshot(g), newClusterLoad(g))
	return cmd
}

// provider connects to Docker for the commands that act on containers
// directly (list, exec, logs, stop, start, snapshot, load).
func provider(ctx context.Context) (*cluster.Provider, error) {
	dc, err := image.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return cluster.New(dc), nil
}

// State is a cluster's state as seen in Docker.
func clusterState(ctx context.Context, p *cluster.Provider, c cluster.Cluster) string {
	running := 0
	for _, n := range c.Nodes {
		if n.Running() {
			running++
		}
	}
	switch {
	case c.NetworkID == "" || len(c.Nodes) < c.Spec.Nodes:
		if running > 0 {
			return "creating"
		}
		return "broken"
	case running == 0:
		return "stopped"
	case running < len(c.Nodes):
		return "degraded"
	}
	b, err := p.ReadFile(ctx, c.Nodes[0], "/etc/ringmaster/ready")
	if err == nil && strings.TrimSpace(string(b)) == c.Spec.RunID {
		return "ready"
	}
	return "creating"
}

func newClusterList(g *globals) *cobra.Command {
	var snapshots bool
	cmd := &cobra.Command{
		Use: "list", Short: "List clusters (state, nodes, age, image) or, with --snapshots, snapshots",
		Example: "  ring cluster list\n  ring cluster list --snapshots", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			hosts := g.dockerHosts(ctx)
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			defer w.Flush()
			var unreachable []error
			if snapshots {
				fmt.Fprintln(w, "SNAPSHOT\tHOST\tSTACK\tDISTRO\tNODES\tROLES\tSIZE")
				for _, h := range hosts {
					p, err := h.Provider(ctx)
					if err != nil {
						unreachable = append(unreachable, err)
						continue
					}
					all, err := p.Snapshots(ctx)
					if err != nil {
						return err
					}
					for _, s := range all {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%d MB\n", s.Tag, h.Record.Name, s.Spec.Stack, s.Spec.Distro, len(s.Images), roleList(s.Spec), s.Size>>20)
					}
				}
				w.Flush()
				return unreachableHosts(cmd, hosts, unreachable)
			}
			fmt.Fprintln(w, "CLUSTER\tSTATE\tNODES\tAGE\tMEMORY\tHOST\tSTACK\tCHANNEL\tDISTRO\tROLES\tIMAGE")
			listed := false
			var footer []string
			for _, h := range hosts {
				p, err := h.Provider(ctx)
				if err != nil {
					unreachable = append(unreachable, err)
					continue
				}
				all, err := p.List(ctx)
				if err != nil {
					return fmt.Errorf("docker host %s: %w", h.Record.Name, err)
				}
				held := 0
				for _, c := range all {
					img := ""
					if len(c.Nodes) > 0 {
						img = c.Nodes[0].Image
					}
					mb := c.HeldMB()
					held += mb
					fmt.Fprintf(w, "%s\t%s\t%d/%d\t%s\t%d MB\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Spec.Name, clusterState(ctx, p, c)+protectedMark(c.Spec), len(c.Nodes), c.Spec.Nodes,
						age(c.Created), mb, h.Record.Name, c.Spec.Stack, c.Spec.Channel, c.Spec.Distro, roleList(c.Spec), img)
				}
				listed = listed || len(all) > 0
				// What the policy's memory rules count (memory-available).
				machine, how := h.Record.MemoryMB, ""
				if h.Record.Declared {
					how = ", as declared"
				}
				if !h.Registered {
					if info, err := p.Client().Info(ctx); err == nil {
						machine = int(info.MemTotal >> 20)
					}
				}
				if machine > 0 {
					footer = append(footer, fmt.Sprintf("%d MB of the Docker host's %d MB%s", held, machine, how))
					if len(hosts) > 1 {
						footer[len(footer)-1] = fmt.Sprintf("docker host %s: clusters hold %s", h.Record.Name, footer[len(footer)-1])
					} else {
						footer[len(footer)-1] = "clusters hold " + footer[len(footer)-1]
					}
				}
			}
			if !listed {
				fmt.Fprintln(w, "(no clusters: ring cluster create --help)")
				w.Flush()
				return unreachableHosts(cmd, hosts, unreachable)
			}
			w.Flush()
			for _, f := range footer {
				fmt.Fprintln(cmd.OutOrStdout(), f+" (a stopped node holds none)")
			}
			return unreachableHosts(cmd, hosts, unreachable)
		},
	}
	cmd.Flags().BoolVar(&snapshots, "snapshots", false, "list snapshots instead")
	return cmd
}

// unreachableHosts says which Docker hosts did not answer: an error when
// none did, a note on stderr when some did.
func unreachableHosts(cmd *cobra.Command, hosts []*dockerHost, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	if len(errs) == len(hosts) {
		return errors.Join(errs...)
	}
	for _, err := range errs {
		fmt.Fprintln(cmd.ErrOrStderr(), "ring: not listed:", err)
	}
	return nil
}

// protectedMark says a cluster is protected.
func protectedMark(s cluster.Spec) string {
	if s.Protected {
		return " (protected)"
	}
	return ""
}

// roleList shows a spec's roles with their versions: zookeeper=3.8.0×3.
func roleList(s cluster.Spec) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(s.Roles)) {
		name := k
		if v := s.Versions[k]; v != "" {
			name += "=" + v
		}
		out = append(out, fmt.Sprintf("%s×%d", name, s.Roles[k]))
	}
	return strings.Join(out, ",")
}

func age(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return time.Since(t).Round(time.Second).String()
}

// nodeOf finds a cluster's node (node1 when none is named) on the Docker
// host that holds the cluster.
func (g *globals) nodeOf(ctx context.Context, name, node string) (*cluster.Provider, cluster.Node, error) {
	h, c, err := g.clusterHost(ctx, name)
	if err != nil {
		return nil, cluster.Node{}, err
	}
	if node == "" {
		node = cluster.NodeName(1)
	}
	n, err := c.Node(node)
	return h.Docker(), n, err
}

func newClusterExec(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "exec NAME [NODE] -- CMD…",
		Short: "Run a command in a cluster node (node1 unless named) and exit with its exit code",
		Example: `  ring cluster exec zk -- /usr/lib/zookeeper/bin/zkServer.sh status
  ring cluster exec zk node3 -- redis-cli get greeting`,
		Args: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() < 1 || len(args) <= cmd.ArgsLenAtDash() {
				return errors.New("want NAME [NODE] -- CMD…")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			dash := cmd.ArgsLenAtDash()
			node := ""
			if dash == 2 {
				node = args[1]
			} else if dash > 2 {
				return errors.New("want NAME [NODE] -- CMD…")
			}
			p, n, err := g.nodeOf(ctx, args[0], node)
			if err != nil {
				return err
			}
			if !n.Running() {
				return fmt.Errorf("%s is %s: ring cluster start %s", n.Container, n.State, args[0])
			}
			opts := cluster.ExecOptions{Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr()}
			if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice == 0 {
				opts.Stdin = os.Stdin
			}
			r, err := p.Exec(ctx, n, args[dash:], opts)
			if err != nil {
				return err
			}
			if r.ExitCode != 0 {
				return exitError{code: r.ExitCode}
			}
			return nil
		},
	}
}

func newClusterLogs(g *globals) *cobra.Command {
	var follow bool
	var tail int
	cmd := &cobra.Command{
		Use:   "logs NAME [NODE]",
		Short: "Show a node's service logs (/var/log/<component>/) and its container output",
		Example: `  ring cluster logs zk
  ring cluster logs zk node2 --follow`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			node := ""
			if len(args) == 2 {
				node = args[1]
			}
			p, n, err := g.nodeOf(ctx, args[0], node)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "==> %s container output\n", n.Container)
			if err := p.Logs(ctx, n, out, false, tail); err != nil {
				return err
			}
			if !n.Running() {
				return nil
			}
			var files []string
			for _, comp := range n.Roles {
				files = append(files, "/var/log/"+comp)
			}
			script := `for d in "$@"; do find "$d" -maxdepth 1 -type f -name '*.log' 2>/dev/null; done | sort`
			r, err := p.Exec(ctx, n, append([]string{"sh", "-c", script, "sh"}, files...), cluster.ExecOptions{})
			if err != nil {
				return err
			}
			logs := strings.Fields(string(r.Stdout))
			if len(logs) == 0 {
				return nil
			}
			tailArgs := []string{"tail", "-n", fmt.Sprint(tail)}
			if follow {
				tailArgs = append(tailArgs, "-F")
			}
			_, err = p.Exec(ctx, n, append(tailArgs, logs...), cluster.ExecOptions{Stdout: out, Stderr: cmd.ErrOrStderr()})
			return err
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines")
	cmd.Flags().IntVar(&tail, "tail", 100, "lines from the end of each log")
	return cmd
}

func newClusterStop(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "stop NAME", Short: "Stop a cluster's nodes (services stop cleanly; data stays)",
		Example: "  ring cluster stop zk", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, _, err := g.clusterHost(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := h.Docker().Stop(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "stopped %s (ring cluster start %s brings it back)\n", args[0], args[0])
			return nil
		},
	}
}

func newClusterStart(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "start NAME", Short: "Start a stopped cluster's nodes; each node starts its services",
		Example: "  ring cluster start zk", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, _, err := g.clusterHost(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := h.Docker().Start(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "started %s\n", args[0])
			return nil
		},
	}
}

func newClusterSnapshot(g *globals) *cobra.Command {
	var tag string
	var remove bool
	cmd := &cobra.Command{
		Use:   "snapshot NAME --as TAG",
		Short: "Commit every node of a cluster, data included, into images a new cluster starts from (--from TAG)",
		Example: `  ring cluster snapshot zk --as zk-loaded
  ring cluster create zk2 --from zk-loaded
  ring cluster snapshot --rm zk-loaded`,
		Args: cobra.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if remove {
				if len(args) != 1 {
					return errors.New("want: ring cluster snapshot --rm TAG")
				}
				return g.removeSnapshot(ctx, args[0])
			}
			if len(args) != 1 || tag == "" {
				return errors.New("want: ring cluster snapshot NAME --as TAG")
			}
			h, _, err := g.clusterHost(ctx, args[0])
			if err != nil {
				return err
			}
			start := time.Now()
			s, err := h.Docker().Snapshot(ctx, args[0], tag)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "snapshot %s: %d node images in %.1fs; ring cluster create NEW --from %s\n", s.Tag, len(s.Images), time.Since(start).Seconds(), s.Tag)
			return nil
		},
	}
	cmd.Flags().StringVar(&tag, "as", "", "snapshot name")
	cmd.Flags().BoolVar(&remove, "rm", false, "remove the snapshot TAG instead")
	return cmd
}

// removeSnapshot removes the snapshot tag from every Docker host that has it.
func (g *globals) removeSnapshot(ctx context.Context, tag string) error {
	found := false
	var errs []error
	for _, h := range g.dockerHosts(ctx) {
		p, err := h.Provider(ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		err = p.RemoveSnapshot(ctx, tag)
		switch {
		case err == nil:
			found = true
		case !errors.Is(err, cluster.ErrNotFound):
			errs = append(errs, fmt.Errorf("docker host %s: %w", h.Record.Name, err))
		}
	}
	if !found && len(errs) == 0 {
		return fmt.Errorf("snapshot %q: %w (ring cluster list --snapshots lists them)", tag, cluster.ErrNotFound)
	}
	return errors.Join(errs...)
}
