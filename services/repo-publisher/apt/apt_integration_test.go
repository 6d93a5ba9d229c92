//go:build integration

package apt

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"ringmaster.dev/kit/signing"
)

const testSuite = "debian-12-nightly"

// repo is a repository directory served over HTTP, as S3 would serve it.
type repo struct {
	dir string
	url string
	key *signing.Key

	mu        sync.Mutex
	requested []string
}

func newRepo(t *testing.T, key *signing.Key) *repo {
	t.Helper()
	r := &repo{dir: t.TempDir(), key: key}
	fs := http.FileServer(http.Dir(r.dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.requested = append(r.requested, req.URL.Path)
		r.mu.Unlock()
		fs.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

// publish writes the .debs at their Filename and Build's files.
func (r *repo) publish(t *testing.T, debs [][]byte, now time.Time) []Package {
	t.Helper()
	var pkgs []Package
	for _, d := range debs {
		p, err := Inspect(d)
		if err != nil {
			t.Fatal(err)
		}
		r.write(t, p.Filename, d)
		pkgs = append(pkgs, p)
	}
	files, err := Build(Suite{Name: testSuite, Codename: "bookworm", Architectures: []string{"amd64", "arm64"},
		Origin: "Ringmaster", Label: "Ringmaster test"}, pkgs, r.key, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		r.write(t, f.Path, f.Data)
		// Last-Modified has one-second resolution (on S3 too): a Release
		// rewritten within the second of the previous one would answer apt's
		// If-Modified-Since with 304, and apt would keep the old index.
		if err := os.Chtimes(filepath.Join(r.dir, filepath.FromSlash(f.Path)), now, now); err != nil {
			t.Fatal(err)
		}
	}
	return pkgs
}

func (r *repo) write(t *testing.T, path string, data []byte) {
	t.Helper()
	full := filepath.Join(r.dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (r *repo) read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (r *repo) wasRequested(prefix string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.requested {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// aptRoot is a private apt + dpkg root: nothing of the host's apt
// configuration, lists or dpkg database is read or written.
type aptRoot struct {
	dir  string
	conf string
}

func newAptRoot(t *testing.T, repoURL string, keyring []byte, extraConf string) *aptRoot {
	t.Helper()
	for _, tool := range []string{"apt-get", "dpkg", "gpgv"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not installed: %v", tool, err)
		}
	}
	root := t.TempDir()
	for _, d := range []string{"etc/apt/sources.list.d", "etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/trusted.gpg.d",
		"var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/log/apt",
		"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(rel, content string) {
		if err := os.WriteFile(filepath.Join(root, rel), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("var/lib/dpkg/status", "")
	write("ringmaster.gpg", string(keyring))
	write("etc/apt/sources.list.d/ringmaster.sources", "Types: deb\nURIs: "+repoURL+"/\nSuites: "+testSuite+
		"\nComponents: main\nSigned-By: "+filepath.Join(root, "ringmaster.gpg")+"\n")
	// APT_CONFIG is read before anything else, so Dir::Etc here keeps the
	// host's apt.conf.d, sources and keyrings out.
	conf := `Dir::Etc "` + root + `/etc/apt/";
Dir::State "` + root + `/var/lib/apt/";
Dir::State::status "` + root + `/var/lib/dpkg/status";
Dir::Cache "` + root + `/var/cache/apt/";
Dir::Log "` + root + `/var/log/apt/";
APT::Sandbox::User "root";
Debug::NoLocking "1";
Acquire::Languages "none";
Acquire::http::Proxy "DIRECT";
Acquire::Retries "0";
DPkg::Options { "--root=` + root + `"; "--force-not-root"; "--force-script-chrootless"; "--log=` + root + `/var/log/dpkg.log"; };
` + extraConf
	write("apt.conf", conf)
	return &aptRoot{dir: root, conf: filepath.Join(root, "apt.conf")}
}

func (a *aptRoot) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("apt-get", append([]string{"-q", "-y"}, args...)...)
	cmd.Env = append(os.Environ(), "APT_CONFIG="+a.conf, "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	t.Logf("apt-get %s: err=%v\n%s", strings.Join(args, " "), err, out)
	return string(out), err
}

func (a *aptRoot) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := a.run(t, args...)
	if err != nil {
		t.Fatalf("apt-get %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (a *aptRoot) installed(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(a.dir, "usr/share/ringtest/VERSION"))
	if err != nil {
		t.Fatalf("installed file: %v", err)
	}
	return strings.TrimSpace(string(b))
}

func publicKey(t *testing.T, k *signing.Key) []byte {
	t.Helper()
	b, err := k.PublicBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAptInstallAndUpgrade(t *testing.T) {
	key := testKey(t)
	r := newRepo(t, key)
	v1 := makeDeb(t, "ringtest", "1.0.0", "all", "xz")
	other := makeDeb(t, "ringother", "3.1.0", "amd64", "gzip")
	r.publish(t, [][]byte{v1, other}, time.Now().Add(-2*time.Minute))

	a := newAptRoot(t, r.url, publicKey(t, key), "")
	a.mustRun(t, "update")
	if !r.wasRequested("/dists/" + testSuite + "/main/binary-amd64/by-hash/SHA256/") {
		t.Errorf("apt did not fetch the index by hash; requests: %v", r.requested)
	}
	if r.wasRequested("/dists/" + testSuite + "/main/binary-amd64/Packages") {
		t.Errorf("apt fetched an index by name although Release has Acquire-By-Hash")
	}
	a.mustRun(t, "install", "ringtest", "ringother")
	if got := a.installed(t); got != "1.0.0" {
		t.Fatalf("installed VERSION = %q, want 1.0.0", got)
	}

	v2 := makeDeb(t, "ringtest", "2.0.0", "all", "zstd")
	r.publish(t, [][]byte{v1, v2, other}, time.Now().Add(-time.Minute))
	a.mustRun(t, "update")
	a.mustRun(t, "upgrade")
	if got := a.installed(t); got != "2.0.0" {
		t.Fatalf("after upgrade VERSION = %q, want 2.0.0", got)
	}
}

// apt takes Packages.gz too (Release lists both compressions).
func TestAptUsesGzipIndex(t *testing.T) {
	key := testKey(t)
	r := newRepo(t, key)
	pkgs := r.publish(t, [][]byte{makeDeb(t, "ringtest", "1.0.0", "all", "gzip")}, time.Now().Add(-time.Minute))
	gz := r.read(t, "dists/"+testSuite+"/main/binary-amd64/Packages.gz")
	a := newAptRoot(t, r.url, publicKey(t, key), `Acquire::CompressionTypes::Order { "gz"; };`+"\n")
	a.mustRun(t, "update")
	if !r.wasRequested("/dists/" + testSuite + "/main/binary-amd64/by-hash/SHA256/" + hexSHA256(gz)) {
		t.Errorf("apt did not fetch Packages.gz by hash; requests: %v", r.requested)
	}
	a.mustRun(t, "install", "ringtest")
	if got := a.installed(t); got != pkgs[0].Version {
		t.Fatalf("installed VERSION = %q", got)
	}
}

func TestGpgvVerifiesRelease(t *testing.T) {
	key := testKey(t)
	r := newRepo(t, key)
	r.publish(t, [][]byte{makeDeb(t, "ringtest", "1.0.0", "all", "gzip")}, time.Now())
	dir := t.TempDir()
	keyring := filepath.Join(dir, "pub.gpg")
	if err := os.WriteFile(keyring, publicKey(t, key), 0o644); err != nil {
		t.Fatal(err)
	}
	dists := filepath.Join(r.dir, "dists", testSuite)
	for _, args := range [][]string{
		{filepath.Join(dists, "InRelease")},
		{filepath.Join(dists, "Release.gpg"), filepath.Join(dists, "Release")},
	} {
		cmd := exec.Command("gpgv", append([]string{"--keyring", keyring}, args...)...)
		cmd.Env = append(os.Environ(), "GNUPGHOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("gpgv %v: %v\n%s", args, err, out)
		}
	}
	// The host's xz accepts Packages.xz.
	if out, err := exec.Command("xz", "-t", filepath.Join(dists, "main/binary-amd64/Packages.xz")).CombinedOutput(); err != nil {
		t.Errorf("xz -t Packages.xz: %v\n%s", err, out)
	}
}

func TestAptRefusesTampering(t *testing.T) {
	dists := "dists/" + testSuite + "/"
	idx := dists + "main/binary-amd64/"
	for _, c := range []struct {
		name string
		// tamper edits the published repository; it returns the key that
		// the client trusts.
		tamper    func(t *testing.T, r *repo, pkgs []Package) *signing.Key
		failsWith string // "update" or "install"
		reason    string // regexp the apt output must match
	}{
		{"Packages and its by-hash copies", func(t *testing.T, r *repo, pkgs []Package) *signing.Key {
			// Rebuild the indexes for a different .deb hash and put them, and
			// their compressions, where the signed Release's hashes point.
			forged := pkgs[0]
			forged.SHA256 = hexOf("forged", 1, 32)
			files, err := Build(Suite{Name: testSuite, Architectures: []string{"amd64", "arm64"}}, []Package{forged}, testKey(t), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			forgedFiles := filesByPath(files)
			for _, name := range []string{"Packages", "Packages.gz", "Packages.xz"} {
				orig := r.read(t, idx+name)
				data := forgedFiles[idx+name].Data
				r.write(t, idx+name, data)
				r.write(t, idx+"by-hash/SHA256/"+hexSHA256(orig), data)
			}
			return r.key
		}, "update", `Hash Sum mismatch|unexpected size`},
		{"InRelease body", func(t *testing.T, r *repo, _ []Package) *signing.Key {
			in := r.read(t, dists+"InRelease")
			r.write(t, dists+"InRelease", bytes.Replace(in, []byte("Label: Ringmaster test"), []byte("Label: Ringmaster evil"), 1))
			return r.key
		}, "update", `BADSIG`},
		{"deb in the pool", func(t *testing.T, r *repo, pkgs []Package) *signing.Key {
			// Same size, one byte changed: only the hash can tell.
			deb := r.read(t, pkgs[0].Filename)
			deb[len(deb)-10] ^= 0x01
			r.write(t, pkgs[0].Filename, deb)
			return r.key
		}, "install", `Hash Sum mismatch`},
		{"wrong Signed-By key", func(t *testing.T, r *repo, _ []Package) *signing.Key {
			return testKey(t)
		}, "update", `NO_PUBKEY`},
	} {
		t.Run(c.name, func(t *testing.T) {
			key := testKey(t)
			r := newRepo(t, key)
			pkgs := r.publish(t, [][]byte{makeDeb(t, "ringtest", "1.0.0", "all", "gzip")}, time.Now().Add(-time.Minute))
			trusted := c.tamper(t, r, pkgs)
			a := newAptRoot(t, r.url, publicKey(t, trusted), "")
			out, err := a.run(t, "update")
			if c.failsWith == "update" {
				if err == nil {
					t.Fatalf("apt-get update succeeded on a tampered repository:\n%s", out)
				}
				if !regexp.MustCompile(c.reason).MatchString(out) {
					t.Errorf("apt-get update failed, but not with %q:\n%s", c.reason, out)
				}
				return
			}
			if err != nil {
				t.Fatalf("apt-get update: %v", err)
			}
			out, err = a.run(t, "install", "ringtest")
			if err == nil {
				t.Fatalf("apt-get install succeeded with a tampered .deb:\n%s", out)
			}
			if !regexp.MustCompile(c.reason).MatchString(out) {
				t.Errorf("apt-get install failed, but not with %q:\n%s", c.reason, out)
			}
			if _, err := os.Stat(filepath.Join(a.dir, "usr/share/ringtest/VERSION")); err == nil {
				t.Error("the tampered package was installed")
			}
		})
	}
}
