//go:build integration

package main_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/builder/packaging"
	"ringmaster.dev/kit/stack"
)

// buildPkg makes ringtest VERSION as a .deb (debian-12) or .rpm (rockylinux-9), unsigned.
func buildPkg(t *testing.T, dir, version string, format packaging.Format, content string) string {
	t.Helper()
	staged := filepath.Join(dir, "staged-"+version+"-"+string(format)+content)
	if err := os.MkdirAll(staged, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(staged, "VERSION"), []byte(version+content+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	comp := &stack.Component{
		Name: "ringtest", Version: version, Release: "1", Summary: "Ringmaster repo test package", License: "Apache-2.0",
		Maintainer: "Ringmaster <ringmaster@example.org>", Sources: []stack.Source{{Dir: "src"}},
		Build:   stack.Build{Image: "toolchain", Commands: []string{"true"}},
		Install: []stack.Install{{Src: "VERSION", Dst: "/usr/share/ringtest/VERSION"}},
	}
	distro := "debian-12"
	if format == packaging.RPM {
		distro = "rockylinux-9"
	}
	out := filepath.Join(dir, "out-"+version+string(format)+content)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	art, err := format.Package(context.Background(), comp, staged, distro, "amd64", packaging.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	return art.Path
}

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return b
}

// aptRoot is a private apt + dpkg root reading the repo with stock apt-get.
func aptRoot(t *testing.T, sources string) func(args ...string) (string, error) {
	root := t.TempDir()
	for _, d := range []string{"etc/apt/sources.list.d", "etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/trusted.gpg.d",
		"var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/log/apt", "var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"} {
		_ = os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	_ = os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644)
	_ = os.WriteFile(filepath.Join(root, "etc/apt/sources.list.d/ringmaster.sources"), []byte(sources), 0o644)
	conf := filepath.Join(root, "apt.conf")
	_ = os.WriteFile(conf, []byte(`Dir::Etc "`+root+`/etc/apt/";
Dir::State "`+root+`/var/lib/apt/";
Dir::State::status "`+root+`/var/lib/dpkg/status";
Dir::Cache "`+root+`/var/cache/apt/";
Dir::Log "`+root+`/var/log/apt/";
APT::Sandbox::User "root";
Debug::NoLocking "1";
Acquire::Languages "none";
Acquire::http::Proxy "DIRECT";
DPkg::Options { "--root=`+root+`"; "--force-not-root"; "--force-script-chrootless"; "--log=`+root+`/var/log/dpkg.log"; };
`), 0o644)
	t.Cleanup(func() {})
	return func(args ...string) (string, error) {
		cmd := exec.Command("apt-get", append([]string{"-q", "-y"}, args...)...)
		cmd.Env = append(os.Environ(), "APT_CONFIG="+conf, "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C")
		out, err := cmd.CombinedOutput()
		if args[0] == "install" || args[0] == "upgrade" {
			if b, rerr := os.ReadFile(filepath.Join(root, "usr/share/ringtest/VERSION")); rerr == nil {
				return strings.TrimSpace(string(b)), err
			}
		}
		return string(out), err
	}
}

// dnfRoot installs from the YUM repo with stock dnf, gpgcheck=1 and repo_gpgcheck=1.
func dnfRoot(t *testing.T, repo string) func(args ...string) (string, error) {
	root, err := os.MkdirTemp("", "ringdnf")
	if err != nil {
		t.Fatal(err)
	}
	reposdir := filepath.Join(root, "etc", "yum.repos.d")
	_ = os.MkdirAll(reposdir, 0o755)
	_ = os.WriteFile(filepath.Join(reposdir, "ringmaster.repo"), []byte(repo+"metadata_expire=0\n"), 0o644)
	t.Cleanup(func() {
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				if _, err := os.Stat(filepath.Join(p, "pubring.kbx")); err == nil {
					_ = exec.Command("gpgconf", "--homedir", p, "--kill", "gpg-agent").Run()
				}
			}
			return nil
		})
		os.RemoveAll(root)
	})
	return func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		base := []string{"--installroot=" + root, "--setopt=reposdir=" + reposdir, "--setopt=tsflags=noscripts", "--releasever=1", "--setopt=install_weak_deps=0", "-y", "--refresh"}
		out, err := exec.CommandContext(ctx, "dnf", append(base, args...)...).CombinedOutput()
		if b, rerr := os.ReadFile(filepath.Join(root, "usr/share/ringtest/VERSION")); rerr == nil && err == nil {
			return strings.TrimSpace(string(b)), nil
		}
		return string(out), err
	}
}

