//go:build integration

package apt

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A Packages.xz of many blocks in one stream and a Packages.gz of many members: xz-utils and
// gzip read it whole, and apt-get update reads every package of it, with
// the xz index and with the gz index.
func TestAptReadsBlockIndexes(t *testing.T) {
	key := testKey(t)
	r := newRepo(t, key)
	real := makeDeb(t, "ringtest", "1.0.0", "all", "xz")
	p, err := Inspect(real)
	if err != nil {
		t.Fatal(err)
	}
	r.write(t, p.Filename, real)
	pkgs := []Package{p}
	for i := range 3000 {
		pkgs = append(pkgs, synthPackage(i, "amd64"))
	}
	files, err := Build(Suite{Name: testSuite, Codename: "bookworm", Architectures: []string{"amd64", "arm64"}},
		pkgs, key, time.Now().Add(-time.Minute), WithBlockCache(NewBlockCache(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		r.write(t, f.Path, f.Data)
	}
	dir := "dists/" + testSuite + "/main/binary-amd64/"
	plain, xzData, gzData := r.read(t, dir+"Packages"), r.read(t, dir+"Packages.xz"), r.read(t, dir+"Packages.gz")
	out, err := exec.Command("xz", "--robot", "--list", filepath.Join(r.dir, filepath.FromSlash(dir+"Packages.xz"))).Output()
	if err != nil {
		t.Fatalf("xz --list: %v", err)
	}
	// totals: streams blocks compressed uncompressed ...
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "totals" && (f[1] != "1" || f[2] == "1" || f[2] == "0") {
			t.Fatalf("Packages.xz: want one stream of several blocks: %s", line)
		}
	}
	for _, c := range []struct {
		tool string
		data []byte
	}{{"xz", xzData}, {"gzip", gzData}} {
		test := exec.Command(c.tool, "-t")
		test.Stdin = bytes.NewReader(c.data)
		if out, err := test.CombinedOutput(); err != nil {
			t.Fatalf("%s -t: %v: %s", c.tool, err, out)
		}
		dc := exec.Command(c.tool, "-dc")
		dc.Stdin = bytes.NewReader(c.data)
		out, err := dc.Output()
		if err != nil || !bytes.Equal(out, plain) {
			t.Fatalf("%s -dc does not give Packages back (err %v, %d of %d bytes)", c.tool, err, len(out), len(plain))
		}
	}
	for _, order := range []string{"xz", "gz"} {
		a := newAptRoot(t, r.url, publicKey(t, key), `Acquire::CompressionTypes::Order { "`+order+`"; };`+"\n")
		a.mustRun(t, "update")
		// The last package of the file, in the last block.
		last := pkgs[len(pkgs)-1]
		out := a.cache(t, "show", "--no-all-versions", last.Name)
		if !strings.Contains(out, "Version: "+last.Version) {
			t.Fatalf("%s index: apt-cache show %s: %s", order, last.Name, out)
		}
		if got := strings.Count(a.cache(t, "pkgnames", "ring-synth"), "ring-synth"); got < 3000 {
			t.Fatalf("%s index: apt sees %d synthetic packages, want 3000", order, got)
		}
		a.mustRun(t, "install", "ringtest")
		if got := a.installed(t); got != "1.0.0" {
			t.Fatalf("%s index: installed VERSION = %q", order, got)
		}
	}
}

func (a *aptRoot) cache(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("apt-cache", args...)
	cmd.Env = append(os.Environ(), "APT_CONFIG="+a.conf, "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("apt-cache %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
