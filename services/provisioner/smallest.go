package provisioner

import (
	"context"
	"fmt"

	"ringmaster.dev/events"
	"ringmaster.dev/policies"
)

// MaxAutoNodes bounds the search for the smallest cluster the policy allows.
const MaxAutoNodes = 7

// smallest is the fewest nodes, from 1 to MaxAutoNodes, for which the
// compatibility policy allows req (a request of 0 nodes: "the smallest
// cluster the policy allows", what a pipeline asks for by default). The
// memory the other clusters hold is left to the admission. When no size is
// allowed the smallest size's reasons are the answer.
func (p *Provisioner) smallest(ctx context.Context, req events.ClusterCreateRequested, runID string) (int, error) {
	var first []policies.Reason
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
		dec, err := p.Policy.Check(ctx, pl.PolicyInput(p.MachineMB, 0))
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
