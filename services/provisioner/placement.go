package provisioner

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/policies"
)

// candidate is a Docker host a cluster may be placed on: its memory and
// what its clusters (and the claims on it) hold.
type candidate struct {
	Host        string
	MachineMB   int
	CommittedMB int
}

func (c candidate) freeMB() int { return c.MachineMB - c.CommittedMB }

// place asks the compatibility policy about pl on each candidate host and
// picks, among those it allows, the one with the most memory left (ties:
// the first by name). When it allows none, the decision's reasons say why
// (mergeDenials).
func (p *Provisioner) place(ctx context.Context, pl plan, cands []candidate) (candidate, policies.Decision, error) {
	cands = append([]candidate(nil), cands...)
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].freeMB() != cands[j].freeMB() {
			return cands[i].freeMB() > cands[j].freeMB()
		}
		return cands[i].Host < cands[j].Host
	})
	hosts := make([]string, len(cands))
	decs := make([]policies.Decision, len(cands))
	for i, c := range cands {
		dec, err := p.Policy.Check(ctx, pl.PolicyInput(c.MachineMB, c.CommittedMB))
		if err != nil {
			return candidate{}, dec, fmt.Errorf("policy: %w", err)
		}
		if dec.Allow {
			return c, dec, nil
		}
		hosts[i], decs[i] = c.Host, dec
	}
	return candidate{}, policies.Decision{Deny: mergeDenials(hosts, decs)}, nil
}

// mergeDenials are the reasons the policy denied a cluster on every host:
// a reason every host gave (the versions, the per-node memory) once, as
// it was given; a reason of some hosts only (their memory) once per host,
// its message prefixed with the host's name. On one host they are that
// host's reasons as they are.
func mergeDenials(hosts []string, decs []policies.Decision) []policies.Reason {
	if len(decs) == 1 {
		return decs[0].Deny
	}
	count := map[policies.Reason]int{}
	for _, d := range decs {
		for _, r := range d.Deny {
			count[r]++
		}
	}
	var out []policies.Reason
	given := map[policies.Reason]bool{}
	for i, d := range decs {
		for _, r := range d.Deny {
			switch {
			case count[r] < len(decs):
				out = append(out, policies.Reason{Rule: r.Rule, Message: "docker host " + hosts[i] + ": " + r.Message})
			case !given[r]:
				given[r] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// errPlaced: the admission placed the cluster on another Docker host, whose
// provisioner creates it (PlacedError says which).
var errPlaced = errors.New("placed on another docker host")

// PlacedError names the Docker host a create was handed to.
type PlacedError struct{ Host string }

func (e *PlacedError) Error() string        { return fmt.Sprintf("%v: %s", errPlaced, e.Host) }
func (e *PlacedError) Is(target error) bool { return target == errPlaced }

// errElsewhere: the name is taken by a cluster on another Docker host.
func errElsewhere(name, host, run string) error {
	return fmt.Errorf("cluster %s: %w (on docker host %s, created by run %s; `ring cluster destroy %s` frees it)", name, cluster.ErrExists, host, run, name)
}
