package provisioner

import (
	"context"
	"fmt"
	"sync"

	"ringmaster.dev/policies"
	"ringmaster.dev/provisioner/cluster"
)

// committedMB is the memory other clusters hold on this Docker host: the
// limits of their running nodes added up — a stopped node holds none — and,
// for clusters this process is still making, what they were allowed
// (reserved) instead of what of them runs so far. The cluster being made
// (except: a redelivered create) is not counted against itself.
func committedMB(clusters []cluster.Cluster, reserved map[string]int, except string) int {
	total := 0
	for _, c := range clusters {
		if c.Spec.Name == except || reserved[c.Spec.Name] > 0 {
			continue
		}
		for _, n := range c.Nodes {
			if n.Running() {
				total += c.Spec.MemoryMB
			}
		}
	}
	for name, mb := range reserved {
		if name != except {
			total += mb
		}
	}
	return total
}

// admission decides creates one at a time: what runs and what is reserved
// is counted, the policy asked, and an allowed cluster's memory reserved
// until its create ends — so creates at the same moment (this provisioner's
// concurrency, a parallel sweep) see each other.
type admission struct {
	mu       sync.Mutex
	reserved map[string]int
}

// admit checks pl against the policy on this host and, if allowed, holds
// its memory; release gives it back (call it when the create ends).
func (p *Provisioner) admit(ctx context.Context, pl plan) (policies.Decision, func(), error) {
	a := &p.admission
	a.mu.Lock()
	defer a.mu.Unlock()
	running, err := p.Docker.List(ctx)
	if err != nil {
		return policies.Decision{}, nil, fmt.Errorf("the clusters already running: %w", err)
	}
	dec, err := p.Policy.Check(ctx, pl.PolicyInput(p.MachineMB, committedMB(running, a.reserved, pl.Spec.Name)))
	if err != nil || !dec.Allow {
		return dec, func() {}, err
	}
	if a.reserved == nil {
		a.reserved = map[string]int{}
	}
	name, mb := pl.Spec.Name, pl.Spec.Nodes*pl.Spec.MemoryMB
	a.reserved[name] = mb
	return dec, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.reserved[name] == mb {
			delete(a.reserved, name)
		}
	}, nil
}
