package provisioner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"ringmaster.dev/kit/repository"
)

// checkPublished makes sure, before anything is created, that the channel
// holds every package the nodes will install at its component's version:
// apt-get would fail on the first node otherwise, after the network and
// containers were made.
func (p *Provisioner) checkPublished(ctx context.Context, pl plan) error {
	published, err := repository.Packages(ctx, p.Store, pl.Spec.Distro, pl.Spec.Channel)
	if err != nil && !errors.Is(err, repository.ErrNotPublished) {
		return fmt.Errorf("the %s channel: %w", pl.Spec.Channel, err)
	}
	want := map[string]string{}
	for i := 1; i <= pl.Spec.Nodes; i++ {
		maps.Copy(want, pl.packageVersions(i))
	}
	missing := unpublished(published, want)
	for _, pkg := range slices.Sorted(maps.Keys(pl.Spec.Builds)) {
		v := pl.Spec.Builds[pkg]
		if !slices.ContainsFunc(published, func(p repository.Package) bool { return p.Name == pkg && p.Version == v }) {
			missing = append(missing, fmt.Sprintf("%s %s (the build to test)", pkg, v))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: not in the %s channel for %s: %s; build and publish it first (ring build --stack %s --distro %s)",
			ErrSpec, pl.Spec.Channel, pl.Spec.Distro, strings.Join(missing, "; "), pl.Spec.Stack, pl.Spec.Distro)
	}
	return nil
}

// unpublished lists, sorted, the packages of want (name → upstream version)
// that pkgs has at no release of that version, with the versions it has.
func unpublished(pkgs []repository.Package, want map[string]string) []string {
	have := map[string][]string{}
	for _, pkg := range pkgs {
		have[pkg.Name] = append(have[pkg.Name], pkg.Version)
	}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(want)) {
		v := want[name]
		if slices.ContainsFunc(have[name], func(ver string) bool { return releaseOf(ver, v) }) {
			continue
		}
		there := "none"
		if len(have[name]) > 0 {
			there = strings.Join(slices.Sorted(slices.Values(have[name])), ", ")
		}
		out = append(out, fmt.Sprintf("%s %s (published: %s)", name, v, there))
	}
	return out
}

// releaseOf reports whether the Debian version ver is a release of upstream
// version v — what apt-get's "name=v-*" selects.
func releaseOf(ver, v string) bool { return strings.HasPrefix(ver, v+"-") }
