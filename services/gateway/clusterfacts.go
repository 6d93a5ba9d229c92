package gateway

import (
	"context"
	"fmt"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/gateway/dashboard"
	"ringmaster.dev/kit/bus"
)

// clusterFacts reads the cluster.ready and realm.trusted facts of the fact
// stream for the clusters page.
type clusterFacts struct{ conn *bus.Conn }

// ClusterFacts returns the cluster.ready and realm.trusted facts since
// since, oldest first.
func (c clusterFacts) ClusterFacts(ctx context.Context, since time.Time) ([]dashboard.Ready, []dashboard.Trust, error) {
	if c.conn == nil {
		return nil, nil, fmt.Errorf("no bus")
	}
	var ready []dashboard.Ready
	var trusts []dashboard.Trust
	for _, name := range []string{"cluster.ready", "realm.trusted"} {
		for env, err := range c.conn.FactsSince(ctx, name, since) {
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", name, err)
			}
			_, p, err := env.Decode()
			if err != nil {
				continue
			}
			switch f := p.(type) {
			case *events.ClusterReady:
				ready = append(ready, dashboard.Ready{At: env.Time, Run: env.RunID, ClusterReady: *f})
			case *events.RealmTrusted:
				trusts = append(trusts, dashboard.Trust{At: env.Time, Run: env.RunID, RealmTrusted: *f})
			}
		}
	}
	return ready, trusts, nil
}
