package provisioner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
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
	if len(cands) == 1 {
		return candidate{}, decs[0], nil
	}
	// What the policy denies on a machine with room for anything does not
	// depend on the host.
	roomy, err := p.Policy.Check(ctx, pl.PolicyInput(math.MaxInt32, 0))
	if err != nil {
		return candidate{}, roomy, fmt.Errorf("policy: %w", err)
	}
	return candidate{}, policies.Decision{Deny: mergeDenials(hosts, decs, roomy.Deny)}, nil
}

// mergeDenials are the reasons the policy denied a cluster on every host:
// those it gives whatever the host (anyHost: its reasons on a machine with
// room for anything — the versions, the per-node memory) once, as they
// are; the others (the host's memory) per host, the message prefixed with
// the host's name.
func mergeDenials(hosts []string, decs []policies.Decision, anyHost []policies.Reason) []policies.Reason {
	out := append([]policies.Reason(nil), anyHost...)
	for i, d := range decs {
		for _, r := range d.Deny {
			if !slices.Contains(anyHost, r) {
				out = append(out, policies.Reason{Rule: r.Rule, Message: "docker host " + hosts[i] + ": " + r.Message})
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
