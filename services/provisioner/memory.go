package provisioner

import (
	"context"
	"fmt"
	"sync"
	"time"

	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/dockerhost"
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

// admitted is what an admission decided.
type admitted struct {
	dec policies.Decision
	// host is the Docker host the cluster was placed on ("" when denied).
	host string
	// c is the cluster's network, made when host is this provisioner's.
	c cluster.Cluster
	// release gives back the memory held for a create here (call it when
	// the create ends).
	release func()
	// where says how much memory the host had, for the progress report;
	// candidates how many hosts the admission chose from.
	where      candidate
	candidates int
}

// admit checks pl against the policy and places it on a Docker host with
// the memory for it: this one, or — with a registry, unless placed (the
// admission of another provisioner placed it here) or made from a
// snapshot (whose images are here) — another the registry names, claimed
// for the cluster there until its provisioner makes the network.
//
// Placed here, the cluster's network is made — from then on every
// provisioner counts the cluster (cluster.HeldMB, this host's record) —
// and its memory held here until release. With p.Lock set, other
// provisioner processes admit nothing in between.
func (p *Provisioner) admit(ctx context.Context, pl plan, placed bool) (admitted, error) {
	a := &p.admission
	a.mu.Lock()
	defer a.mu.Unlock()
	if p.Lock != nil {
		unlock, err := p.Lock.Lock(ctx)
		if err != nil {
			return admitted{}, fmt.Errorf("admission: %w", err)
		}
		defer unlock()
	}
	running, err := p.Docker.List(ctx)
	if err != nil {
		return admitted{}, fmt.Errorf("the clusters already running: %w", err)
	}
	name, run := pl.Spec.Name, pl.Spec.RunID
	here := candidate{Host: p.Host, MachineMB: p.MachineMB, CommittedMB: committedMB(running, a.reserved, name)}
	cands := []candidate{here}
	if p.Hosts != nil {
		now := time.Now()
		hosts, claims, err := p.registry(ctx)
		if err != nil {
			return admitted{}, err
		}
		for _, w := range dockerhost.Locate(hosts, claims, name, now) {
			switch {
			case w.Host == p.Host: // the network here says (EnsureNetwork)
			case w.Run != run:
				return admitted{}, errElsewhere(name, w.Host, w.Run)
			case !placed: // placed before: a redelivered create goes where it went
				return admitted{dec: policies.Decision{Allow: true}, host: w.Host, release: func() {}, where: candidate{Host: w.Host}}, nil
			}
		}
		inDocker := map[string]bool{}
		for _, c := range running {
			inDocker[c.Spec.Name] = true
		}
		for _, c := range claims {
			if c.Host == p.Host && c.Cluster != name && c.Live(now) && !inDocker[c.Cluster] && a.reserved[c.Cluster] == 0 {
				cands[0].CommittedMB += c.MB
			}
		}
		if !placed && pl.Spec.From == "" {
			for _, h := range hosts {
				if h.Name != p.Host && h.Alive(now) {
					cands = append(cands, candidate{Host: h.Name, MachineMB: h.MemoryMB, CommittedMB: dockerhost.Committed(h, claims, name, now)})
				}
			}
		}
	}
	chosen, dec, err := p.place(ctx, pl, cands)
	if err != nil || !dec.Allow {
		return admitted{dec: dec, release: func() {}, candidates: len(cands)}, err
	}
	mb := pl.Spec.Nodes * pl.Spec.MemoryMB
	if chosen.Host != p.Host {
		err := p.Hosts.Claim(ctx, dockerhost.Claim{Cluster: name, Host: chosen.Host, MB: mb, Run: run, At: time.Now().UTC()})
		return admitted{dec: dec, host: chosen.Host, release: func() {}, where: chosen, candidates: len(cands)}, err
	}
	c, err := p.Docker.EnsureNetwork(ctx, pl.Spec)
	if err != nil {
		return admitted{dec: dec}, err
	}
	if a.reserved == nil {
		a.reserved = map[string]int{}
	}
	a.reserved[name] = mb
	if p.Hosts != nil {
		// Counted by this host's record before the claim goes.
		if err := p.publishHost(ctx); err != nil {
			p.Log.Warn().Err(err).Str("cluster", name).Msg("docker host record after an admission")
		} else if err := p.Hosts.Unclaim(ctx, name, run); err != nil {
			p.Log.Warn().Err(err).Str("cluster", name).Msg("claim after an admission")
		}
	}
	return admitted{dec: dec, host: p.Host, c: c, where: chosen, candidates: len(cands), release: func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.reserved[name] == mb {
			delete(a.reserved, name)
		}
	}}, nil
}

// registry reads every host's record and claim.
func (p *Provisioner) registry(ctx context.Context) ([]dockerhost.Record, []dockerhost.Claim, error) {
	hosts, err := p.Hosts.Hosts(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("docker hosts: %w", err)
	}
	claims, err := p.Hosts.Claims(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("docker host claims: %w", err)
	}
	return hosts, claims, nil
}
