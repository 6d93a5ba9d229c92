package dashboard

import (
	"context"
	"net/http"

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

// clustersView is the clusters page.
type clustersView struct {
	Clusters  []inventory.Detail
	Snapshots []inventory.Snapshot
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
		var err error
		if v.Clusters, err = d.src.Clusters.Details(r.Context()); err != nil {
			p.Notes = append(p.Notes, "clusters: "+err.Error())
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
