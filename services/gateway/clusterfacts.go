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
	for f, err := range bus.FactsOf[events.ClusterReady](ctx, c.conn, "cluster.ready", since) {
		if err != nil {
			return nil, nil, fmt.Errorf("cluster.ready: %w", err)
		}
		ready = append(ready, dashboard.Ready{At: f.Time, Run: f.RunID, ClusterReady: f.Payload})
	}
	var trusts []dashboard.Trust
	for f, err := range bus.FactsOf[events.RealmTrusted](ctx, c.conn, "realm.trusted", since) {
		if err != nil {
			return nil, nil, fmt.Errorf("realm.trusted: %w", err)
		}
		trusts = append(trusts, dashboard.Trust{At: f.Time, Run: f.RunID, RealmTrusted: f.Payload})
	}
	return ready, trusts, nil
}
