//go:build integration

package yum

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ringmaster.dev/kit/signing"
)

// repoFixture serves www/ over HTTP; the YUM repository root is
// www/yum/el-stable (it holds repodata/) and RPMs live in the shared pool
// www/pool/, so hrefs start with "../../pool/".
type repoFixture struct {
	t       *testing.T
	dir     string
	www     string
	repo    string
	srv     *httptest.Server
	key     *signing.Key
	keyFile string // armored private key for nfpm
	pub     string // armored public key file
	now     time.Time

	mu       sync.Mutex
	requests []string // URL paths the server was asked for
}

const repoRel = "yum/el-stable"

func newRepoFixture(t *testing.T) *repoFixture {
	t.Helper()
	for _, tool := range []string{"dnf", "rpm", "gpgconf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not installed (apt-get install -y dnf rpm createrepo-c): %v", tool, err)
		}
	}
	dir := t.TempDir()
	f := &repoFixture{t: t, dir: dir, www: filepath.Join(dir, "www"), now: testTime}
	f.repo = filepath.Join(f.www, repoRel)
	must(t, os.MkdirAll(f.repo, 0o755))
	f.key, f.keyFile = writeKey(t, dir, "ringmaster")
	pub, err := f.key.PublicArmored()
	must(t, err)
	f.pub = filepath.Join(dir, "public.asc")
	write(t, f.pub, pub, 0o644)
	files := http.FileServer(http.Dir(f.www))
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.URL.Path)
		f.mu.Unlock()
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// poolPath is where the publisher keeps an rpm, relative to www.
func poolPath(name, version string) string {
	return "pool/" + name[:1] + "/" + name + "/" + name + "-" + version + "-1.x86_64.rpm"
}

// publish writes rpms (path under www → bytes) and rebuilds repodata from
// all of them. Old by-hash files stay, as they would during a grace period.
func (f *repoFixture) publish(rpms map[string][]byte) {
	f.t.Helper()
	var pkgs []Package
	for p, b := range rpms {
		full := filepath.Join(f.www, p)
		write(f.t, full, b, 0o644)
		href, err := filepath.Rel(f.repo, full)
		must(f.t, err)
		pkg, err := Inspect(b, filepath.ToSlash(href))
		must(f.t, err)
		pkgs = append(pkgs, pkg)
	}
	f.now = f.now.Add(time.Minute)
	out, err := Build(pkgs, f.key, f.now)
	must(f.t, err)
	for _, o := range out {
		write(f.t, filepath.Join(f.repo, o.Path), o.Data, 0o644)
	}
}

// installroot makes an empty root with a reposdir holding one .repo file.
func (f *repoFixture) installroot(gpgkey string) (root, reposdir string) {
	f.t.Helper()
	// Not t.TempDir: dnf splits reposdir at commas and spaces, which
	// subtest names may contain.
	root, err := os.MkdirTemp("", "yumroot")
	must(f.t, err)
	f.t.Cleanup(func() { _ = os.RemoveAll(root) })
	reposdir = filepath.Join(root, "etc", "yum.repos.d")
	repo := "[ringtest]\nname=ringtest\nbaseurl=" + f.srv.URL + "/" + repoRel + "/\n" +
		"enabled=1\ngpgcheck=1\nrepo_gpgcheck=1\ngpgkey=file://" + gpgkey + "\nmetadata_expire=0\n"
	write(f.t, filepath.Join(reposdir, "ringtest.repo"), []byte(repo), 0o644)
	f.t.Cleanup(func() { killAgents(f.t, root) })
	return root, reposdir
}

// dnf runs dnf against root; it returns combined output and the error.
func (f *repoFixture) dnf(root, reposdir string, args ...string) (string, error) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{
		"--installroot=" + root,
		"--setopt=reposdir=" + reposdir,
		"--setopt=tsflags=noscripts",
		"--releasever=1",
		"--setopt=install_weak_deps=0",
		"-y",
	}
	cmd := exec.CommandContext(ctx, "dnf", append(base, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	f.t.Logf("dnf %s: %v\n%s", strings.Join(args, " "), err, out.String())
	return out.String(), err
}

// killAgents stops the gpg-agents dnf starts for repo_gpgcheck: one per
// GnuPG home under the installroot's cache.
func killAgents(t *testing.T, root string) {
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if _, err := os.Stat(filepath.Join(p, "pubring.kbx")); err == nil {
			if out, err := exec.Command("gpgconf", "--homedir", p, "--kill", "gpg-agent").CombinedOutput(); err != nil {
				t.Logf("gpgconf --kill gpg-agent in %s: %v: %s", p, err, out)
			}
		} else if _, err := os.Stat(filepath.Join(p, "pubring.gpg")); err == nil {
			_ = exec.Command("gpgconf", "--homedir", p, "--kill", "gpg-agent").Run()
		}
		return nil
	})
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	must(t, err)
	return string(b)
}

func TestDnfInstallAndUpgradeFromSharedPool(t *testing.T) {
	f := newRepoFixture(t)
	v1 := makeRPM(t, f.dir, testRPM{name: "ringtest", version: "1.0", release: "1", keyFile: f.keyFile})
	rpms := map[string][]byte{poolPath("ringtest", "1.0"): v1}
	f.publish(rpms)

	primary := readPrimaryHref(t, f)
	if want := "../../" + poolPath("ringtest", "1.0"); primary != want {
		t.Fatalf("href = %q, want %q", primary, want)
	}

	root, reposdir := f.installroot(f.pub)
	if _, err := f.dnf(root, reposdir, "install", "ringtest"); err != nil {
		t.Fatalf("dnf install: %v", err)
	}
	if got := readFile(t, filepath.Join(root, "usr/share/ringtest/VERSION")); got != "1.0\n" {
		t.Fatalf("installed VERSION = %q", got)
	}
	// librepo/curl resolve "../" on the client: the server (and so S3) is
	// asked for the normalized key.
	f.mu.Lock()
	reqs := slices.Clone(f.requests)
	f.mu.Unlock()
	if !slices.Contains(reqs, "/"+poolPath("ringtest", "1.0")) {
		t.Fatalf("no request for /%s; requests: %q", poolPath("ringtest", "1.0"), reqs)
	}
	for _, r := range reqs {
		if strings.Contains(r, "..") {
			t.Fatalf("request path not normalized: %q", r)
		}
	}

	rpms[poolPath("ringtest", "2.0")] = makeRPM(t, f.dir, testRPM{name: "ringtest", version: "2.0", release: "1", keyFile: f.keyFile})
	f.publish(rpms)
	if _, err := f.dnf(root, reposdir, "--refresh", "upgrade"); err != nil {
		t.Fatalf("dnf upgrade: %v", err)
	}
	if got := readFile(t, filepath.Join(root, "usr/share/ringtest/VERSION")); got != "2.0\n" {
		t.Fatalf("after upgrade VERSION = %q", got)
	}
}

func readPrimaryHref(t *testing.T, f *repoFixture) string {
	t.Helper()
	md, err := os.ReadFile(filepath.Join(f.repo, RepomdPath))
	must(t, err)
	i := bytes.Index(md, []byte(`-primary.xml.gz`))
	j := bytes.LastIndex(md[:i], []byte(`href="`))
	pgz := string(md[j+len(`href="`) : i+len(`-primary.xml.gz`)])
	x := gunzip(t, readFileBytes(t, filepath.Join(f.repo, pgz)))
	k := bytes.Index(x, []byte(`<location href="`))
	rest := x[k+len(`<location href="`):]
	return string(rest[:bytes.IndexByte(rest, '"')])
}

func readFileBytes(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	must(t, err)
	return b
}
