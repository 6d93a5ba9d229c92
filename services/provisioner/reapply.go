package provisioner

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
	"ringmaster.dev/events"
)

// Reapply renders and applies the roles of an existing cluster again, from
// the spec stored on it: after a template change it updates configuration
// and restarts what changed; on an unchanged cluster it changes nothing.
func (p *Provisioner) Reapply(ctx context.Context, name string) ([]Applied, error) {
	c, err := p.Docker.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	s := c.Spec
	pl, err := p.Plan(ctx, events.ClusterCreateRequested{Name: s.Name, Stack: s.Stack, Commit: s.Commit, Builds: s.Builds, Channel: s.Channel, Distro: s.Distro,
		Nodes: s.Nodes, Roles: s.Roles, MemoryMB: s.MemoryMB}, s.RunID)
	if err != nil {
		return nil, err
	}
	if len(c.Nodes) != s.Nodes {
		return nil, fmt.Errorf("cluster %s has %d of %d nodes: destroy and create it again", name, len(c.Nodes), s.Nodes)
	}
	src := p.lazyRepo(c, pl)
	defer src.close()
	out := make([]Applied, len(c.Nodes))
	g, gctx := errgroup.WithContext(ctx)
	for i, n := range c.Nodes {
		g.Go(func() error {
			a, err := p.Apply(gctx, c, n, pl, src.get)
			out[i] = a
			return err
		})
	}
	return out, g.Wait()
}
