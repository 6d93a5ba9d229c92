package suite

import (
	"context"
	"fmt"
	"time"

	"github.com/gomodule/redigo/redis"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/probe"
)

const redisPort = 6379

// Redis: a key written through the primary is read from a replica, and a
// restarted replica catches up.
func Redis() Suite {
	return Suite{Name: "redis", Needs: "redis", Cases: []Case{
		{Name: "key-replicated", Timeout: 30 * time.Second, Run: redisReplicated},
		{Name: "replica-catches-up-after-restart", Timeout: time.Minute, Run: redisRestart},
	}}
}

func do(ctx context.Context, n cluster.Node, cmd string, args ...any) (any, error) {
	c, err := redis.DialContext(ctx, "tcp", addr(n, redisPort), redis.DialConnectTimeout(3*time.Second),
		redis.DialReadTimeout(3*time.Second), redis.DialWriteTimeout(3*time.Second))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Do(cmd, args...)
}

func replicaOf(env *Env) (primary, replica cluster.Node, err error) {
	nodes := members(env, "redis")
	if len(nodes) < 2 {
		return primary, replica, Skip("needs a primary and a replica; the cluster runs redis on %d node(s)", len(nodes))
	}
	return nodes[0], nodes[len(nodes)-1], nil
}

func waitKey(ctx context.Context, n cluster.Node, key, want string) error {
	return eventually(ctx, fmt.Sprintf("%s on %s", key, n.Name), func(ctx context.Context) error {
		got, err := redis.String(do(ctx, n, "GET", key))
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("holds %q, want %q", got, want)
		}
		return nil
	})
}

func redisReplicated(ctx context.Context, env *Env) error {
	primary, replica, err := replicaOf(env)
	if err != nil {
		return err
	}
	key, val := "ringmaster:smoke:"+env.RunID, "written on "+primary.Name
	if _, err := do(ctx, primary, "SET", key, val); err != nil {
		return Failf("SET on %s: %v", primary.Name, err)
	}
	return waitKey(ctx, replica, key, val)
}

func redisRestart(ctx context.Context, env *Env) error {
	primary, replica, err := replicaOf(env)
	if err != nil {
		return err
	}
	if _, err := sh(ctx, env, replica, "/etc/init.d/redis stop"); err != nil {
		return err
	}
	key, val := "ringmaster:while-down:"+env.RunID, "written while "+replica.Name+" was down"
	if _, err := do(ctx, primary, "SET", key, val); err != nil {
		return Failf("SET on %s: %v", primary.Name, err)
	}
	if _, err := sh(ctx, env, replica, "/etc/init.d/redis start"); err != nil {
		return err
	}
	if err := waitKey(ctx, replica, key, val); err != nil {
		return err
	}
	return eventually(ctx, replica.Name+" replication link up", func(ctx context.Context) error {
		st, err := probe.Redis(ctx, addr(replica, redisPort))
		if err == nil && !st.LinkUp {
			err = fmt.Errorf("role %s, link down", st.Role)
		}
		return err
	})
}
