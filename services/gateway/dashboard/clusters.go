package dashboard

import (
	"net/http"

	"ringmaster.dev/kit/inventory"
)

// clustersPage lists the clusters Docker has: GET /clusters.
func (d *Dashboard) clustersPage(w http.ResponseWriter, r *http.Request) {
	p := page{Title: "Clusters", Tab: "clusters"}
	var cs []inventory.Cluster
	switch {
	case d.src.Clusters == nil && d.src.ClustersErr != nil:
		p.Notes = append(p.Notes, "clusters: "+d.src.ClustersErr.Error())
	case d.src.Clusters == nil:
		p.Notes = append(p.Notes, notAvailable("clusters"))
	default:
		var err error
		if cs, err = d.src.Clusters.List(r.Context()); err != nil {
			p.Notes = append(p.Notes, "clusters: "+err.Error())
		}
	}
	p.Data = cs
	d.render(w, http.StatusOK, "clusters.html", p)
}
