package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/dockerhost"
)

func newClusterCreate(g *globals) *cobra.Command {
	var req events.ClusterCreateRequested
	var roles, versions []string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "create NAME [-n NODES] [--stack S] [--from SNAPSHOT]",
		Short: "Create a cluster: policy check, nodes, packages from the signed repo, configuration, readiness",
		Long: `Create a cluster from the packages in a channel's signed repository.

The compatibility policy (policies/, data in infra/compat/) checks the request
first; a denial prints every reason and creates nothing. Then the provisioner
creates a Docker network and unprivileged node containers, installs each
role's packages with apt-get from the signed repository, renders configuration
from infra/roles/<component>/, starts the services and waits until every
probe answers. Every component of the stack with a role runs on every node
unless --role says otherwise. Nodes install the stack's versions, or another
upstream version published in the channel with --version; the policy checks
the versions the nodes will run, and a version the channel lacks is refused
before anything is created.`,
		Example: `  ring cluster create zk -n 3 --stack demo
  ring cluster create zk1 -n 1 --stack demo --role zookeeper=1
  ring cluster create zk2 --from zk-loaded          # from a snapshot, in seconds
  ring cluster create old -n 3 --version zookeeper=3.8.0 --version redis=7.0.15`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			req.Name = args[0]
			if err := cluster.ValidateName("cluster", req.Name); err != nil {
				return err
			}
			if !cmd.Flags().Changed("stack") && req.From != "" {
				req.Stack = ""
			}
			if !cmd.Flags().Changed("nodes") && req.From != "" {
				req.Nodes = 0
			}
			req.Roles = map[string]int{}
			for _, r := range roles {
				k, v, ok := strings.Cut(r, "=")
				n, err := strconv.Atoi(v)
				if !ok || err != nil || k == "" {
					return fmt.Errorf("--role %q: want COMPONENT=COUNT, e.g. zookeeper=3", r)
				}
				req.Roles[k] = n
			}
			for _, v := range versions {
				k, val, ok := strings.Cut(v, "=")
				if !ok || k == "" || val == "" {
					return fmt.Errorf("--version %q: want COMPONENT=VERSION, e.g. zookeeper=3.8.0", v)
				}
				if req.Versions == nil {
					req.Versions = map[string]string{}
				}
				req.Versions[k] = val
			}
			if h, c, err := g.clusterHost(ctx, req.Name); err == nil {
				where := ""
				if h.Registered {
					where = " on docker host " + h.Record.Name
				}
				return fmt.Errorf("cluster %s already exists%s (%s, %d nodes): pick another name or `ring cluster destroy %s`", req.Name, where, clusterState(ctx, h.Docker(), c), len(c.Nodes), req.Name)
			}
			return runCreate(ctx, out, g, &req, wait)
		},
	}
	f := cmd.Flags()
	f.IntVarP(&req.Nodes, "nodes", "n", 3, "number of nodes")
	f.StringVar(&req.Stack, "stack", "demo", "stack whose components the nodes run")
	f.StringVar(&req.Channel, "channel", "", "repository channel (default: the stack's)")
	f.StringVar(&req.Distro, "distro", "", "node distro (default debian-12)")
	f.StringVar(&req.From, "from", "", "start from a snapshot (ring cluster snapshot)")
	f.StringArrayVar(&roles, "role", nil, "COMPONENT=COUNT: run a component on the first COUNT nodes (repeatable)")
	f.StringArrayVar(&versions, "version", nil, "COMPONENT=VERSION: install this upstream version instead of the stack's (repeatable)")
	f.IntVar(&req.MemoryMB, "memory", 0, "memory limit per node in MB (default 768)")
	f.StringVar(&req.Kerberos, "kerberos", "", "kerberize with this realm")
	f.BoolVar(&req.KeepFailed, "keep-failed", false, "keep a cluster that failed to come up, for inspection")
	f.BoolVar(&req.Protected, "protected", false, "label the cluster protected: no chat-ops or REST request may destroy it; ring cluster destroy needs --force")
	f.DurationVar(&wait, "wait", 15*time.Minute, "how long to wait for the cluster")
	return cmd
}

