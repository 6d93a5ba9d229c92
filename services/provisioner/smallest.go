package provisioner

import (
	"context"
	"fmt"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/policies"
)

// MaxAutoNodes bounds the search for the smallest cluster the policy allows.
const MaxAutoNodes = 7

// smallest is the fewest nodes, from 1 to MaxAutoNodes, for which the
// compatibility policy allows req (a request of 0 nodes: "the smallest
// cluster the policy allows", what a pipeline asks for by default) on the
// largest Docker host. The memory the other clusters hold is left to the
// admission. When no size is
// allowed the smallest size's reasons are the answer.
func (p *Provisioner) smallest(ctx context.Context, req events.ClusterCreateRequested, runID string) (int, error) {
	var first []policies.Reason
	machine := p.largestMachineMB(ctx)
	from := 1
	for _, c := range req.Roles {
		from = max(from, c) // a role cannot have more nodes than the cluster
	}
	for n := from; n <= MaxAutoNodes; n++ {
		req.Nodes = n
		pl, err := p.Plan(ctx, req, runID)
		if err != nil {
			return 0, err
		}
		dec, err := p.Policy.Check(ctx, pl.PolicyInput(machine, 0))
		if err != nil {
			return 0, fmt.Errorf("policy: %w", err)
		}
		if dec.Allow {
			return n, nil
		}
		if first == nil {
			first = dec.Deny
		}
	}
	reasons := append([]policies.Reason{{Rule: "nodes", Message: fmt.Sprintf("no cluster of %d to %d nodes is allowed; %d nodes are denied as follows", from, MaxAutoNodes, from)}}, first...)
	return 0, &RejectedError{Reasons: reasons}
}

// largestMachineMB is the memory of the largest live Docker host: this
// one, or another in the registry.
func (p *Provisioner) largestMachineMB(ctx context.Context) int {
	mb := p.MachineMB
	if p.Hosts == nil {
		return mb
	}
	hosts, err := p.Hosts.Hosts(ctx)
	if err != nil {
		return mb
	}
	for _, h := range hosts {
		if h.Alive(time.Now()) && h.MemoryMB > mb {
			mb = h.MemoryMB
		}
	}
	return mb
}
