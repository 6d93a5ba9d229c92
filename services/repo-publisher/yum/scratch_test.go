package yum

import (
	"os"
	"path/filepath"
	"testing"
)

func TestScratch(t *testing.T) {
	dir := "/tmp/yumscratch"
	os.RemoveAll(dir)
	os.MkdirAll(dir, 0o755)
	_, kf := writeKey(t, dir, "scratch")
	write(t, filepath.Join(dir, "cl.yaml"), []byte(`- semver: 1.0.0
  date: 2025-01-02T00:00:00Z
  packager: Jane Doe <jane@example.com>
  changes:
    - note: second entry
- semver: 0.9.0
  date: 2025-01-02T00:00:00Z
  packager: Jane Doe <jane@example.com>
  changes:
    - note: first entry
`), 0o644)
	b := makeRPM(t, dir, testRPM{name: "ringtest", version: "1.0", release: "1", keyFile: kf,
		depends: []string{"bash >= 4.0", "ringdep", "/etc/ringtest/conf"}, provides: []string{"ringtest-api = 2"},
		conflicts: []string{"oldring < 1"}, recommends: []string{"ringextra"}, changelog: filepath.Join(dir, "cl.yaml")})
	write(t, filepath.Join(dir, "repo/ringtest-1.0-1.x86_64.rpm"), b, 0o644)
	p, err := Inspect(b, "ringtest-1.0-1.x86_64.rpm")
	must(t, err)
	os.WriteFile(filepath.Join(dir, "primary.xml"), primaryXML([]*Package{&p}), 0o644)
	os.WriteFile(filepath.Join(dir, "filelists.xml"), filelistsXML([]*Package{&p}), 0o644)
	os.WriteFile(filepath.Join(dir, "other.xml"), otherXML([]*Package{&p}), 0o644)
}
