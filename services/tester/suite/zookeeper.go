package suite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-zookeeper/zk"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/probe"
)

const zkPort = 2181

// ZooKeeper: quorum formed, a znode written on one node is read on
// another, and the ensemble survives the loss of its leader.
func ZooKeeper() Suite {
	return Suite{Name: "zookeeper", Needs: "zookeeper", Cases: []Case{
		{Name: "quorum-formed", Timeout: 30 * time.Second, Run: zkQuorum},
		{Name: "znode-replicated", Timeout: 30 * time.Second, Run: zkReplicated},
		{Name: "leader-killed-new-leader-elected", Timeout: 2 * time.Minute, Run: zkLeaderKill},
	}}
}

// modes returns each running member's mode.
func modes(ctx context.Context, nodes []cluster.Node) (map[string]string, error) {
	out := map[string]string{}
	for _, n := range nodes {
		st, err := probe.ZooKeeper(ctx, addr(n, zkPort))
		if err != nil {
			return out, err
		}
		out[n.Name] = st.Mode
	}
	return out, nil
}

// oneLeader checks that exactly one node leads and the rest follow.
func oneLeader(m map[string]string, n int) (string, error) {
	leader := ""
	for node, mode := range m {
		switch mode {
		case "leader":
			if leader != "" {
				return "", fmt.Errorf("two leaders: %s and %s", leader, node)
			}
			leader = node
		case "follower":
		default:
			return "", fmt.Errorf("%s is %s", node, mode)
		}
	}
	if leader == "" || len(m) != n {
		return "", fmt.Errorf("no single leader among %d nodes: %v", n, m)
	}
	return leader, nil
}

func zkQuorum(ctx context.Context, env *Env) error {
	nodes := members(env, "zookeeper")
	if len(nodes) == 1 {
		return eventually(ctx, "standalone server", func(ctx context.Context) error {
			m, err := modes(ctx, nodes)
			if err == nil && m[nodes[0].Name] != "standalone" {
				err = fmt.Errorf("mode %s", m[nodes[0].Name])
			}
			return err
		})
	}
	return eventually(ctx, "one leader, the rest followers", func(ctx context.Context) error {
		m, err := modes(ctx, nodes)
		if err != nil {
			return err
		}
		_, err = oneLeader(m, len(nodes))
		return err
	})
}

func smokePath(env *Env) string { return "/ringmaster-smoke-" + env.RunID }

// connect opens a session to exactly one server.
func connect(ctx context.Context, n cluster.Node) (*zk.Conn, error) {
	c, ev, err := zk.Connect([]string{addr(n, zkPort)}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		return nil, err
	}
	for {
		select {
		case e := <-ev:
			if e.State == zk.StateHasSession {
				return c, nil
			}
		case <-ctx.Done():
			c.Close()
			return nil, fmt.Errorf("no session with %s: %w", n.Name, ctx.Err())
		}
	}
}

func zkReplicated(ctx context.Context, env *Env) error {
	nodes := members(env, "zookeeper")
	first, last := nodes[0], nodes[len(nodes)-1]
	want := []byte("written on " + first.Name + " by run " + env.RunID)
	w, err := connect(ctx, first)
	if err != nil {
		return err
	}
	defer w.Close()
	if _, err := w.Create(smokePath(env), want, 0, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
		return Failf("create %s on %s: %v", smokePath(env), first.Name, err)
	}
	r, err := connect(ctx, last)
	if err != nil {
		return err
	}
	defer r.Close()
	if _, err := r.Sync(smokePath(env)); err != nil {
		return Failf("sync on %s: %v", last.Name, err)
	}
	got, _, err := r.Get(smokePath(env))
	if err != nil {
		return Failf("read %s on %s: %v", smokePath(env), last.Name, err)
	}
	if !bytes.Equal(got, want) {
		return Failf("%s on %s holds %q, want %q", smokePath(env), last.Name, got, want)
	}
	return nil
}

func zkLeaderKill(ctx context.Context, env *Env) error {
	nodes := members(env, "zookeeper")
	if len(nodes) < 3 {
		return Skip("needs an ensemble of at least 3; this one has %d", len(nodes))
	}
	m, err := modes(ctx, nodes)
	if err != nil {
		return err
	}
	leader, err := oneLeader(m, len(nodes))
	if err != nil {
		return err
	}
	var killed cluster.Node
	var rest []cluster.Node
	for _, n := range nodes {
		if n.Name == leader {
			killed = n
		} else {
			rest = append(rest, n)
		}
	}
	if err := env.Docker.Kill(ctx, killed); err != nil {
		return Infra(err)
	}
	newLeader := ""
	err = eventually(ctx, "a new leader among the survivors", func(ctx context.Context) error {
		m, err := modes(ctx, rest)
		if err != nil {
			return err
		}
		newLeader, err = oneLeader(m, len(rest))
		return err
	})
	if err != nil {
		return err
	}
	env.Log.Info().Str("killed", killed.Name).Str("leader", newLeader).Msg("new leader elected")
	c, err := connect(ctx, rest[0])
	if err != nil {
		return err
	}
	got, _, err := c.Get(smokePath(env))
	c.Close()
	if err != nil {
		return Failf("znode %s after the leader's death: %v", smokePath(env), err)
	}
	if !bytes.HasPrefix(got, []byte("written on ")) {
		return Failf("znode %s after the leader's death holds %q", smokePath(env), got)
	}
	// Bring the killed node back; its boot script starts ZooKeeper and it
	// must rejoin as a follower.
	if err := env.Docker.StartNode(ctx, killed); err != nil {
		return Infra(err)
	}
	if err := refresh(ctx, env); err != nil {
		return err
	}
	return eventually(ctx, killed.Name+" rejoins as a follower", func(ctx context.Context) error {
		m, err := modes(ctx, members(env, "zookeeper"))
		if err != nil {
			return err
		}
		l, err := oneLeader(m, len(nodes))
		if err == nil && l != newLeader {
			err = fmt.Errorf("leader changed again to %s", l)
		}
		return err
	})
}
