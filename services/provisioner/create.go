package provisioner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/image"
	"ringmaster.dev/kit/relay"
	"ringmaster.dev/kit/repository"
	"ringmaster.dev/policies"
)

// Store is the part of the blob store the provisioner reads: the published
// repositories (through the relay) and their key.
type Store interface {
	Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error)
	Stat(ctx context.Context, key string) (blob.Info, error)
}

// Images builds (or finds) the node image of a distro, telling onStep
// where the build stands.
type Images interface {
	BuildWith(ctx context.Context, name, distro string, onStep func(image.Step)) (image.Result, error)
}

// Checker is the compatibility policy.
type Checker interface {
	Check(ctx context.Context, in policies.Input) (policies.Decision, error)
}

// RejectedError is a spec the compatibility policy denied.
type RejectedError struct{ Reasons []policies.Reason }

func (e *RejectedError) Error() string {
	msgs := make([]string, len(e.Reasons))
	for i, r := range e.Reasons {
		msgs[i] = r.String()
	}
	return "denied by the compatibility policy: " + strings.Join(msgs, "; ")
}

// Progress receives the steps of a create.
type Progress func(events.ClusterProgress)

// Create makes the cluster req describes, or completes it when a cluster
// of the same run exists (a redelivered command after a crash): every step
// is idempotent. On success every node's services answered their probes.
//
// A kerberized cluster (req.Kerberos) gets its realm between the packages
// and the configuration: send asks kerberos-realm for it, and the
// configuration waits until every kerberized service's keytab is in place.
//
// With a registry of Docker hosts (p.Hosts) the admission may place the
// cluster on another host: then nothing is made here and the error is a
// *PlacedError naming the host, whose provisioner is to be handed req.
func (p *Provisioner) Create(ctx context.Context, req events.ClusterCreateRequested, runID string, progress Progress, send func(cmd any) error) (events.ClusterReady, error) {
	return p.create(ctx, req, runID, false, progress, send)
}

