package dashboard

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/inventory"
)

type memClusterFacts struct {
	ready  []Ready
	trusts []Trust
	err    error
	since  *time.Time
}

func (m memClusterFacts) ClusterFacts(_ context.Context, since time.Time) ([]Ready, []Trust, error) {
	if m.since != nil {
		*m.since = since
	}
	return m.ready, m.trusts, m.err
}

// TestNewClusterView: a cluster gets its latest cluster.ready since it was
// made (not one of an earlier cluster of the same name, nor another's) and
// every realm.trusted naming its realm since then.
func TestNewClusterView(t *testing.T) {
	made := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	c := inventory.Detail{Cluster: inventory.Cluster{Name: "zk1", Created: made}, Realm: "ZK1"}
	ready := []Ready{
		{At: made.Add(-time.Hour), ClusterReady: events.ClusterReady{Name: "zk1", Seconds: 99}},         // an earlier zk1
		{At: made.Add(30 * time.Second), ClusterReady: events.ClusterReady{Name: "kafka1", Seconds: 7}}, // another cluster
		{At: made.Add(40 * time.Second), ClusterReady: events.ClusterReady{Name: "zk1", Seconds: 41,
			Endpoints: map[string]string{"node2/zookeeper": "172.18.0.3:2181", "node1/zookeeper": "172.18.0.2:2181"}}},
	}
	trusts := []Trust{
		{At: made.Add(-time.Hour), RealmTrusted: events.RealmTrusted{Realms: []string{"ZK1", "OLD1"}, Topology: "mesh"}},
		{At: made.Add(time.Minute), RealmTrusted: events.RealmTrusted{Realms: []string{"KAFKA1", "HDFS1"}, Topology: "mesh"}},
		{At: made.Add(2 * time.Minute), RealmTrusted: events.RealmTrusted{Realms: []string{"ZK1", "KAFKA1"}, Topology: "chain"}},
		{At: made.Add(3 * time.Minute), RealmTrusted: events.RealmTrusted{Realms: []string{"ZK1", "KAFKA1"}, Topology: "chain", Removed: true}},
	}
	v := newClusterView(c, ready, trusts)
	if v.Ready == nil || v.Ready.Seconds != 41 {
		t.Fatalf("ready %+v, want the one 40 s after it was made", v.Ready)
	}
	if got := strings.Join(v.Endpoints, "; "); got != "node1/zookeeper → 172.18.0.2:2181; node2/zookeeper → 172.18.0.3:2181" {
		t.Errorf("endpoints %q", got)
	}
	if len(v.Trusts) != 2 || v.Trusts[0].Removed || !v.Trusts[1].Removed {
		t.Errorf("trusts %+v, want the chain with KAFKA1 set up then removed", v.Trusts)
	}
	none := newClusterView(inventory.Detail{Cluster: inventory.Cluster{Name: "fresh", Created: made}}, ready, trusts)
	if none.Ready != nil || none.Trusts != nil || none.Endpoints != nil {
		t.Errorf("a cluster no fact names: %+v", none)
	}
}

// TestClustersPageFacts: the page shows the probes' result, the endpoints
// and the trusts; reads the facts from the oldest cluster's creation on;
// says so when the facts cannot be read or there is no source of them.
func TestClustersPageFacts(t *testing.T) {
	made := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	clusters := memClusters{
		{Cluster: inventory.Cluster{Name: "zk1", Stack: "demo", Nodes: 1, Running: 1, Created: made}, Realm: "ZK1", KDC: "running"},
		{Cluster: inventory.Cluster{Name: "kafka1", Stack: "demo", Nodes: 1, Running: 1, Created: made.Add(-time.Hour)}, Realm: "KAFKA1"},
	}
	var since time.Time
	facts := memClusterFacts{since: &since,
		ready: []Ready{{At: made.Add(40 * time.Second), Run: "0b5e2c7a-0000-4000-8000-000000000001",
			ClusterReady: events.ClusterReady{Name: "zk1", Seconds: 41, Host: "local", Endpoints: map[string]string{"node1/zookeeper": "172.18.0.2:2181"}}}},
		trusts: []Trust{{At: made.Add(2 * time.Minute), RealmTrusted: events.RealmTrusted{Realms: []string{"ZK1", "KAFKA1"}, Topology: "mesh"}}}}
	_, body := get(t, handler(Sources{Clusters: clusters, ClusterFacts: facts}), "GET", "/clusters", nil)
	for _, w := range []string{"✓ every probe passed, ready in 41 s (2026-12-06 10:00:40 UTC, Docker host local, run <a href=\"/runs/0b5e2c7a-0000-4000-8000-000000000001\">",
		"<code>node1/zookeeper → 172.18.0.2:2181</code>", "✓ mesh: ZK1, KAFKA1 (2026-12-06 10:02:00 UTC)",
		"… no <code>cluster.ready</code> since it was made"} {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q\n%s", w, body)
		}
	}
	if want := made.Add(-time.Hour - factSlack); !since.Equal(want) {
		t.Errorf("facts read since %s, want %s (the oldest cluster's creation, less %s)", since, want, factSlack)
	}
	_, body = get(t, handler(Sources{Clusters: clusters, ClusterFacts: memClusterFacts{err: errors.New("nats: timeout")}}), "GET", "/clusters", nil)
	if !strings.Contains(body, "cluster facts: nats: timeout") || !strings.Contains(body, "not read (the note above says why)") {
		t.Errorf("facts that cannot be read:\n%s", body)
	}
	_, body = get(t, handler(Sources{Clusters: clusters}), "GET", "/clusters", nil)
	if !strings.Contains(body, "probe results and realm trusts are not available from this gateway") {
		t.Errorf("no source of facts:\n%s", body)
	}
}
