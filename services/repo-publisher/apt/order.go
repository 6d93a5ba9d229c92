package apt

import (
	"cmp"
	"fmt"
	"slices"

	"pault.ag/go/debian/version"
)

type sortedPackage struct {
	*Package
	ver version.Version
}

// sortPackages checks pkgs and returns them ordered by name, Debian version
// order, version string, architecture and filename. Exact duplicates (same
// name, version, architecture, filename and SHA256) are kept once; other
// packages with the same name, version and architecture are an ErrConflict.
func sortPackages(pkgs []Package) ([]sortedPackage, error) {
	out := make([]sortedPackage, 0, len(pkgs))
	for i := range pkgs {
		p := &pkgs[i]
		if err := checkPackage(p); err != nil {
			return nil, fmt.Errorf("%w: %s %s %s: %w", ErrInvalidPackage, p.Name, p.Version, p.Architecture, err)
		}
		v, _ := version.Parse(p.Version) // checked by checkPackage
		out = append(out, sortedPackage{Package: p, ver: v})
	}
	slices.SortFunc(out, func(a, b sortedPackage) int {
		return cmp.Or(
			cmp.Compare(a.Name, b.Name),
			version.Compare(a.ver, b.ver),
			cmp.Compare(a.Version, b.Version),
			cmp.Compare(a.Architecture, b.Architecture),
			cmp.Compare(a.Filename, b.Filename),
			cmp.Compare(a.SHA256, b.SHA256),
		)
	})
	kept := out[:0]
	for _, p := range out {
		if n := len(kept); n > 0 {
			q := kept[n-1]
			if q.Name == p.Name && q.Architecture == p.Architecture && version.Compare(q.ver, p.ver) == 0 {
				if q.Version == p.Version && q.Filename == p.Filename && q.SHA256 == p.SHA256 {
					continue
				}
				return nil, fmt.Errorf("%w: %s %s %s is both %s (sha256 %s) and %s (sha256 %s)",
					ErrConflict, p.Name, p.Version, p.Architecture, q.Filename, q.SHA256, p.Filename, p.SHA256)
			}
		}
		kept = append(kept, p)
	}
	return kept, nil
}
