package suite

import (
	"context"
	"fmt"
	"net"
	"time"

	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/probe"
)

// members are the running nodes of the cluster with a component, in order.
func members(env *Env, comp string) []cluster.Node {
	var out []cluster.Node
	for _, n := range env.Cluster.Nodes {
		for _, r := range n.Roles {
			if r == comp {
				out = append(out, n)
			}
		}
	}
	return out
}

func addr(n cluster.Node, port int) string { return net.JoinHostPort(n.IP, fmt.Sprint(port)) }

// refresh reloads the cluster from Docker (addresses change when a node
// restarts).
func refresh(ctx context.Context, env *Env) error {
	c, err := env.Docker.Get(ctx, env.Cluster.Spec.Name)
	if err != nil {
		return Infra(err)
	}
	env.Cluster = c
	return nil
}

// eventually polls check until it returns nil or ctx ends; the last error
// (an assertion) is returned with how long it was waited for.
func eventually(ctx context.Context, what string, check func(context.Context) error) error {
	start := time.Now()
	if err := probe.Until(ctx, 200*time.Millisecond, check); err != nil {
		return Failf("%s: not within %.0fs: %v", what, time.Since(start).Seconds(), err)
	}
	return nil
}

// sh runs a shell script in a node; a Docker fault is an infrastructure
// fault, a non-zero exit is returned as an assertion failure.
func sh(ctx context.Context, env *Env, n cluster.Node, script string, args ...string) (string, error) {
	r, err := env.Docker.Exec(ctx, n, append([]string{"sh", "-c", script, "sh"}, args...), cluster.ExecOptions{Env: []string{"LC_ALL=C", "DEBIAN_FRONTEND=noninteractive"}})
	if err != nil {
		return "", Infra(err)
	}
	if r.ExitCode != 0 {
		return string(r.Stdout), Failf("%s: exit code %d: %s%s", n.Name, r.ExitCode, r.Stdout, r.Stderr)
	}
	return string(r.Stdout), nil
}
