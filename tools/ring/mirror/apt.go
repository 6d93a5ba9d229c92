package mirror

import (
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
)

// Release is what the mirror needs from dists/<suite>/Release.
type Release struct {
	Suite, Codename string
	AcquireByHash   bool
	ValidUntil      time.Time // zero if absent
	// Files are the SHA256 entries, paths relative to dists/<suite>/.
	Files []IndexFile
}

// IndexFile is one file an index lists: a path, its size and sha256.
type IndexFile struct {
	Path   string
	Size   int64
	SHA256 string
}

const releaseDate = "Mon, 02 Jan 2006 15:04:05 MST"

// ParseRelease parses the (verified) text of Release or InRelease. Only the
// SHA256 list is used: MD5Sum and SHA1 are not trusted.
func ParseRelease(b []byte) (*Release, error) {
	p, err := oneParagraph(b)
	if err != nil {
		return nil, fmt.Errorf("Release: %w", err)
	}
	r := &Release{Suite: p.get("Suite"), Codename: p.get("Codename"), AcquireByHash: strings.EqualFold(p.get("Acquire-By-Hash"), "yes")}
	if v := p.get("Valid-Until"); v != "" {
		t, err := parseReleaseDate(v)
		if err != nil {
			return nil, fmt.Errorf("Release: Valid-Until %q: %w", v, err)
		}
		r.ValidUntil = t
	}
	list := p.get("SHA256")
	if list == "" {
		return nil, fmt.Errorf("Release: no SHA256 list (MD5Sum and SHA1 alone are not trusted)")
	}
	seen := map[string]bool{}
	for i, line := range strings.Split(list, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("Release: SHA256 line %d: %q: want <sha256> <size> <path>", i+1, line)
		}
		sum := strings.ToLower(f[0])
		if !validSHA256(sum) {
			return nil, fmt.Errorf("Release: SHA256 line %d: %q is not a sha256", i+1, f[0])
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("Release: SHA256 line %d: size %q", i+1, f[1])
		}
		if err := checkInside(f[2]); err != nil {
			return nil, fmt.Errorf("Release: SHA256 line %d: %w", i+1, err)
		}
		if seen[f[2]] {
			return nil, fmt.Errorf("Release: %s listed twice", f[2])
		}
		seen[f[2]] = true
		r.Files = append(r.Files, IndexFile{Path: f[2], Size: size, SHA256: sum})
	}
	return r, nil
}

func parseReleaseDate(v string) (time.Time, error) {
	for _, layout := range []string{releaseDate, time.RFC1123Z, time.RFC1123} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not an RFC 2822 date")
}

// DebPackage is one stanza of a Packages index.
type DebPackage struct {
	Name, Version, Architecture string
	Filename                    string // relative to the repository root
	Size                        int64
	SHA256                      string
}

// ParsePackages reads a Packages index. Every stanza must have Filename,
// Size and SHA256.
func ParsePackages(r io.Reader) ([]DebPackage, error) {
	var out []DebPackage
	err := readParagraphs(r, func(p paragraph, line int) error {
		d := DebPackage{Name: p.get("Package"), Version: p.get("Version"), Architecture: p.get("Architecture"), Filename: p.get("Filename"), SHA256: strings.ToLower(p.get("SHA256"))}
		what := fmt.Sprintf("stanza at line %d (%s %s)", line, d.Name, d.Version)
		if d.Name == "" {
			return fmt.Errorf("%s: no Package field", what)
		}
		if d.Filename == "" {
			return fmt.Errorf("%s: no Filename", what)
		}
		if err := checkInside(d.Filename); err != nil {
			return fmt.Errorf("%s: Filename: %w", what, err)
		}
		if !validSHA256(d.SHA256) {
			return fmt.Errorf("%s: no valid SHA256 (got %q)", what, d.SHA256)
		}
		size, err := strconv.ParseInt(p.get("Size"), 10, 64)
		if err != nil || size < 0 {
			return fmt.Errorf("%s: Size %q", what, p.get("Size"))
		}
		d.Size = size
		out = append(out, d)
		return nil
	})
	return out, err
}

// byHashPath is where apt fetches an index listed in Release when
// Acquire-By-Hash is on: next to it, under by-hash/SHA256/<hex>.
func byHashPath(p, sum string) string {
	return path.Join(path.Dir(p), "by-hash", "SHA256", sum)
}

// packagesIndexes picks, per directory, the Packages file to read: the
// plain one if listed, else .gz, .xz, .zst, .bz2.
func packagesIndexes(files []IndexFile) []IndexFile {
	rank := map[string]int{"Packages": 1, "Packages.gz": 2, "Packages.xz": 3, "Packages.zst": 4, "Packages.bz2": 5}
	best := map[string]IndexFile{}
	var order []string
	for _, f := range files {
		r, ok := rank[path.Base(f.Path)]
		if !ok {
			continue
		}
		dir := path.Dir(f.Path)
		cur, have := best[dir]
		if !have {
			order = append(order, dir)
		}
		if !have || r < rank[path.Base(cur.Path)] {
			best[dir] = f
		}
	}
	out := make([]IndexFile, 0, len(order))
	for _, d := range order {
		out = append(out, best[d])
	}
	return out
}
