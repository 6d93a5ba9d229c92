package provisioner

import (
	"context"
	"fmt"
	"os"
	"time"

	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/dockerhost"
)

// measure is this host's record from what its Docker holds now.
func (p *Provisioner) measure(ctx context.Context) (dockerhost.Record, error) {
	running, err := p.Docker.List(ctx)
	if err != nil {
		return dockerhost.Record{}, fmt.Errorf("the clusters on docker host %s: %w", p.Host, err)
	}
	snaps, err := p.Docker.Snapshots(ctx)
	if err != nil {
		return dockerhost.Record{}, fmt.Errorf("the snapshots on docker host %s: %w", p.Host, err)
	}
	return p.recordOf(running, snaps), nil
}

func (p *Provisioner) recordOf(running []cluster.Cluster, snaps []cluster.Snapshot) dockerhost.Record {
	host, _ := os.Hostname()
	rec := dockerhost.Record{Name: p.Host, Endpoint: p.Endpoint, MemoryMB: p.MachineMB, Declared: p.Opts.HostMemoryMB > 0,
		Clusters: map[string]dockerhost.Held{}, Instance: fmt.Sprintf("%s/%d", host, os.Getpid()), Seen: time.Now().UTC()}
	for _, c := range running {
		rec.Clusters[c.Spec.Name] = dockerhost.Held{MB: c.HeldMB(), Run: c.Spec.RunID}
	}
	for _, s := range snaps {
		rec.Snapshots = append(rec.Snapshots, s.Tag)
	}
	return rec
}

// publishHost rewrites this host's record in the registry (none: nothing
// to do).
func (p *Provisioner) publishHost(ctx context.Context) error {
	if p.Hosts == nil {
		return nil
	}
	rec, err := p.measure(ctx)
	if err != nil {
		return err
	}
	// Two provisioners of one name on different Docker daemons would
	// overwrite each other's record and take each other's clusters.
	if old, ok, err := p.Hosts.Get(ctx, p.Host); err == nil && ok && old.Instance != rec.Instance && old.Endpoint != rec.Endpoint && old.Alive(time.Now()) {
		p.Log.Warn().Str("docker_host", p.Host).Str("endpoint", rec.Endpoint).Str("other_endpoint", old.Endpoint).Str("other", old.Instance).
			Msg("another provisioner serves this docker host name with another Docker endpoint: give each Docker host its own --docker-host-name")
	}
	return p.Hosts.Put(ctx, rec)
}

// keepHost rewrites this host's record every dockerhost.Refresh until ctx
// ends: what `ring cluster stop` and start change, and that this
// provisioner is alive, reach the admissions of the others.
func (p *Provisioner) keepHost(ctx context.Context) error {
	t := time.NewTicker(dockerhost.Refresh)
	defer t.Stop()
	for {
		if err := p.publishHost(ctx); err != nil && ctx.Err() == nil {
			p.Log.Warn().Err(err).Str("docker_host", p.Host).Msg("docker host record")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
