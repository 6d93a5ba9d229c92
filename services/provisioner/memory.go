package provisioner

import (
	"context"
	"fmt"
	"sync"

	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/policies"
)

// committedMB is the memory other clusters hold on this Docker host
// (cluster.HeldMB, what `ring cluster list` shows) — and, for clusters this
// process is still making, what they were allowed (reserved) instead. The
// cluster being made (except: a redelivered create) is not counted against
// itself.
func committedMB(clusters []cluster.Cluster, reserved map[string]int, except string) int {
	total := 0
	for _, c := range clusters {
		if c.Spec.Name == except || reserved[c.Spec.Name] > 0 {
			continue
		}
		total += c.HeldMB()
	}
	for name, mb := range reserved {
		if name != except {
			total += mb
		}
	}
	return total
}

// AdmissionLock serializes admissions across provisioner processes that
// share a Docker host, so two of them never count the host's memory at the
// same moment. Lock blocks until held or ctx ends.
type AdmissionLock interface {
	Lock(ctx context.Context) (unlock func(), err error)
}

// admission decides creates one at a time: what runs and what is reserved
// is counted, the policy asked, and an allowed cluster's memory reserved
// until its create ends — so creates at the same moment (this provisioner's
// concurrency, a parallel sweep) see each other.
type admission struct {
	mu       sync.Mutex
	reserved map[string]int
}

// admit checks pl against the policy on this host and, if allowed, makes
// the cluster's network — from then on every provisioner on the host counts
// the cluster (cluster.HeldMB) — and holds its memory here; release gives
// that back (call it when the create ends). With p.Lock set, other provisioner
// processes admit nothing in between.
func (p *Provisioner) admit(ctx context.Context, pl plan) (policies.Decision, cluster.Cluster, func(), error) {
	a := &p.admission
	a.mu.Lock()
	defer a.mu.Unlock()
	if p.Lock != nil {
		unlock, err := p.Lock.Lock(ctx)
		if err != nil {
			return policies.Decision{}, cluster.Cluster{}, nil, fmt.Errorf("admission: %w", err)
		}
		defer unlock()
	}
	running, err := p.Docker.List(ctx)
	if err != nil {
		return policies.Decision{}, cluster.Cluster{}, nil, fmt.Errorf("the clusters already running: %w", err)
	}
	dec, err := p.Policy.Check(ctx, pl.PolicyInput(p.MachineMB, committedMB(running, a.reserved, pl.Spec.Name)))
	if err != nil {
		return dec, cluster.Cluster{}, nil, fmt.Errorf("policy: %w", err)
	}
	if !dec.Allow {
		return dec, cluster.Cluster{}, func() {}, nil
	}
	c, err := p.Docker.EnsureNetwork(ctx, pl.Spec)
	if err != nil {
		return dec, cluster.Cluster{}, nil, err
	}
	if a.reserved == nil {
		a.reserved = map[string]int{}
	}
	name, mb := pl.Spec.Name, pl.Spec.Nodes*pl.Spec.MemoryMB
	a.reserved[name] = mb
	return dec, c, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.reserved[name] == mb {
			delete(a.reserved, name)
		}
	}, nil
}
