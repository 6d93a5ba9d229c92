// Package sweep is the pure part of compatibility sweeps: which version
// combinations the channel offers, and the results document.
package sweep

import (
	"fmt"
	"slices"
	"strings"

	"pault.ag/go/debian/version"
	"ringmaster.dev/kit/repository"
	"ringmaster.dev/policies"
)

// Component is a component the sweep varies: its name and the packages its
// role installs.
type Component struct {
	Name     string
	Packages []string
}

// Combination is a distro and one upstream version per component.
type Combination struct {
	Distro   string
	Versions map[string]string
}

// String is "debian-12: redis 7.0.15, zookeeper 3.8.0".
func (c Combination) String() string { return c.Distro + ": " + policies.VersionList(c.Versions) }

// Plan lists the combinations to sweep: on each distro, every upstream
// version of each component that the distro's packages (published, by
// distro) hold for all of the component's packages, crossed with the other
// components' — newest versions first, at most max of them (0: no limit).
// Notes say what was left out and why.
func Plan(published map[string][]repository.Package, distros []string, comps []Component, max int) (combos []Combination, notes []string) {
	comps = slices.SortedFunc(slices.Values(comps), func(a, b Component) int { return strings.Compare(a.Name, b.Name) })
	for _, d := range distros {
		choices := make([][]string, len(comps))
		ok := true
		for i, c := range comps {
			choices[i] = Versions(published[d], c.Packages)
			if len(choices[i]) == 0 {
				notes = append(notes, fmt.Sprintf("%s: no version of %s is published with all of its packages (%s); build the stack for %s", d, c.Name, strings.Join(c.Packages, ", "), d))
				ok = false
			}
		}
		if !ok {
			continue
		}
		for _, pick := range product(choices) {
			v := map[string]string{}
			for i, c := range comps {
				v[c.Name] = pick[i]
			}
			combos = append(combos, Combination{Distro: d, Versions: v})
		}
	}
	if max > 0 && len(combos) > max {
		notes = append(notes, fmt.Sprintf("%d of %d combinations left out (at most %d per sweep; raise max)", len(combos)-max, len(combos), max))
		combos = combos[:max]
	}
	return combos, notes
}

// Versions returns the upstream versions at which every one of pkgs is in
// the list, newest first.
func Versions(list []repository.Package, pkgs []string) []string {
	count := map[string]map[string]bool{} // upstream version → packages
	for _, p := range list {
		if !slices.Contains(pkgs, p.Name) {
			continue
		}
		u := Upstream(p.Version)
		if count[u] == nil {
			count[u] = map[string]bool{}
		}
		count[u][p.Name] = true
	}
	var out []string
	for u, names := range count {
		if len(names) == len(pkgs) {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return -compareVersions(a, b) })
	return out
}

// Upstream is the upstream part of a Debian version: no epoch, no Debian
// revision (3.8.0-2+deb12 → 3.8.0).
func Upstream(v string) string {
	if _, rest, ok := strings.Cut(v, ":"); ok {
		v = rest
	}
	if i := strings.LastIndex(v, "-"); i > 0 {
		v = v[:i]
	}
	return v
}

func compareVersions(a, b string) int {
	va, errA := version.Parse(a)
	vb, errB := version.Parse(b)
	if errA != nil || errB != nil {
		return strings.Compare(a, b)
	}
	return version.Compare(va, vb)
}

// product is the cartesian product of choices, in order: the first list
// varies slowest.
func product(choices [][]string) [][]string {
	out := [][]string{{}}
	for _, c := range choices {
		var next [][]string
		for _, prefix := range out {
			for _, v := range c {
				next = append(next, append(slices.Clone(prefix), v))
			}
		}
		out = next
	}
	return out
}