// create is Create; placed says the admission of another provisioner
// placed the cluster on this host (cluster.host.create.requested), so it is
// made here or not at all.
func (p *Provisioner) create(ctx context.Context, req events.ClusterCreateRequested, runID string, placed bool, progress Progress, send func(cmd any) error) (events.ClusterReady, error) {
	start := time.Now()
	step := func(node, name, format string, args ...any) {
		if progress != nil {
			progress(events.ClusterProgress{Name: req.Name, Node: node, Step: name, Detail: fmt.Sprintf(format, args...)})
		}
	}
	var snap cluster.Snapshot
	if req.From != "" {
		var err error
		if snap, err = p.Docker.GetSnapshot(ctx, req.From); err != nil {
			if h := p.snapshotHost(ctx, req.From); h != "" && !placed && errors.Is(err, cluster.ErrNotFound) {
				step("", "placement", "docker host %s has snapshot %s: its provisioner makes the cluster", h, req.From)
				return events.ClusterReady{}, &PlacedError{Host: h}
			}
			return events.ClusterReady{}, fmt.Errorf("%w: %w", ErrSpec, err)
		}
		if req, err = fromSnapshot(req, snap.Spec); err != nil {
			return events.ClusterReady{}, err
		}
	}
	if req.From == "" && req.Nodes == 0 {
		n, err := p.smallest(ctx, req, runID)
		if err != nil {
			return events.ClusterReady{}, err
		}
		req.Nodes = n
	}
	pl, err := p.Plan(ctx, req, runID)
	if err != nil {
		return events.ClusterReady{}, err
	}
	adm, err := p.admit(ctx, pl, placed)
	if err != nil {
		return events.ClusterReady{}, err
	}
	defer adm.release()
	if !adm.dec.Allow {
		return events.ClusterReady{}, &RejectedError{Reasons: adm.dec.Deny}
	}
	if adm.host != p.Host {
		if adm.where.MachineMB > 0 {
			step("", "placement", "docker host %s: %d MB of its %d MB free; its provisioner makes the cluster", adm.host, adm.where.freeMB(), adm.where.MachineMB)
		}
		return events.ClusterReady{}, &PlacedError{Host: adm.host}
	}
	if adm.candidates > 1 {
		step("", "placement", "docker host %s: %d MB of its %d MB free", p.Host, adm.where.freeMB(), adm.where.MachineMB)
	}
	c := adm.c
	step("", "policy", "allowed: %s on %s, %d nodes, roles %v", policies.VersionList(pl.Versions), pl.Spec.Distro, pl.Spec.Nodes, pl.Spec.Roles)
	step("", "network", "network %s (gateway %s)", cluster.NetworkName(pl.Spec.Name), c.Gateway)
	images := map[string]string{}
	if req.From != "" {
		images = snap.Images
	} else {
		if err := p.checkPublished(ctx, pl); err != nil {
			return events.ClusterReady{}, err
		}
		res, err := p.Images.BuildWith(ctx, "node", pl.Spec.Distro, imageSteps(step))
		if err != nil {
			return events.ClusterReady{}, fmt.Errorf("node image for %s: %w", pl.Spec.Distro, err)
		}
		for i := 1; i <= pl.Spec.Nodes; i++ {
			images[cluster.NodeName(i)] = res.Spec.Tag
		}
	}
	nodes := make([]cluster.Node, pl.Spec.Nodes)
	g, gctx := errgroup.WithContext(ctx)
	for i := 1; i <= pl.Spec.Nodes; i++ {
		g.Go(func() error {
			name := cluster.NodeName(i)
			n, err := p.Docker.EnsureNode(gctx, c, i, cluster.NodeOptions{Image: images[name]})
			if err != nil {
				return err
			}
			nodes[i-1] = n
			step(name, "node", "container %s from %s at %s", n.Container, images[name], n.IP)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return events.ClusterReady{}, err
	}
	src := p.lazyRepo(c, pl)
	defer src.close()
	g, gctx = errgroup.WithContext(ctx)
	for _, n := range nodes {
		if req.From != "" && pl.Spec.Kerberos == "" {
			break // a snapshot's nodes have their packages; Apply installs any missing
		}
		g.Go(func() error {
			installed, err := p.InstallPackages(gctx, n, pl, src.get)
			if err != nil {
				return fmt.Errorf("%s: %w", n.Name, err)
			}
			if len(installed) > 0 {
				step(n.Name, "install", "installed %s with apt-get from the signed %s repository", strings.Join(installed, ", "), pl.Spec.Channel)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return events.ClusterReady{}, err
	}
	if pl.Spec.Kerberos != "" {
		if err := p.kerberize(ctx, pl, nodes, send); err != nil {
			return events.ClusterReady{}, err
		}
		step("", "kerberos", "realm %s: keytabs and krb5.conf on every node", pl.Spec.Kerberos)
	}
	g, gctx = errgroup.WithContext(ctx)
	for _, n := range nodes {
		g.Go(func() error {
			a, err := p.Apply(gctx, c, n, pl, src.get)
			if err != nil {
				return fmt.Errorf("%s: %w", n.Name, err)
			}
			if len(a.Installed) > 0 {
				step(n.Name, "install", "installed %s with apt-get from the signed %s repository", strings.Join(a.Installed, ", "), pl.Spec.Channel)
			}
			step(n.Name, "configure", "%d files written, services started: %v", len(a.Changed), a.Started)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return events.ClusterReady{}, err
	}
	src.close()
	endpoints, err := p.waitReady(ctx, pl, nodes, func(node, detail string) { step(node, "probe", "%s", detail) })
	if err != nil {
		return events.ClusterReady{}, err
	}
	marker := []byte(pl.Spec.RunID + "\n")
	g, gctx = errgroup.WithContext(ctx)
	for _, n := range nodes {
		g.Go(func() error {
			return p.Docker.WriteFiles(gctx, n, cluster.File{Path: readyPath, Data: marker, Mode: 0o644})
		})
	}
	if err := g.Wait(); err != nil {
		return events.ClusterReady{}, err
	}
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = n.Name
	}
	return events.ClusterReady{Name: pl.Spec.Name, Nodes: names, Endpoints: endpoints,
		Seconds: time.Since(start).Seconds(), From: req.From, Host: p.Host}, nil
}

// snapshotHost is another live Docker host that has the snapshot tag
// ("": none, or no registry).
func (p *Provisioner) snapshotHost(ctx context.Context, tag string) string {
	if p.Hosts == nil {
		return ""
	}
	hosts, err := p.Hosts.Hosts(ctx)
	if err != nil {
		return ""
	}
	for _, h := range hosts {
		if h.Name != p.Host && h.Alive(time.Now()) && h.HasSnapshot(tag) {
			return h.Name
		}
	}
	return ""
}

// fromSnapshot fills a request from the snapshot's spec; what the request
// names must agree with it.
func fromSnapshot(req events.ClusterCreateRequested, s cluster.Spec) (events.ClusterCreateRequested, error) {
	var errs []string
	if req.Stack != "" && req.Stack != s.Stack {
		errs = append(errs, fmt.Sprintf("stack %s (the snapshot is of %s)", req.Stack, s.Stack))
	}
	if req.Nodes != 0 && req.Nodes != s.Nodes {
		errs = append(errs, fmt.Sprintf("%d nodes (the snapshot has %d)", req.Nodes, s.Nodes))
	}
	if req.Distro != "" && req.Distro != s.Distro {
		errs = append(errs, fmt.Sprintf("distro %s (the snapshot is %s)", req.Distro, s.Distro))
	}
	if len(req.Versions) > 0 && !maps.Equal(req.Versions, s.Versions) {
		errs = append(errs, fmt.Sprintf("versions %s (the snapshot runs %s)", policies.VersionList(req.Versions), policies.VersionList(s.Versions)))
	}
	if len(errs) > 0 {
		return req, fmt.Errorf("%w: --from %s: %s; leave them out to take the snapshot's", ErrSpec, req.From, strings.Join(errs, ", "))
	}
	req.Stack, req.Commit, req.Nodes, req.Distro, req.Roles, req.Versions, req.Builds = s.Stack, s.Commit, s.Nodes, s.Distro, s.Roles, s.Versions, s.Builds
	if req.Channel == "" {
		req.Channel = s.Channel
	}
	if req.MemoryMB == 0 {
		req.MemoryMB = s.MemoryMB
	}
	return req, nil
}

// lazySource starts the relay and reads the key the first time a node
// needs to install something.
type lazySource struct {
	p    *Provisioner
	c    cluster.Cluster
	pl   plan
	once sync.Once
	rs   repository.Source
	r    *relay.Relay
	err  error
}

func (p *Provisioner) lazyRepo(c cluster.Cluster, pl plan) *lazySource {
	return &lazySource{p: p, c: c, pl: pl}
}

func (l *lazySource) get(ctx context.Context) (repository.Source, error) {
	l.once.Do(func() {
		l.rs, l.r, l.err = OpenRepo(ctx, l.p.Store, l.p.Log, l.c)
	})
	return l.rs, l.err
}

// OpenRepo makes the channel repository of cluster c reachable from its
// network (repository.ForCluster); a channel with nothing for the distro is
// errRepo. Close the relay when done.
func OpenRepo(ctx context.Context, store Store, log zerolog.Logger, c cluster.Cluster) (repository.Source, *relay.Relay, error) {
	src, r, err := repository.ForCluster(ctx, store, log, c)
	if errors.Is(err, repository.ErrNotPublished) {
		err = fmt.Errorf("%w: %w", errRepo, err)
	}
	return src, r, err
}

func (l *lazySource) close() {
	if l.r != nil {
		_ = l.r.Close()
		l.r = nil
	}
}
