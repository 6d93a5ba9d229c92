package dashboard

import (
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"

	"ringmaster.dev/events"
)

// reposView is the repositories page: channels × distros, what each
// publishes, and what a promote from one channel to another would change.
type reposView struct {
	Channels, Distros []string
	// Listing is channel → distro → its listing.
	Listing   map[string]map[string]events.ChannelListing
	From, To  string
	Promote   []PromoteChange
	Truncated bool
}

// Cell is the listing of channel on distro (Revision 0: none).
func (v reposView) Cell(channel, distro string) events.ChannelListing {
	return v.Listing[channel][distro]
}

// PromoteChange is what promoting from one channel to another changes of
// one package on one distro.
type PromoteChange struct {
	Distro, Package string
	// From is the version promoted; To the one it replaces ("" when the
	// target does not have the package).
	From, To string
}

// Promotion is what a promote from → to would change: every package of
// from whose version to lacks, distro by distro.
func Promotion(l events.RepoListed, from, to string) []PromoteChange {
	have := map[string]map[string]string{} // distro → package → version in to
	for _, c := range l.Channels {
		if c.Channel == to {
			have[c.Distro] = packageVersions(c.Packages)
		}
	}
	var out []PromoteChange
	for _, c := range l.Channels {
		if c.Channel != from {
			continue
		}
		for name, ver := range packageVersions(c.Packages) {
			if old := have[c.Distro][name]; old != ver {
				out = append(out, PromoteChange{Distro: c.Distro, Package: name, From: ver, To: old})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Distro != out[j].Distro {
			return out[i].Distro < out[j].Distro
		}
		return out[i].Package < out[j].Package
	})
	return out
}

// packageVersions reads "name@version (arch)" entries into name (arch) →
// version.
func packageVersions(l []string) map[string]string {
	out := map[string]string{}
	for _, p := range l {
		name, rest, ok := strings.Cut(p, "@")
		if !ok {
			continue
		}
		ver, arch, _ := strings.Cut(rest, " ")
		if arch != "" {
			name += " " + arch
		}
		out[name] = ver
	}
	return out
}

// reposPage shows the channels: GET /repos?from=C&to=C.
func (d *Dashboard) reposPage(w http.ResponseWriter, r *http.Request) {
	p := page{Title: "Repositories", Tab: "repos"}
	v := reposView{Listing: map[string]map[string]events.ChannelListing{}, From: r.URL.Query().Get("from"), To: r.URL.Query().Get("to")}
	if d.src.Repos == nil {
		p.Notes = append(p.Notes, notAvailable("repositories"))
	} else if l, err := d.src.Repos(r.Context()); err != nil {
		p.Notes = append(p.Notes, "repositories: "+err.Error())
	} else {
		v.Truncated = l.Truncated
		chans, distros := map[string]bool{}, map[string]bool{}
		for _, c := range l.Channels {
			chans[c.Channel], distros[c.Distro] = true, true
			if v.Listing[c.Channel] == nil {
				v.Listing[c.Channel] = map[string]events.ChannelListing{}
			}
			v.Listing[c.Channel][c.Distro] = c
		}
		v.Channels, v.Distros = slices.Sorted(maps.Keys(chans)), slices.Sorted(maps.Keys(distros))
		if v.From == "" && len(v.Channels) > 1 {
			v.From, v.To = v.Channels[0], v.Channels[1]
			if slices.Contains(v.Channels, "stable") {
				v.To = "stable"
				if v.From == "stable" {
					v.From = v.Channels[1]
				}
			}
		}
		if v.From != "" && v.To != "" && v.From != v.To {
			v.Promote = Promotion(l, v.From, v.To)
		}
	}
	p.Data = v
	d.render(w, http.StatusOK, "repos.html", p)
}