// TestRepoPublishInstallUpgrade is the whole chain: packages built anywhere
// → ring repo publish → signed APT and YUM repositories in the embedded S3 →
// stock apt-get and dnf install and upgrade them over anonymous HTTP.
func TestRepoPublishInstallUpgrade(t *testing.T) {
	home := t.TempDir()
	up(t, home)
	dir := t.TempDir()
	deb1, rpm1 := buildPkg(t, dir, "1.0.0", packaging.Deb, ""), buildPkg(t, dir, "1.0.0", packaging.RPM, "")

	out, err := ring(t, home, "repo", "publish", "--channel", "nightly", "--distro", "debian-12", "--distro", "rockylinux-9", deb1, rpm1)
	if err != nil || !strings.Contains(out, "published 2 package(s) to nightly") {
		t.Fatalf("publish v1: %v\n%s", err, out)
	}

	// APT: the public key from `ring repo key`, the .sources from `ring repo sources`.
	keyring, err := ring(t, home, "repo", "key", "--binary")
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "ringmaster.gpg")
	_ = os.WriteFile(keyPath, []byte(keyring), 0o644)
	sources, err := ring(t, home, "repo", "sources", "--channel", "nightly", "--distro", "debian-12", "--keyring", keyPath)
	if err != nil || !strings.Contains(sources, "Signed-By: "+keyPath) {
		t.Fatalf("sources: %v\n%s", err, sources)
	}
	apt := aptRoot(t, sources)
	if out, err := apt("update"); err != nil {
		t.Fatalf("apt-get update: %v\n%s", err, out)
	}
	if got, err := apt("install", "ringtest"); err != nil || got != "1.0.0" {
		t.Fatalf("apt-get install: %v: %s", err, got)
	}

	// gpgv accepts InRelease fetched anonymously.
	var aptURL string
	for _, l := range strings.Split(sources, "\n") {
		if u, ok := strings.CutPrefix(l, "URIs: "); ok {
			aptURL = u
		}
	}
	inRelease := filepath.Join(dir, "InRelease")
	_ = os.WriteFile(inRelease, httpGet(t, aptURL+"/dists/debian-12-nightly/InRelease"), 0o644)
	if out, err := exec.Command("gpgv", "--keyring", keyPath, inRelease).CombinedOutput(); err != nil {
		t.Fatalf("gpgv InRelease: %v\n%s", err, out)
	}

	// YUM: the RPM arrived unsigned; the publisher signed it, so gpgcheck=1 passes.
	repo, err := ring(t, home, "repo", "sources", "--channel", "nightly", "--distro", "rockylinux-9")
	if err != nil || !strings.Contains(repo, "gpgcheck=1") || !strings.Contains(repo, "repo_gpgcheck=1") {
		t.Fatalf("repo file: %v\n%s", err, repo)
	}
	dnf := dnfRoot(t, repo)
	if got, err := dnf("install", "ringtest"); err != nil || got != "1.0.0" {
		t.Fatalf("dnf install: %v: %s", err, got)
	}

	// Upgrade: v2 reaches both.
	deb2, rpm2 := buildPkg(t, dir, "2.0.0", packaging.Deb, ""), buildPkg(t, dir, "2.0.0", packaging.RPM, "")
	if out, err := ring(t, home, "repo", "publish", "--channel", "nightly", "--distro", "debian-12", "--distro", "rockylinux-9", deb2, rpm2); err != nil {
		t.Fatalf("publish v2: %v\n%s", err, out)
	}
	if out, err := apt("update"); err != nil {
		t.Fatalf("apt-get update: %v\n%s", err, out)
	}
	if got, err := apt("upgrade"); err != nil || got != "2.0.0" {
		t.Fatalf("apt-get upgrade: %v: %s", err, got)
	}
	if got, err := dnf("upgrade"); err != nil || got != "2.0.0" {
		t.Fatalf("dnf upgrade: %v: %s", err, got)
	}

	// The same name+version+arch with other bytes is refused, and the live repo is untouched.
	other := buildPkg(t, dir, "2.0.0", packaging.Deb, "-rebuilt")
	out, err = ring(t, home, "repo", "publish", "--channel", "nightly", "--distro", "debian-12", other)
	if err == nil || !strings.Contains(out, "immutable") {
		t.Fatalf("republishing other bytes: %v\n%s", err, out)
	}
	// A corrupt .deb is refused before anything is uploaded.
	bad := filepath.Join(dir, "broken_1.0_amd64.deb")
	_ = os.WriteFile(bad, []byte("!<arch>\nnot really"), 0o644)
	out, err = ring(t, home, "repo", "publish", "--channel", "nightly", "--distro", "debian-12", bad)
	if err == nil || !strings.Contains(out, "nothing was published") || !strings.Contains(out, bad) {
		t.Fatalf("corrupt deb: %v\n%s", err, out)
	}
	list, err := ring(t, home, "repo", "list")
	if err != nil || strings.Count(list, "ringtest") != 4 {
		t.Fatalf("repo list: %v\n%s", err, list)
	}
}
