package gateway

import (
	"context"
	"errors"

	"ringmaster.dev/events"
	"ringmaster.dev/gateway/dashboard"
	"ringmaster.dev/kit/command"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/inventory"
	"ringmaster.dev/kit/runs"
	"ringmaster.dev/policies"
)

// EnvCompat names the compatibility facts the dashboard's matrix reads
// (default infra/compat/compat.json), as the provisioner's RING_COMPAT.
const EnvCompat = "RING_COMPAT"

// dashboard is the gateway's web pages over its own sources.
func (g *Gateway) dashboard() *dashboard.Dashboard {
	src := dashboard.Sources{Runs: g.Runs, Stream: g.streamRun, Retry: g.retryDeadLetter, Sweeps: sweepFacts{g.Bus},
		Compat: g.compatFacts,
		Repos: func(ctx context.Context) (events.RepoListed, error) {
			ans := g.repoList(ctx, command.Request{Verb: command.RepoList})
			if l, ok := ans.data.(*events.RepoListed); ok {
				return *l, nil
			}
			return events.RepoListed{}, errors.New(ans.text)
		}}
	if g.runList != nil {
		src.Runs = listed{g.Runs, g.runList}
	}
	if g.Blobs != nil {
		src.Blobs = g.Blobs
	}
	if g.Bus != nil {
		src.DeadLetters = g.Bus
		src.ClusterFacts = clusterFacts{g.Bus}
	}
	if g.ops != nil {
		switch c := g.ops.clusters.(type) {
		case dashboard.Clusters:
			src.Clusters = c
		case nil:
		default:
			src.Clusters = listedClusters{c}
		}
		if s, ok := g.ops.clusters.(dashboard.Snapshots); ok {
			src.Snapshots = s
		}
		src.ClustersErr = g.ops.clustersErr
	}
	return dashboard.New(src, g.Log)
}

// compatFacts reads the compatibility facts file.
func (g *Gateway) compatFacts() ([]byte, string, error) {
	path := g.Opts.CompatFile
	if path == "" {
		path = config.ProjectDir(EnvCompat, policies.DefaultDataPath)
	}
	b, err := policies.LoadData(path)
	return b, path, err
}

// listed reads a run from the bucket (the newest record) and lists them
// from the cache (no read of the whole bucket per page view).
type listed struct {
	Runs
	cache *runs.Cache
}

func (l listed) List(ctx context.Context) ([]runs.Record, error) { return l.cache.List(ctx) }

// listedClusters shows an inventory that has no node detail (a test's) by
// its clusters alone.
type listedClusters struct{ Clusters }

func (l listedClusters) Details(ctx context.Context) ([]inventory.Detail, error) {
	cs, err := l.List(ctx)
	out := make([]inventory.Detail, len(cs))
	for i, c := range cs {
		out[i] = inventory.Detail{Cluster: c}
	}
	return out, err
}
