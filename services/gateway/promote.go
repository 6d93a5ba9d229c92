package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/runs"
)

// promote adds the packages the tag's build published in the stack's
// channel to the release channel: the same pool files, the release
// channel's indexes re-signed (repo.promote.requested).
func (p *pipeline) promote(ctx context.Context, target string) error {
	b := p.st.build
	to := p.req.PromoteTo
	if b.Channel == to {
		return p.stage(ctx, StagePromote, "skipped", "the stack publishes to "+to+" already")
	}
	refs := packageRefs(b.Cells)
	if err := p.status(ctx, ContextRelease, "pending", "promoting to "+to, target); err != nil {
		return err
	}
	if err := p.stage(ctx, StagePromote, runs.Running, fmt.Sprintf("%s from %s to %s", strings.Join(refs, ", "), b.Channel, to)); err != nil {
		return err
	}
	req := &events.RepoPromoteRequested{From: b.Channel, To: to, Distros: b.Published, Packages: refs}
	if err := p.d.EmitAs("promote", req); err != nil {
		return err
	}
	err := p.await(ctx, p.g.Opts.BuildTimeout, func() bool {
		return p.st.failed["repo.promote.requested"] != "" || p.st.promoted
	})
	if err == nil && !p.st.promoted {
		err = errors.New(p.st.failed["repo.promote.requested"])
	}
	if err != nil {
		return p.failed(ctx, p.fail(ctx, err, StagePromote, ContextRelease, "promote to %s: %v", to, err))
	}
	if err := p.stage(ctx, StagePromote, runs.Success, fmt.Sprintf("%d packages in %s", len(refs), to)); err != nil {
		return err
	}
	return p.status(ctx, ContextRelease, "success", "released to "+to, target)
}

// packageRefs names the cells' .deb packages as name@version, once each.
func packageRefs(cells []events.CellResult) []string {
	seen := map[string]bool{}
	for _, c := range cells {
		for _, pkg := range c.Packages {
			if ref, ok := debRef(path.Base(pkg.Key)); ok {
				seen[ref] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// builtVersions maps the distro's packages the cells built to their exact
// versions: the cluster of a pipeline runs those, not the newest in the
// channel (which another commit may have published).
func builtVersions(cells []events.CellResult, distro string) map[string]string {
	out := map[string]string{}
	for _, c := range cells {
		if c.Distro != distro {
			continue
		}
		for _, pkg := range c.Packages {
			if ref, ok := debRef(path.Base(pkg.Key)); ok {
				name, version, _ := strings.Cut(ref, "@")
				out[name] = version
			}
		}
	}
	return out
}

// debRef reads name@version from a Debian package file name,
// <name>_<version>_<arch>.deb (an epoch's ":" written %3a).
func debRef(file string) (string, bool) {
	base, ok := strings.CutSuffix(file, ".deb")
	if !ok {
		return "", false
	}
	parts := strings.Split(base, "_")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return "", false
	}
	v, err := url.PathUnescape(parts[1])
	if err != nil {
		return "", false
	}
	return parts[0] + "@" + v, true
}
