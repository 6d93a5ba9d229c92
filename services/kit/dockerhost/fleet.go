package dockerhost

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/docker/docker/client"
	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/kit/cluster"
)

// Fleet reaches the Docker hosts of clusters for those that act on a
// cluster where it lives (the CLI, the tester, kerberos-realm): the hosts
// of the registry when a provisioner declared one on JS, else the local
// Docker alone (DOCKER_HOST), and one cluster.Provider per host endpoint,
// dialed when first needed and kept until Close. It only reads the
// registry. Safe for concurrent use.
type Fleet struct {
	// JS is where the registry is looked for (nil: no registry).
	JS jetstream.JetStream
	// Lenient: a registry that cannot be read counts as none, as when
	// NATS is down for the CLI — it reaches the local Docker then. A
	// service leaves it false and gets the error (it retries the command).
	Lenient bool
	// Dial connects to a Docker endpoint (nil: Dial).
	Dial func(ctx context.Context, endpoint string) (*client.Client, error)

	mu        sync.Mutex
	providers map[string]*cluster.Provider // by endpoint ("": the local Docker)
	closed    bool
}

// NewFleet is a Fleet on the registry found on js (nil: none).
func NewFleet(js jetstream.JetStream) *Fleet { return &Fleet{JS: js} }

// Host is one Docker host of clusters as a Fleet reaches it.
type Host struct {
	// Record is the registry's record of the host; without a registry,
	// the local Docker's (Name Default, no Endpoint: DOCKER_HOST).
	Record Record
	// Registered: the record is the registry's.
	Registered bool

	f    *Fleet
	once sync.Once
	p    *cluster.Provider
	err  error
}

// Provider connects to the host's Docker: the Fleet's provider of its
// endpoint, dialed once per Host (a host that did not answer is not
// dialed again through this Host; Hosts gives fresh ones).
func (h *Host) Provider(ctx context.Context) (*cluster.Provider, error) {
	h.once.Do(func() {
		h.p, h.err = h.f.provider(ctx, h.Record.Endpoint)
		if h.err != nil {
			h.err = fmt.Errorf("docker host %s: %w", h.Record.Name, h.err)
		}
	})
	return h.p, h.err
}

// Docker is the provider Provider connected to: nil before, or when the
// host did not answer. A Host Locate returns has one.
func (h *Host) Docker() *cluster.Provider { return h.p }

// ErrClosed is the error of a Fleet used after Close.
var ErrClosed = errors.New("docker hosts closed")

func (f *Fleet) provider(ctx context.Context, endpoint string) (*cluster.Provider, error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, ErrClosed
	}
	if p, ok := f.providers[endpoint]; ok {
		f.mu.Unlock()
		return p, nil
	}
	f.mu.Unlock()
	dial := f.Dial
	if dial == nil {
		dial = Dial
	}
	// Dialed unlocked: a host that does not answer takes 5 s, and must
	// not hold up commands on the others.
	dc, err := dial(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		dc.Close()
		return nil, ErrClosed
	}
	if p, ok := f.providers[endpoint]; ok { // dialed meanwhile
		dc.Close()
		return p, nil
	}
	if f.providers == nil {
		f.providers = map[string]*cluster.Provider{}
	}
	p := cluster.New(dc)
	f.providers[endpoint] = p
	return p, nil
}

// Records are the registry's host records, sorted by name: nil when there
// is no registry (no JS, or no provisioner declared one).
func (f *Fleet) Records(ctx context.Context) ([]Record, error) {
	if f.JS == nil {
		return nil, nil
	}
	reg, ok, err := Find(ctx, f.JS)
	if err != nil || !ok {
		return nil, err
	}
	return reg.Hosts(ctx)
}

// Hosts are the Docker hosts of clusters: the registry's, or the local
// Docker alone when there is none, or none recorded. A registry that
// cannot be read is an error (with Lenient: the local Docker alone).
func (f *Fleet) Hosts(ctx context.Context) ([]*Host, error) {
	recs, err := f.Records(ctx)
	if err != nil && !f.Lenient {
		return nil, fmt.Errorf("registry of docker hosts: %w", err)
	}
	var out []*Host
	if err == nil {
		for _, rec := range recs {
			out = append(out, &Host{Record: rec, Registered: true, f: f})
		}
	}
	if len(out) == 0 {
		out = append(out, &Host{Record: Record{Name: Default}, f: f})
	}
	return out, nil
}

// Locate finds the Docker host holding the cluster name — first where the
// registry says it is, then the others in the registry's order — and the
// cluster there. A host that does not answer is passed over; if the
// cluster is on none of those that answer, the error wraps
// cluster.ErrNotFound and names the unreachable hosts.
func (f *Fleet) Locate(ctx context.Context, name string) (*Host, cluster.Cluster, error) {
	hosts, err := f.Hosts(ctx)
	if err != nil {
		return nil, cluster.Cluster{}, err
	}
	slices.SortStableFunc(hosts, func(a, b *Host) int {
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
		p, err := h.Provider(ctx)
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

// Close closes every Docker client the Fleet dialed; it dials no more.
func (f *Fleet) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	var errs []error
	for _, p := range f.providers {
		errs = append(errs, p.Client().Close())
	}
	f.providers = nil
	return errors.Join(errs...)
}
