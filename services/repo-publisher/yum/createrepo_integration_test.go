//go:build integration

package yum

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestMatchesCreaterepoC builds the same rpms into repodata with
// createrepo_c --no-database and with Build and compares every package
// element of primary, filelists and other byte for byte (createrepo_c's
// file time is the rpm's mtime, which the test hands to Build).
func TestMatchesCreaterepoC(t *testing.T) {
	if _, err := exec.LookPath("createrepo_c"); err != nil {
		t.Fatalf("createrepo_c not installed (apt-get install -y createrepo-c): %v", err)
	}
	dir := t.TempDir()
	_, keyFile := writeKey(t, dir, "cmp")
	cl := filepath.Join(dir, "changelog.yaml")
	write(t, cl, []byte(`- semver: 2.0.0
  date: 2025-02-01T00:00:00Z
  packager: Jane Doe <jane@example.com>
  changes:
    - note: newer & better
- semver: 1.9.0
  date: 2025-02-01T00:00:00Z
  packager: Jane Doe <jane@example.com>
  changes:
    - note: same day
- semver: 1.0.0
  date: 2025-01-01T00:00:00Z
  packager: John <john@example.com>
  changes:
    - note: first
`), 0o644)
	rpms := []testRPM{
		{name: "ringtest", version: "1.0", release: "1", keyFile: keyFile},
		{name: "ringtest", version: "2.0", release: "1", keyFile: keyFile, changelog: cl,
			depends:    []string{"bash >= 4.0", "ringlib = 1:2.0-3", "/etc/ringtest/conf", "/bin/sh"},
			provides:   []string{"ringtest-api = 2"},
			conflicts:  []string{"oldring < 1"},
			recommends: []string{"ringextra"}},
		{name: "ringlib", version: "2.0", release: "3", epoch: "1", arch: "all"},
		{name: "ringarm", version: "0.1", release: "7", arch: "arm64", keyFile: keyFile},
	}
	repo := filepath.Join(dir, "repo")
	var pkgs []Package
	for i, r := range rpms {
		b := makeRPM(t, dir, r)
		name := filepath.Join("Packages", r.name+"-"+r.version+".rpm")
		p := filepath.Join(repo, name)
		write(t, p, b, 0o644)
		mtime := testTime.Add(time.Duration(i) * time.Hour)
		must(t, os.Chtimes(p, mtime, mtime))
		pkg, err := Inspect(b, filepath.ToSlash(name))
		must(t, err)
		pkg.FileTime = mtime.Unix()
		pkgs = append(pkgs, pkg)
	}
	if out, err := exec.Command("createrepo_c", "--no-database", repo).CombinedOutput(); err != nil {
		t.Fatalf("createrepo_c: %v\n%s", err, out)
	}
	theirs := func(kind string) []byte {
		m, err := filepath.Glob(filepath.Join(repo, "repodata", "*-"+kind+".xml.gz"))
		must(t, err)
		if len(m) != 1 {
			t.Fatalf("createrepo_c %s: %v", kind, m)
		}
		return gunzip(t, readFileBytes(t, m[0]))
	}
	k, _ := writeKey(t, dir, "repo")
	files, err := Build(pkgs, k, testTime)
	must(t, err)
	ours := func(kind string) []byte {
		for _, f := range files {
			if regexp.MustCompile(`^repodata/[0-9a-f]{64}-` + kind + `\.xml\.gz$`).MatchString(f.Path) {
				return gunzip(t, f.Data)
			}
		}
		t.Fatalf("Build wrote no %s", kind)
		return nil
	}
	for _, kind := range []string{"primary", "filelists", "other"} {
		a, b := splitPackages(t, theirs(kind)), splitPackages(t, ours(kind))
		if len(a) != len(rpms) || len(b) != len(rpms) {
			t.Fatalf("%s: createrepo_c lists %d packages, Build %d, want %d", kind, len(a), len(b), len(rpms))
		}
		for id, want := range a {
			if got := b[id]; got != want {
				t.Errorf("%s: package %s differs\ncreaterepo_c:\n%s\nBuild:\n%s", kind, id, want, got)
			}
		}
	}
	// The document heads (namespaces, packages count) match too.
	for _, kind := range []string{"primary", "filelists", "other"} {
		a, b := theirs(kind), ours(kind)
		ha, hb := a[:bytes.Index(a, []byte("<package"))], b[:bytes.Index(b, []byte("<package"))]
		if !bytes.Equal(ha, hb) {
			t.Errorf("%s head differs:\n%s\n%s", kind, ha, hb)
		}
	}
}

var pkgidRE = regexp.MustCompile(`pkgid="([0-9a-f]{64})"|<checksum type="sha256" pkgid="YES">([0-9a-f]{64})<`)

// splitPackages maps pkgid to the text of its <package> element.
func splitPackages(t *testing.T, x []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, blk := range regexp.MustCompile(`(?s)<package[ >].*?</package>`).FindAll(x, -1) {
		m := pkgidRE.FindSubmatch(blk)
		if m == nil {
			t.Fatalf("no pkgid in %s", blk)
		}
		id := string(m[1]) + string(m[2])
		out[id] = string(blk)
	}
	return out
}
