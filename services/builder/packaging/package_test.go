package packaging

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/kit/stack"
)

func TestReproducible(t *testing.T) {
	_, daemon := loadFixture(t)
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			var sums []string
			for i := range 2 {
				_, dir := stageFiles(t) // fresh staging: new inodes, mtimes, umask-ish modes
				if i == 1 {
					os.Chmod(filepath.Join(dir, "bin/ringhellod"), 0o755)
					old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
					os.Chtimes(filepath.Join(dir, "conf/ringhello.conf"), old, old)
					os.Chtimes(filepath.Join(dir, "bin"), old, old)
				}
				a, err := f.Package(context.Background(), daemon, dir, distroFor(f), "amd64", Options{OutDir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				sums = append(sums, a.SHA256)
			}
			if sums[0] != sums[1] {
				t.Fatalf("two runs differ: %s vs %s", sums[0], sums[1])
			}
		})
	}
}

func TestEpochChangesBytes(t *testing.T) {
	lib, _ := loadFixture(t)
	libDir, _ := stageFiles(t)
	a, err := Deb.Package(context.Background(), lib, libDir, "", "amd64", Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Deb.Package(context.Background(), lib, libDir, "", "amd64", Options{Epoch: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if a.SHA256 == b.SHA256 {
		t.Fatal("epoch does not reach the package")
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	c, err := Deb.Package(context.Background(), lib, libDir, "", "amd64", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.SHA256 != b.SHA256 {
		t.Fatal("SOURCE_DATE_EPOCH is not the default epoch")
	}
}

func TestArtifactNames(t *testing.T) {
	_, daemon := loadFixture(t)
	_, dir := stageFiles(t)
	out := t.TempDir()
	for _, tc := range []struct {
		f                         Format
		distro, arch              string
		filename, release, pkgArc string
		rebuild                   int
	}{
		{Deb, "debian-12", "amd64", "ringhello_1.0.0-1+deb12_amd64.deb", "1+deb12", "amd64", 0},
		{Deb, "debian-12", "amd64", "ringhello_1.0.0-1+deb12_amd64.deb", "1+deb12", "amd64", 1},
		{Deb, "debian-12", "amd64", "ringhello_1.0.0-1+deb12+b3_amd64.deb", "1+deb12+b3", "amd64", 3},
		{RPM, "rockylinux-9", "amd64", "ringhello-1.0.0-1.el9.b2.x86_64.rpm", "1.el9.b2", "x86_64", 2},
		{Deb, "ubuntu-24.04", "aarch64", "ringhello_1.0.0-1+ubuntu24.04_arm64.deb", "1+ubuntu24.04", "arm64", 0},
		{Deb, "", "all", "ringhello_1.0.0-1_all.deb", "1", "all", 0},
		{RPM, "rockylinux-9", "amd64", "ringhello-1.0.0-1.el9.x86_64.rpm", "1.el9", "x86_64", 0},
		{RPM, "fedora-40", "arm64", "ringhello-1.0.0-1.fc40.aarch64.rpm", "1.fc40", "aarch64", 0},
	} {
		a, err := tc.f.Package(context.Background(), daemon, dir, tc.distro, tc.arch, Options{OutDir: out, Rebuild: tc.rebuild})
		if err != nil {
			t.Fatal(err)
		}
		if a.Filename != tc.filename || a.Release != tc.release || a.Arch != tc.pkgArc || a.Path != filepath.Join(out, tc.filename) {
			t.Errorf("%s %s: got %+v", tc.f, tc.distro, a)
		}
		fi, err := os.Stat(a.Path)
		if err != nil || fi.Size() != a.Size || a.Size == 0 || len(a.SHA256) != 64 {
			t.Errorf("%s: file %v, size %d/%v", a.Path, err, a.Size, fi)
		}
	}
}

func TestBadInputWritesNothing(t *testing.T) {
	lib, daemon := loadFixture(t)
	libDir, daemonDir := stageFiles(t)
	bad := *daemon
	bad.Version = "1.0-beta"
	bad.Install = append([]stack.Install{{Src: "../../etc/passwd", Dst: "/usr/lib/ringhello/x"}}, daemon.Install...)
	badScript := *daemon
	badScript.Scripts.PostInstall = "packaging/ringhello/nope"
	cases := []struct {
		name   string
		f      Format
		comp   *stack.Component
		staged string
		distro string
		arch   string
		want   error
		text   string
	}{
		{"invalid component", Deb, &bad, daemonDir, "debian-12", "amd64", ErrInvalid,
			`component.version: "1.0-beta" contains '-' (the upstream version must not contain '-'; put the package revision in release)`},
		{"both errors listed", RPM, &bad, daemonDir, "", "amd64", stack.ErrInvalid,
			`component.install[0].src: "../../etc/passwd" contains '..'`},
		{"nil component", Deb, nil, daemonDir, "", "amd64", ErrInvalid, "no component"},
		{"format", Format("apk"), daemon, daemonDir, "", "amd64", ErrInvalid, `format "apk" is not deb or rpm`},
		{"distro family", RPM, daemon, daemonDir, "debian-12", "amd64", ErrInvalid, "distro debian-12 takes deb packages, not rpm"},
		{"distro unknown", Deb, daemon, daemonDir, "plan9-4", "amd64", ErrInvalid, `unknown distribution "plan9"`},
		{"arch", Deb, daemon, daemonDir, "", "mips", ErrInvalid, `architecture "mips" is not supported`},
		{"staged missing", Deb, daemon, libDir, "", "amd64", ErrStaged, "lacks bin/ringhellod, conf/ringhello.conf"},
		{"staged dir missing", RPM, lib, filepath.Join(libDir, "nope"), "", "amd64", ErrStaged, "is not a directory"},
		{"script missing", Deb, &badScript, daemonDir, "", "amd64", ErrInvalid, "maintainer script"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			_, err := tc.f.Package(context.Background(), tc.comp, tc.staged, tc.distro, tc.arch, Options{OutDir: out})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err = %v\nwant %v containing %q", err, tc.want, tc.text)
			}
			if ents, _ := os.ReadDir(out); len(ents) != 0 {
				t.Errorf("wrote %v", ents)
			}
		})
	}
}

func TestCanceled(t *testing.T) {
	lib, _ := loadFixture(t)
	libDir, _ := stageFiles(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Deb.Package(ctx, lib, libDir, "", "amd64", Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestScriptsMergeUserCreation(t *testing.T) {
	_, daemon := loadFixture(t)
	c := daemon.WithDefaults()
	dir := t.TempDir()
	writeFileT(t, dir, "pre", "#!/bin/sh\necho own preinstall\n", 0o755)
	writeFileT(t, dir, "post", "#!/bin/sh\necho own postinstall\n", 0o755)
	c.Dir = dir
	c.Scripts = stack.Scripts{PreInstall: "pre", PostInstall: "post"}
	s, err := scripts(c, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(s.PreInstall)
	want := `#!/bin/sh
# generated by ringmaster for ringhello: system user ringhello
set -e
getent group ringhello >/dev/null || groupadd -r ringhello
getent passwd ringhello >/dev/null || useradd -r -g ringhello -d /var/lib/ringhello -s /usr/sbin/nologin ringhello

# from pre
echo own preinstall
`
	if string(got) != want {
		t.Errorf("preinstall:\n%s\nwant:\n%s", got, want)
	}
	if s.PostInstall != filepath.Join(dir, "post") {
		t.Errorf("postinstall = %q", s.PostInstall)
	}
	writeFileT(t, dir, "pre", "#!/bin/bash\necho bash\n", 0o755)
	if _, err := scripts(c, t.TempDir()); !errors.Is(err, ErrInvalid) {
		t.Errorf("bash preinstall merged: %v", err)
	}
}

// A relation limited to some distros is in their packages only.
func TestInfoRelationsPerDistro(t *testing.T) {
	_, daemon := loadFixture(t)
	_, dir := stageFiles(t)
	c := *daemon
	c.Relations.Depends = []stack.Relation{
		{Name: "base-files"},
		{Name: "openjdk-11-jre-headless", Distros: []string{"debian-11"}},
		{Name: "openjdk-17-jre-headless", Distros: []string{"debian-12"}},
	}
	for distro, want := range map[string]string{
		"debian-11": "base-files openjdk-11-jre-headless",
		"debian-12": "base-files openjdk-17-jre-headless",
		"":          "base-files",
	} {
		r, err := Deb.prepare(&c, dir, distro, "amd64", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(r.info().Depends, " "); got != want {
			t.Errorf("%q depends = %q, want %q", distro, got, want)
		}
	}
}

func TestInfoRelationsPerFormat(t *testing.T) {
	_, daemon := loadFixture(t)
	_, dir := stageFiles(t)
	for f, want := range map[Format]string{Deb: "ringhello-lib (>= 1.0.0)", RPM: "ringhello-lib >= 1.0.0"} {
		r, err := f.prepare(daemon, dir, "", "amd64", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.info().Depends; len(got) != 1 || got[0] != want {
			t.Errorf("%s depends = %q, want %q", f, got, want)
		}
		if got := r.info().Conflicts[0]; !strings.Contains(got, "0.9") || (f == Deb) != strings.Contains(got, "<<") {
			t.Errorf("%s conflicts = %q", f, got)
		}
	}
}
