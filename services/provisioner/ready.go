package provisioner

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/probe"
	"ringmaster.dev/kit/role"
)

// ErrNotReady is a cluster whose services did not answer in time.
var ErrNotReady = probe.ErrNotReady

// waitReady probes every role on every node until all answer or the ready
// timeout passes, and returns the endpoints.
func (p *Provisioner) waitReady(ctx context.Context, pl plan, nodes []cluster.Node, report func(node, detail string)) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, p.Opts.ReadyTimeout)
	defer cancel()
	endpoints := map[string]string{}
	g, gctx := errgroup.WithContext(ctx)
	for _, n := range nodes {
		for _, comp := range pl.Spec.NodeRoles(cluster.NodeIndex(n.Name)) {
			r := pl.Roles[comp]
			addr := net.JoinHostPort(n.IP, strconv.Itoa(r.Probe.Port))
			endpoints[n.Name+"/"+comp] = addr
			ensemble := pl.Spec.Roles[comp] > 1
			primary := n.Name == cluster.NodeName(1)
			g.Go(func() error {
				start := time.Now()
				var detail string
				err := probe.Until(gctx, 100*time.Millisecond, func(ctx context.Context) error {
					var err error
					detail, err = check(ctx, r, addr, ensemble, primary)
					return err
				})
				if err != nil {
					return fmt.Errorf("%s/%s at %s did not become ready within %s: %w (ring cluster logs %s %s shows its log)",
						n.Name, comp, addr, p.Opts.ReadyTimeout, err, pl.Spec.Name, n.Name)
				}
				report(n.Name, fmt.Sprintf("%s ready after %.1fs: %s", comp, time.Since(start).Seconds(), detail))
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return endpoints, nil
}

func check(ctx context.Context, r *role.Role, addr string, ensemble, primary bool) (string, error) {
	switch r.Probe.Kind {
	case role.ProbeZooKeeper:
		st, err := probe.ZooKeeper(ctx, addr)
		if err != nil {
			return "", err
		}
		if ensemble && st.Mode != "leader" && st.Mode != "follower" {
			return "", fmt.Errorf("%w: mode %s, want leader or follower", probe.ErrNotReady, st.Mode)
		}
		return "ZooKeeper " + st.Version + " " + st.Mode, nil
	case role.ProbeRedis:
		st, err := probe.Redis(ctx, addr)
		if err != nil {
			return "", err
		}
		switch {
		case primary && st.Role != "master":
			return "", fmt.Errorf("%w: role %s, want master", probe.ErrNotReady, st.Role)
		case !primary && (st.Role != "slave" || !st.LinkUp):
			return "", fmt.Errorf("%w: role %s, link up %v: want a replica with its link up", probe.ErrNotReady, st.Role, st.LinkUp)
		}
		return "Redis " + strings.Replace(st.Role, "slave", "replica", 1), nil
	case role.ProbeLine:
		line, err := probe.Line(ctx, addr)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s says %q", r.Component, line), nil
	}
	return "", fmt.Errorf("unknown probe %q", r.Probe.Kind)
}
