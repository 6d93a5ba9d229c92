package publisher

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/repo-publisher/apt"
	"ringmaster.dev/repo-publisher/yum"
)

// ValidatePromote checks a promote request before anything is read or written.
func ValidatePromote(req *events.RepoPromoteRequested) error {
	for _, c := range []struct{ flag, v string }{{"from", req.From}, {"to", req.To}} {
		if !channelRE.MatchString(c.v) {
			return fmt.Errorf("%w: %s channel %q: want lowercase letters, digits and '-', e.g. nightly", ErrBadRequest, c.flag, c.v)
		}
	}
	if req.From == req.To {
		return fmt.Errorf("%w: promote from %s to itself", ErrBadRequest, req.From)
	}
	for _, d := range req.Distros {
		if FormatOf(d) == "" {
			return fmt.Errorf("%w: distro %q: not a known Debian or RPM family (debian-12, ubuntu-24.04, rockylinux-9, fedora-40, …)", ErrBadRequest, d)
		}
	}
	if len(req.Packages) == 0 {
		return fmt.Errorf("%w: no packages: name them as name@version, e.g. ringhello@1.0.0-1 (see `ring repo list`)", ErrBadRequest)
	}
	for _, p := range req.Packages {
		if _, _, err := splitRef(p); err != nil {
			return err
		}
	}
	return nil
}

// splitRef splits name@version.
func splitRef(ref string) (name, version string, err error) {
	name, version, ok := strings.Cut(ref, "@")
	if !ok || name == "" || version == "" || strings.ContainsAny(ref, " \t\n/") {
		return "", "", fmt.Errorf("%w: package %q: want name@version, e.g. ringhello@1.0.0-1 (see `ring repo list`)", ErrBadRequest, ref)
	}
	return name, version, nil
}

// rpmVersions are the ways name@version may name an RPM: version-release,
// and epoch:version-release (the epoch "0" is implied when absent).
func rpmVersions(p yum.Package) []string {
	vr := p.Version + "-" + p.Release
	e := p.Epoch
	if e == "" {
		e = "0"
	}
	return []string{vr, e + ":" + vr}
}

func rpmVersion(p yum.Package) string {
	if p.Epoch != "" && p.Epoch != "0" {
		return p.Epoch + ":" + p.Version + "-" + p.Release
	}
	return p.Version + "-" + p.Release
}

// selection is what a promote copies: the source's entries per target distro.
type selection struct {
	debs map[string][]apt.Package
	rpms map[string][]yum.Package
}

// selectPackages finds every entry of src matching req (all architectures of
// each name@version, in each selected distro). Anything it cannot find is a
// permanent error naming what the source channel has.
func selectPackages(src *Manifest, req *events.RepoPromoteRequested) (selection, error) {
	sel := selection{debs: map[string][]apt.Package{}, rpms: map[string][]yum.Package{}}
	distros := req.Distros
	if len(distros) == 0 {
		distros = src.distros()
	}
	if len(distros) == 0 {
		return sel, fmt.Errorf("%w: channel %s has nothing published", ErrBadRequest, src.Channel)
	}
	for _, d := range distros {
		_, deb := src.Debs[d]
		_, rpm := src.RPMs[d]
		if !deb && !rpm {
			return sel, fmt.Errorf("%w: channel %s has no packages for %s; it has %s", ErrBadRequest, src.Channel, d, orNone(src.distros()))
		}
	}
	var missing []string
	for _, ref := range req.Packages {
		name, version, err := splitRef(ref)
		if err != nil {
			return sel, err
		}
		found := false
		for _, d := range distros {
			for _, p := range src.Debs[d] {
				if p.Name == name && p.Version == version {
					sel.debs[d] = addDeb(sel.debs[d], p)
					found = true
				}
			}
			for _, p := range src.RPMs[d] {
				if p.Name == name && (version == rpmVersions(p)[0] || version == rpmVersions(p)[1]) {
					sel.rpms[d] = addRPM(sel.rpms[d], p)
					found = true
				}
			}
		}
		if !found {
			missing = append(missing, fmt.Sprintf("%s (%s has %s)", ref, src.Channel, orNone(versionsOf(src, name, distros))))
		}
	}
	if len(missing) > 0 {
		return sel, fmt.Errorf("%w: not in channel %s for %s: %s", ErrBadRequest, src.Channel, strings.Join(distros, ", "), strings.Join(missing, "; "))
	}
	return sel, nil
}

