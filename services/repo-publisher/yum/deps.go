package yum

import (
	"strconv"
	"strings"

	rpmutils "github.com/sassoftware/go-rpmutils"
)

// RPMSENSE bits createrepo_c looks at.
const (
	senseMask       = 0x0f
	sensePrereq     = 1 << 6
	senseScriptPre  = 1 << 9
	senseScriptPost = 1 << 10
	senseMissingOK  = 1 << 19
)

type depKind int

const (
	depProvides depKind = iota
	depConflicts
	depObsoletes
	depRequires
	depSuggests
	depEnhances
	depRecommends
	depSupplements
)

// depTags is in createrepo_c's order: provides must come before requires.
var depTags = [...]struct{ kind, name, flags, version int }{
	{int(depProvides), rpmutils.PROVIDENAME, rpmutils.PROVIDEFLAGS, rpmutils.PROVIDEVERSION},
	{int(depConflicts), rpmutils.CONFLICTNAME, rpmutils.CONFLICTFLAGS, rpmutils.CONFLICTVERSION},
	{int(depObsoletes), rpmutils.OBSOLETENAME, rpmutils.OBSOLETEFLAGS, rpmutils.OBSOLETEVERSION},
	{int(depRequires), rpmutils.REQUIRENAME, rpmutils.REQUIREFLAGS, rpmutils.REQUIREVERSION},
	{int(depSuggests), tagSuggestName, tagSuggestFlags, tagSuggestVersion},
	{int(depEnhances), tagEnhanceName, tagEnhanceFlags, tagEnhanceVersion},
	{int(depRecommends), tagRecommendName, tagRecommendFlags, tagRecommendVersion},
	{int(depSupplements), tagSupplementName, tagSupplementFlags, tagSupplementVersion},
}

// dependencies fills the dependency lists with createrepo_c's filtering of
// requires: no rpmlib(…), none of the package's own primary files, none it
// provides itself, no repeats, only the highest libc.so.6(GLIBC_x) (last).
// Requires marked MISSINGOK are legacy weak dependencies: recommends.
func (h header) dependencies(p *Package) error {
	own := make(map[string]bool, len(p.Files))
	for _, f := range p.Files {
		own[f.Path] = true
	}
	provided := map[string]bool{}
	type seen struct {
		flags, version string
		pre            bool
	}
	required := map[string]seen{}
	var libc *Dependency

	for _, t := range depTags {
		names, err := h.strs(t.name)
		if err != nil {
			return err
		}
		flags, err := h.uint32s(t.flags)
		if err != nil {
			return err
		}
		versions, err := h.strs(t.version)
		if err != nil {
			return err
		}
		if len(names) == 0 || len(flags) == 0 || len(versions) == 0 {
			continue
		}
		n := min(len(names), len(flags), len(versions))
		for i := range n {
			name, fl, full := names[i], flags[i], versions[i]
			fs := flagString(fl)
			nfv := name + fs + full
			kind := depKind(t.kind)
			pre := false
			if kind == depRequires {
				if strings.HasPrefix(name, "rpmlib(") ||
					(strings.HasPrefix(name, "/") && own[name] && isPrimaryFile(name)) ||
					provided[nfv] {
					continue
				}
				pre = fl&(sensePrereq|senseScriptPre|senseScriptPost) != 0
				if s, ok := required[name]; ok && s == (seen{fs, full, pre}) {
					continue
				}
			}
			epoch, ver, rel, ok := splitEVR(full)
			if !ok {
				continue // createrepo_c skips a dependency with a bad epoch
			}
			d := Dependency{Name: name, Flags: fs, Epoch: epoch, Version: ver, Release: rel}
			switch kind {
			case depProvides:
				provided[nfv] = true
				p.Provides = append(p.Provides, d)
			case depConflicts:
				p.Conflicts = append(p.Conflicts, d)
			case depObsoletes:
				p.Obsoletes = append(p.Obsoletes, d)
			case depRequires:
				if fl&senseMissingOK != 0 {
					p.Recommends = append(p.Recommends, d)
					continue
				}
				d.Pre = pre
				if strings.HasPrefix(name, "libc.so.6") {
					if libc == nil || compareLibc(libc.Name, name) < 0 {
						libc = &d
					}
					continue
				}
				p.Requires = append(p.Requires, d)
				required[name] = seen{fs, full, pre}
			case depSuggests:
				p.Suggests = append(p.Suggests, d)
			case depEnhances:
				p.Enhances = append(p.Enhances, d)
			case depRecommends:
				p.Recommends = append(p.Recommends, d)
			case depSupplements:
				p.Supplements = append(p.Supplements, d)
			}
		}
		if depKind(t.kind) == depRequires && libc != nil {
			p.Requires = append(p.Requires, *libc)
		}
	}
	return nil
}

// flagString maps RPMSENSE comparison bits to primary.xml's flags.
func flagString(f uint32) string {
	switch f & senseMask {
	case 2:
		return "LT"
	case 4:
		return "GT"
	case 8:
		return "EQ"
	case 10:
		return "LE"
	case 12:
		return "GE"
	}
	return ""
}

// splitEVR splits "[epoch:]version[-release]". The epoch is "0" when absent
// and the string is not empty; ok is false for a non-numeric epoch.
func splitEVR(s string) (epoch, version, release string, ok bool) {
	if s == "" {
		return "", "", "", true
	}
	rest := s
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if _, err := strconv.ParseUint(s[:i], 10, 64); err != nil {
			return "", "", "", false
		}
		epoch, rest = s[:i], s[i+1:]
	} else {
		epoch = "0"
	}
	version = rest
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		version, release = rest[:i], rest[i+1:]
	}
	return epoch, version, release, true
}

// isPrimaryFile is createrepo_c's choice of files listed in primary.xml
// (the ones dependencies commonly name).
func isPrimaryFile(path string) bool {
	return strings.HasPrefix(path, "/etc/") || path == "/usr/lib/sendmail" || strings.Contains(path, "bin/")
}

// compareLibc orders libc.so.6 requires by the version in parentheses:
// libc.so.6 < libc.so.6() < libc.so.6(GLIBC_2.3) < libc.so.6(GLIBC_2.14).
func compareLibc(a, b string) int {
	va, oka := libcVersion(a)
	vb, okb := libcVersion(b)
	switch {
	case !oka && !okb:
		return 0
	case !oka:
		return -1
	case !okb:
		return 1
	}
	return rpmutils.Vercmp(va, vb)
}

func libcVersion(dep string) (string, bool) {
	open := strings.IndexByte(dep, '(')
	if open < 0 {
		return "", false
	}
	end := strings.IndexByte(dep[open:], ')')
	if end < 0 {
		return "", false
	}
	inner := dep[open+1 : open+end]
	if i := strings.IndexAny(inner, "0123456789"); i >= 0 {
		return inner[i:], true
	}
	return "", true
}
