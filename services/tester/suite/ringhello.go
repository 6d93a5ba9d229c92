package suite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"ringmaster.dev/kit/probe"
)

const ringhelloPort = 7070

// Ringhello: the fixture stack's daemon greets every client with its
// node's name, as its configuration says, and comes back after a restart.
func Ringhello() Suite {
	return Suite{Name: "ringhello", Needs: "ringhello", Cases: []Case{
		{Name: "greets-with-node-name", Timeout: 30 * time.Second, Run: ringhelloGreets},
		{Name: "greets-after-restart", Timeout: time.Minute, Run: ringhelloRestart},
	}}
}

// greeting is what ringhellod says to a client of node.
func greeting(ctx context.Context, env *Env, node string) (string, error) {
	for _, n := range members(env, "ringhello") {
		if n.Name == node {
			line, err := probe.Line(ctx, addr(n, ringhelloPort))
			if err != nil {
				return "", Infra(err)
			}
			return line, nil
		}
	}
	return "", fmt.Errorf("no node %s runs ringhello", node)
}

func ringhelloGreets(ctx context.Context, env *Env) error {
	for _, n := range members(env, "ringhello") {
		got, err := greeting(ctx, env, n.Name)
		if err != nil {
			return err
		}
		// libringhello's greeting with the fixture's punctuation patch.
		if want := "hello, " + n.Name + "!"; got != want {
			return Failf("%s greets %q, want %q", n.Name, got, want)
		}
	}
	return nil
}

func ringhelloRestart(ctx context.Context, env *Env) error {
	nodes := members(env, "ringhello")
	n := nodes[len(nodes)-1]
	if _, err := sh(ctx, env, n, "/etc/init.d/ringhello restart"); err != nil {
		return err
	}
	return eventually(ctx, "ringhello on "+n.Name+" after a restart", func(ctx context.Context) error {
		got, err := greeting(ctx, env, n.Name)
		if err != nil {
			return err
		}
		if !strings.HasPrefix(got, "hello, ") {
			return Failf("%s greets %q after a restart", n.Name, got)
		}
		return nil
	})
}
