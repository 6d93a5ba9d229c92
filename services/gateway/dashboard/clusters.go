package dashboard

import (
	"context"
	"net/http"
	"slices"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/inventory"
)

// Clusters reads the clusters there are, with their nodes.
type Clusters interface {
	Details(ctx context.Context) ([]inventory.Detail, error)
}

// Snapshots reads the saved clusters.
type Snapshots interface {
	Snapshots(ctx context.Context) ([]inventory.Snapshot, error)
}

// Ready is a cluster.ready fact: every probe of the cluster passed.
type Ready struct {
	At  time.Time
	Run string
	events.ClusterReady
}

// Trust is a realm.trusted fact: trust set up (or removed) among realms.
type Trust struct {
	At  time.Time
	Run string
	events.RealmTrusted
}

// ClusterFacts reads what the provisioner and kerberos-realm said of
// clusters since a time: their cluster.ready and realm.trusted facts,
// oldest first.
type ClusterFacts interface {
	ClusterFacts(ctx context.Context, since time.Time) ([]Ready, []Trust, error)
}

// clustersView is the clusters page.
type clustersView struct {
	Clusters  []clusterView
	Snapshots []inventory.Snapshot
	// Facts tells whether the facts were read (each cluster's Ready and
	// Trusts are then what they say).
	Facts bool
}

// clusterView is one cluster with what the facts said of it since it was
// made: its latest cluster.ready and the trusts its realm took part in.
type clusterView struct {
	inventory.Detail
	Ready     *Ready
	Endpoints []string // "node/component → host:port", sorted
	Trusts    []Trust
}

// clustersPage shows the clusters Docker has, node by node, and the
// snapshots: GET /clusters.
func (d *Dashboard) clustersPage(w http.ResponseWriter, r *http.Request) {
	p := page{Title: "Clusters", Tab: "clusters"}
	var v clustersView
	switch {
	case d.src.Clusters == nil && d.src.ClustersErr != nil:
		p.Notes = append(p.Notes, "clusters: "+d.src.ClustersErr.Error())
	case d.src.Clusters == nil:
		p.Notes = append(p.Notes, notAvailable("clusters"))
	default:
		details, err := d.src.Clusters.Details(r.Context())
		if err != nil {
			p.Notes = append(p.Notes, "clusters: "+err.Error())
		}
		var ready []Ready
		var trusts []Trust
		switch {
		case d.src.ClusterFacts == nil:
			p.Notes = append(p.Notes, notAvailable("probe results and realm trusts"))
		case len(details) > 0:
			oldest := slices.MinFunc(details, func(a, b inventory.Detail) int { return a.Created.Compare(b.Created) })
			if ready, trusts, err = d.src.ClusterFacts.ClusterFacts(r.Context(), oldest.Created.Add(-factSlack)); err != nil {
				p.Notes = append(p.Notes, "cluster facts: "+err.Error())
			} else {
				v.Facts = true
			}
		}
		for _, c := range details {
			v.Clusters = append(v.Clusters, newClusterView(c, ready, trusts))
		}
	}
	if d.src.Snapshots != nil {
		var err error
		if v.Snapshots, err = d.src.Snapshots.Snapshots(r.Context()); err != nil {
			p.Notes = append(p.Notes, "snapshots: "+err.Error())
		}
	}
	p.Data = v
	d.render(w, http.StatusOK, "clusters.html", p)
}

// factSlack is how long before a cluster's creation time (its containers'
// labels) its facts may be stamped: the command that made it came first.
const factSlack = time.Minute

// newClusterView joins a cluster with its facts: the latest cluster.ready
// naming it since it was made, and every realm.trusted naming its realm
// since then (a cluster of the same name made again starts afresh).
func newClusterView(c inventory.Detail, ready []Ready, trusts []Trust) clusterView {
	v := clusterView{Detail: c}
	since := c.Created.Add(-factSlack)
	for i := range ready {
		if ready[i].Name == c.Name && !ready[i].At.Before(since) {
			v.Ready = &ready[i]
		}
	}
	if v.Ready != nil {
		for k, addr := range v.Ready.Endpoints {
			v.Endpoints = append(v.Endpoints, k+" → "+addr)
		}
		slices.Sort(v.Endpoints)
	}
	if c.Realm != "" {
		for _, t := range trusts {
			if slices.Contains(t.Realms, c.Realm) && !t.At.Before(since) {
				v.Trusts = append(v.Trusts, t)
			}
		}
	}
	return v
}
