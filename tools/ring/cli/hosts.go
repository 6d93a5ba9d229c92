package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/dockerhost"
)

// dockerHost is one Docker host of clusters as the CLI reaches it.
type dockerHost struct {
	// Record is the registry's record of the host; without a registry,
	// the local Docker's (Name "local", no Endpoint: DOCKER_HOST).
	Record dockerhost.Record
	// Registered: the record is the registry's.
	Registered bool
	p          *cluster.Provider
	err        error
}

// provider connects to the host's Docker (once).
func (h *dockerHost) provider(ctx context.Context) (*cluster.Provider, error) {
	if h.p == nil && h.err == nil {
		dc, err := dockerhost.Dial(ctx, h.Record.Endpoint)
		if err != nil {
			h.err = fmt.Errorf("docker host %s: %w", h.Record.Name, err)
		} else {
			h.p = cluster.New(dc)
		}
	}
	return h.p, h.err
}

// dockerHosts are the Docker hosts of clusters: those in the platform's
// registry of Docker hosts when its NATS answers and a provisioner
// registered one, else the local Docker alone.
func (g *globals) dockerHosts(ctx context.Context) []*dockerHost {
	var out []*dockerHost
	for _, rec := range g.hostRecords(ctx) {
		out = append(out, &dockerHost{Record: rec, Registered: true})
	}
	if len(out) == 0 {
		out = append(out, &dockerHost{Record: dockerhost.Record{Name: dockerhost.Default}})
	}
	return out
}

// hostRecords reads the registry of Docker hosts; nil when NATS does not
// answer or no provisioner registered a host there.
func (g *globals) hostRecords(ctx context.Context) []dockerhost.Record {
	conn, err := dial(ctx, g.natsURL(), "ring")
	if err != nil {
		return nil
	}
	defer conn.Close()
	reg, ok, err := dockerhost.Find(ctx, conn.JS)
	if err != nil || !ok {
		return nil
	}
	recs, err := reg.Hosts(ctx)
	if err != nil {
		return nil
	}
	return recs
}

// clusterHost finds the Docker host holding the cluster name — first
// where the registry says it is — and the cluster there.
func (g *globals) clusterHost(ctx context.Context, name string) (*dockerHost, cluster.Cluster, error) {
	hosts := g.dockerHosts(ctx)
	slices.SortStableFunc(hosts, func(a, b *dockerHost) int {
		_, ina := a.Record.Clusters[name]
		_, inb := b.Record.Clusters[name]
		switch {
		case ina && !inb:
			return -1
		case inb && !ina:
			return 1
		}
		return 0
	})
	var notFound error
	var unreachable []string
	for _, h := range hosts {
		p, err := h.provider(ctx)
		if err != nil {
			if len(hosts) == 1 {
				return nil, cluster.Cluster{}, err
			}
			unreachable = append(unreachable, err.Error())
			continue
		}
		c, err := p.Get(ctx, name)
		if err == nil {
			return h, c, nil
		}
		if !errors.Is(err, cluster.ErrNotFound) {
			return nil, cluster.Cluster{}, fmt.Errorf("docker host %s: %w", h.Record.Name, err)
		}
		notFound = err
	}
	if len(unreachable) > 0 {
		return nil, cluster.Cluster{}, fmt.Errorf("cluster %q: %w on the docker hosts that answer; unreachable: %s", name, cluster.ErrNotFound, strings.Join(unreachable, "; "))
	}
	if notFound == nil {
		notFound = fmt.Errorf("cluster %q: %w", name, cluster.ErrNotFound)
	}
	return nil, cluster.Cluster{}, notFound
}