// versionsOf lists name@version (distros) of every entry of name in src.
func versionsOf(src *Manifest, name string, distros []string) []string {
	where := map[string][]string{}
	for _, d := range distros {
		for _, p := range src.Debs[d] {
			if p.Name == name {
				where[p.Version] = appendOnce(where[p.Version], d)
			}
		}
		for _, p := range src.RPMs[d] {
			if p.Name == name {
				v := rpmVersion(p)
				where[v] = appendOnce(where[v], d)
			}
		}
	}
	var out []string
	for _, v := range sortedKeys(where) {
		out = append(out, fmt.Sprintf("%s@%s [%s]", name, v, strings.Join(where[v], ", ")))
	}
	if len(out) == 0 {
		names := map[string]bool{}
		for _, d := range distros {
			for _, p := range src.Debs[d] {
				names[p.Name] = true
			}
			for _, p := range src.RPMs[d] {
				names[p.Name] = true
			}
		}
		if len(names) > 0 {
			return []string{fmt.Sprintf("no %s; its packages are %s", name, strings.Join(sortedKeys(names), ", "))}
		}
	}
	return out
}

func appendOnce(list []string, s string) []string {
	for _, e := range list {
		if e == s {
			return list
		}
	}
	return append(list, s)
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "nothing"
	}
	return strings.Join(list, ", ")
}

// Promote adds packages already published in req.From to req.To: the
// target's manifest gets the same index entries, pointing at the same
// (shared, immutable) pool files — nothing is copied — and the target's
// indexes are rebuilt, re-signed and written as Publish does. The caller
// holds the target channel's lease; the source is only read.
func (p *Publisher) Promote(ctx context.Context, req *events.RepoPromoteRequested) (*events.RepoPublished, error) {
	if err := ValidatePromote(req); err != nil {
		return nil, err
	}
	src, err := LoadManifest(ctx, p.Store, req.From)
	if err != nil {
		return nil, err
	}
	sel, err := selectPackages(src, req)
	if err != nil {
		return nil, err
	}
	// The indexes will send readers to these pool files: make sure they are
	// there, with the bytes the entries describe, before anything is written.
	if err := p.checkPool(ctx, sel); err != nil {
		return nil, err
	}
	m, now, err := p.begin(ctx, req.To)
	if err != nil {
		return nil, err
	}
	for _, d := range sortedKeys(sel.debs) {
		for _, pkg := range sel.debs[d] {
			m.addDeb(d, pkg)
		}
	}
	for _, d := range sortedKeys(sel.rpms) {
		for _, pkg := range sel.rpms[d] {
			m.addRPM(d, pkg)
		}
	}
	return p.commit(ctx, m, now, "promoted from "+req.From)
}

// checkPool stats every pool file of sel once.
func (p *Publisher) checkPool(ctx context.Context, sel selection) error {
	want := map[string]string{}
	for _, pkgs := range sel.debs {
		for _, pkg := range pkgs {
			want[AptRoot+pkg.Filename] = pkg.SHA256
		}
	}
	for _, pkgs := range sel.rpms {
		for _, pkg := range pkgs {
			want[rpmPoolKey(pkg)] = pkg.Checksum
		}
	}
	for _, k := range sortedKeys(want) {
		info, err := p.Store.Stat(ctx, k)
		if errors.Is(err, blob.ErrNotFound) {
			return fmt.Errorf("%w: pool file %s is missing; publish the package again", ErrBadPackage, k)
		}
		if err != nil {
			return err
		}
		if info.SHA256 != "" && info.SHA256 != want[k] {
			return fmt.Errorf("%w: pool file %s has sha256 %s, the index entry says %s", ErrImmutable, k, info.SHA256, want[k])
		}
	}
	return nil
}

// rpmPoolKey is the bucket key of an RPM entry: hrefs are "../pool/…"
// relative to the distro's repository directory.
func rpmPoolKey(pkg yum.Package) string {
	return YumPool + strings.TrimPrefix(pkg.Href, "../pool/")
}

func promoteHandler(p *Publisher, leases leaseKV) bus.Handler {
	return func(d *bus.Delivery) error {
		req := d.Payload.(*events.RepoPromoteRequested)
		if err := ValidatePromote(req); err != nil {
			return bus.Permanent(err)
		}
		var out *events.RepoPublished
		err := underLeases(d, leases, []string{req.To}, func(ctx context.Context) error {
			var err error
			start := time.Now()
			out, err = p.Promote(ctx, req)
			p.metrics.timed("promote", req.To, start, err)
			return err
		})
		if err != nil {
			return err
		}
		return d.Emit(out)
	}
}