// clusterFact prints one fact of a create run; done is true when the run
// ended (err says how).
func clusterFact(out io.Writer, env events.Envelope, start time.Time) (bool, error) {
	at := time.Since(start).Seconds()
	switch env.Type {
	case "ringmaster.cluster.progress.v1":
		var p events.ClusterProgress
		_ = json.Unmarshal(env.Data, &p)
		where := p.Step
		if p.Node != "" {
			where = p.Node + " " + p.Step
		}
		fmt.Fprintf(out, "%6.1fs  %-16s %s\n", at, where, p.Detail)
	case "ringmaster.cluster.ready.v1":
		var rd events.ClusterReady
		_ = json.Unmarshal(env.Data, &rd)
		where := ""
		if rd.Host != "" && rd.Host != dockerhost.Default {
			where = " on docker host " + rd.Host
		}
		fmt.Fprintf(out, "%6.1fs  ready: %s, %d nodes in %.1fs%s\n", at, rd.Name, len(rd.Nodes), rd.Seconds, where)
		for _, k := range slices.Sorted(maps.Keys(rd.Endpoints)) {
			fmt.Fprintf(out, "         %-20s %s\n", k, rd.Endpoints[k])
		}
		fmt.Fprintf(out, "next: ring test run %s · ring cluster exec %s -- CMD · ring cluster destroy %s\n", rd.Name, rd.Name, rd.Name)
		return true, nil
	case "ringmaster.cluster.rejected.v1":
		var rj events.ClusterRejected
		_ = json.Unmarshal(env.Data, &rj)
		fmt.Fprintf(out, "rejected by the compatibility policy; nothing was created:\n")
		for _, r := range rj.Reasons {
			fmt.Fprintf(out, "  - [%s] %s\n", r.Rule, r.Message)
		}
		return true, exitError{code: 1}
	case "ringmaster.cluster.failed.v1":
		var fl events.ClusterFailed
		_ = json.Unmarshal(env.Data, &fl)
		fmt.Fprintf(out, "failed: %s\n", fl.Reason)
		if fl.Kept {
			fmt.Fprintf(out, "the cluster was kept for inspection: ring cluster logs %s · ring cluster destroy %s\n", fl.Name, fl.Name)
		} else {
			fmt.Fprintln(out, "what was created was removed (--keep-failed keeps it)")
		}
		return true, exitError{code: 1}
	}
	return false, nil
}

func newClusterDestroy(g *globals) *cobra.Command {
	var all, force bool
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "destroy NAME… | --all",
		Short: "Remove clusters in any state — running, stopped, half created, crashed — found by label",
		Example: `  ring cluster destroy zk
  ring cluster destroy prod --force      # a protected cluster
  ring cluster destroy --all`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			if all == (len(args) > 0) {
				return errors.New("name clusters or give --all")
			}
			if all {
				for _, h := range g.dockerHosts(ctx) {
					p, err := h.Provider(ctx)
					if err != nil {
						return err
					}
					list, err := p.List(ctx)
					if err != nil {
						return err
					}
					for _, c := range list {
						if c.Spec.Protected && !force {
							fmt.Fprintf(out, "keeping %s: it is protected (--force destroys it too)\n", c.Spec.Name)
							continue
						}
						args = append(args, c.Spec.Name)
					}
				}
				if len(args) == 0 {
					fmt.Fprintln(out, "no clusters")
					return nil
				}
			}
			for _, name := range args {
				_, c, err := g.clusterHost(ctx, name)
				if err != nil {
					return err
				}
				if c.Spec.Protected && !force {
					return fmt.Errorf("cluster %s is protected: ring cluster destroy %s --force removes it anyway", name, name)
				}
			}
			r, err := startRun(ctx, g.connect)
			if err != nil {
				return err
			}
			defer r.Close()
			if len(args) == 1 { // one cluster: a run like chat-ops' cluster destroy, with its record
				if log, err := g.logger(); err == nil {
					recordRun(ctx, r.conn, log, r.ID, events.TriggerCLI, osUser(), &events.ClusterDestroyRequested{Name: args[0]})
				}
			}
			pending := map[string]bool{}
			for _, name := range args {
				pending[name] = true
				if err := r.send(ctx, &events.ClusterDestroyRequested{Name: name}); err != nil {
					return err
				}
			}
			return r.await(ctx, out, wait, func() string {
				return fmt.Sprintf("not destroyed within %s: %s (is the provisioner running? ring status)", wait, strings.Join(slices.Sorted(maps.Keys(pending)), ", "))
			}, func(env events.Envelope) (bool, error) {
				if env.Type == "ringmaster.cluster.destroyed.v1" {
					var d events.ClusterDestroyed
					_ = json.Unmarshal(env.Data, &d)
					delete(pending, d.Name)
					fmt.Fprintf(out, "destroyed %s\n", d.Name)
				}
				return len(pending) == 0, nil
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "destroy every cluster (not the protected ones unless --force)")
	cmd.Flags().BoolVar(&force, "force", false, "destroy protected clusters too")
	cmd.Flags().DurationVar(&wait, "wait", 2*time.Minute, "how long to wait")
	return cmd
}

// runCreate sends a create command and prints its progress until the
// cluster is ready (nil), rejected or failed (exit 1) or wait passes (exit 2).
func runCreate(ctx context.Context, out io.Writer, g *globals, req *events.ClusterCreateRequested, wait time.Duration) error {
	r, err := begin(ctx, g, req)
	if err != nil {
		return err
	}
	defer r.Close()
	start := time.Now()
	fmt.Fprintf(out, "creating %s (run %s)\n", req.Name, r.ID)
	return r.await(ctx, out, wait, func() string {
		return fmt.Sprintf("not ready within %s; it goes on (ring events tail --run %s, ring cluster list)", wait, r.ID)
	}, func(env events.Envelope) (bool, error) { return clusterFact(out, env, start) })
}
