package cli

import (
	"context"

	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/dockerhost"
)

// dockerHost is one Docker host of clusters as the CLI reaches it (kit's
// dockerhost.Fleet, shared with the tester and kerberos-realm).
type dockerHost = dockerhost.Host

// fleet reaches the Docker hosts of clusters: those of the platform's
// registry when its NATS answers and a provisioner registered one, else
// the local Docker alone. Made once per command line.
func (g *globals) fleet(ctx context.Context) *dockerhost.Fleet {
	if g.hosts == nil {
		g.hosts = &dockerhost.Fleet{Lenient: true}
		if conn, err := dial(ctx, g.natsURL(), "ring"); err == nil {
			// Kept open for the command's later reads of the registry;
			// closed with the process.
			g.hosts.JS = conn.JS
		}
	}
	return g.hosts
}

// dockerHosts are the Docker hosts of clusters: those in the platform's
// registry of Docker hosts when its NATS answers and a provisioner
// registered one, else the local Docker alone.
func (g *globals) dockerHosts(ctx context.Context) []*dockerHost {
	hosts, _ := g.fleet(ctx).Hosts(ctx) // lenient: never an error
	return hosts
}

// clusterHost finds the Docker host holding the cluster name — first
// where the registry says it is — and the cluster there.
func (g *globals) clusterHost(ctx context.Context, name string) (*dockerHost, cluster.Cluster, error) {
	return g.fleet(ctx).Locate(ctx, name)
}
