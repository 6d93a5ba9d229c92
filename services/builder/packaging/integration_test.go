//go:build integration

package packaging

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// buildFixture compiles the fixture with the host's make and gcc: copies
// the sources, applies the patch series, builds ringhello-lib, then
// ringhello against it, each installed into its own staged dir.
func buildFixture(t *testing.T) (libDir, daemonDir string) {
	t.Helper()
	for _, tool := range []string{"make", "gcc", "patch"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	lib, daemon := loadFixture(t)
	work, out := t.TempDir(), t.TempDir()
	libDir, daemonDir = filepath.Join(out, "ringhello-lib"), filepath.Join(out, "ringhello")
	run(t, "", "cp", "-r", lib.Path(lib.Sources[0].Dir), filepath.Join(work, "lib"))
	run(t, "", "cp", "-r", daemon.Path(daemon.Sources[0].Dir), filepath.Join(work, "daemon"))
	for _, p := range lib.Patches {
		run(t, filepath.Join(work, "lib"), "patch", "-p1", "-i", lib.Path(p))
	}
	run(t, filepath.Join(work, "lib"), "make", "install", "DESTDIR="+libDir)
	run(t, filepath.Join(work, "daemon"), "make", "install", "RINGHELLO_INC="+filepath.Join(libDir, "include"), "RINGHELLO_LIBDIR="+filepath.Join(libDir, "lib"), "DESTDIR="+daemonDir)
	return libDir, daemonDir
}

func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
}

func contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func TestDebWithDpkg(t *testing.T) {
	need(t, "dpkg-deb")
	lib, daemon := loadFixture(t)
	libDir, daemonDir := buildFixture(t)
	out := t.TempDir()
	ctx := context.Background()
	la, err := Deb.Package(ctx, lib, libDir, "debian-12", "amd64", Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	da, err := Deb.Package(ctx, daemon, daemonDir, "debian-12", "amd64", Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	info := run(t, "", "dpkg-deb", "--info", da.Path)
	contains(t, "dpkg-deb --info", info,
		"Package: ringhello\n", "Version: 1.0.0-1+deb12\n", "Architecture: amd64\n",
		"Maintainer: Ringmaster Builders <builders@ringmaster.dev>\n",
		"Depends: ringhello-lib (>= 1.0.0)\n", "Conflicts: ringhello-legacy (<< 0.9)\n",
		"Replaces: ringhello-legacy (<< 0.9)\n",
		"Description: greeting daemon for the Ringmaster fixture\n  ringhellod greets",
		" conffiles", " preinst", " postinst", " postrm")
	contains(t, "conffiles", run(t, "", "dpkg-deb", "--info", da.Path, "conffiles"),
		"/etc/init.d/ringhello\n", "/etc/ringhello/conf/ringhello.conf\n")
	contains(t, "preinst", run(t, "", "dpkg-deb", "--info", da.Path, "preinst"),
		"getent group ringhello >/dev/null || groupadd -r ringhello\n",
		"getent passwd ringhello >/dev/null || useradd -r -g ringhello -d /var/lib/ringhello -s /usr/sbin/nologin ringhello\n")
	contains(t, "postinst", run(t, "", "dpkg-deb", "--info", da.Path, "postinst"), "ringhello installed")
	contents := run(t, "", "dpkg-deb", "--contents", da.Path)
	contains(t, "dpkg-deb --contents", contents,
		"-rwxr-xr-x root/root",
		"1970-01-01 00:00 ./usr/lib/ringhello/bin/ringhellod\n",
		"-rw-r--r-- root/root ", " ./etc/ringhello/conf/ringhello.conf\n",
		"-rwxr-xr-x root/root ", " ./etc/init.d/ringhello\n",
		"drwxr-x--- ringhello/ringhello 0 1970-01-01 00:00 ./var/log/ringhello/\n",
		"drwxr-x--- ringhello/ringhello 0 1970-01-01 00:00 ./var/lib/ringhello/\n",
		"./usr/sbin/ringhellod -> ../lib/ringhello/bin/ringhellod\n")
	for _, line := range strings.Split(strings.TrimSpace(contents), "\n") {
		if strings.Contains(line, "ringhellod\n") && !strings.HasPrefix(line, "-rwxr-xr-x") && !strings.HasPrefix(line, "l") {
			t.Errorf("daemon mode: %s", line)
		}
	}
	libContents := run(t, "", "dpkg-deb", "--contents", la.Path)
	contains(t, "lib contents", libContents,
		"./usr/lib/ringhello-lib/libringhello.so.1\n", "./usr/lib/ringhello-lib/libringhello.so -> libringhello.so.1\n")
	contains(t, "lib provides", run(t, "", "dpkg-deb", "-f", la.Path, "Provides"), "libringhello1 (= 1.0.0)")

	// Unpack both and run the daemon: proves build, patch series and layout.
	root := t.TempDir()
	run(t, "", "dpkg-deb", "-x", la.Path, root)
	run(t, "", "dpkg-deb", "-x", da.Path, root)
	cmd := exec.Command(filepath.Join(root, "usr/sbin/ringhellod"), filepath.Join(root, "etc/ringhello/conf/ringhello.conf"))
	cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+filepath.Join(root, "usr/lib/ringhello-lib"))
	got, err := cmd.CombinedOutput()
	if err != nil || string(got) != "hello, ringmaster!\n" {
		t.Errorf("daemon says %q, %v", got, err)
	}
}

func TestRPMWithRpm(t *testing.T) {
	need(t, "rpm")
	_, daemon := loadFixture(t)
	_, daemonDir := buildFixture(t)
	a, err := RPM.Package(context.Background(), daemon, daemonDir, "rockylinux-9", "amd64", Options{OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	contains(t, "rpm -qpi", run(t, "", "rpm", "-qpi", a.Path),
		"Name        : ringhello\n", "Version     : 1.0.0\n", "Release     : 1.el9\n",
		"Architecture: x86_64\n", "License     : Apache-2.0\n", "Build Host  : ringmaster\n",
		"Summary     : greeting daemon for the Ringmaster fixture\n")
	contains(t, "rpm -qp --requires", run(t, "", "rpm", "-qp", "--requires", a.Path), "ringhello-lib >= 1.0.0\n")
	contains(t, "rpm -qp --conflicts", run(t, "", "rpm", "-qp", "--conflicts", a.Path), "ringhello-legacy < 0.9\n")
	contains(t, "rpm -qp --obsoletes", run(t, "", "rpm", "-qp", "--obsoletes", a.Path), "ringhello-legacy < 0.9\n")
	dump := run(t, "", "rpm", "-qpl", "--dump", a.Path)
	// path size mtime digest mode owner group isconfig isdoc rdev symlink
	byPath := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(dump), "\n") {
		f := strings.Fields(line)
		byPath[f[0]] = f
	}
	for path, want := range map[string][]string{
		"/etc/ringhello/conf/ringhello.conf": {"0100644", "root", "root", "1"},
		"/etc/init.d/ringhello":              {"0100755", "root", "root", "1"},
		"/usr/lib/ringhello/bin/ringhellod":  {"0100755", "root", "root", "0"},
		"/var/log/ringhello":                 {"040750", "ringhello", "ringhello", "0"},
		// rpmpack (nfpm) stores symlinks as mode 0120000, rpm builds 0120777
		"/usr/sbin/ringhellod": {"0120000", "root", "root", "0"},
	} {
		f := byPath[path]
		if len(f) < 8 || f[2] != "0" || f[4] != want[0] || f[5] != want[1] || f[6] != want[2] || f[7] != want[3] {
			t.Errorf("%s: dump %v, want mtime 0, mode/owner/group/config %v", path, f, want)
		}
	}
	if f := byPath["/usr/sbin/ringhellod"]; len(f) != 11 || f[10] != "../lib/ringhello/bin/ringhellod" {
		t.Errorf("symlink target: %v", f)
	}
	contains(t, "file flags", run(t, "", "rpm", "-qp", "--qf", "[%{FILENAMES} %{FILEFLAGS:fflags}\n]", a.Path),
		"/etc/ringhello/conf/ringhello.conf cn\n")
	contains(t, "rpm --scripts", run(t, "", "rpm", "-qp", "--scripts", a.Path),
		"preinstall scriptlet", "useradd -r -g ringhello -d /var/lib/ringhello -s /usr/sbin/nologin ringhello",
		"postinstall scriptlet", "postuninstall scriptlet")
}

func TestRPMSignatureVerifies(t *testing.T) {
	need(t, "rpmkeys")
	lib, _ := loadFixture(t)
	libDir, _ := stageFiles(t)
	dir := t.TempDir()
	keyFile, pubFile := writeKey(t, dir, "signer", "s3cret")
	otherPub := filepath.Join(t.TempDir(), "other.asc")
	_, otherPub = writeKey(t, filepath.Dir(otherPub), "other", "")

	opts := Options{OutDir: t.TempDir(), RPMSigningKeyFile: keyFile, RPMSigningPassphrase: "s3cret"}
	a, err := RPM.Package(context.Background(), lib, libDir, "rockylinux-9", "amd64", opts)
	if err != nil {
		t.Fatal(err)
	}
	db := t.TempDir()
	run(t, "", "rpmkeys", "--dbpath", db, "--import", pubFile)
	got := run(t, "", "rpmkeys", "--dbpath", db, "-K", a.Path)
	if !strings.HasSuffix(strings.TrimSpace(got), "digests signatures OK") {
		t.Errorf("rpmkeys -K: %s", got)
	}
	// a database that trusts another key must refuse it
	db2 := t.TempDir()
	run(t, "", "rpmkeys", "--dbpath", db2, "--import", otherPub)
	out, err := exec.Command("rpmkeys", "--dbpath", db2, "-K", a.Path).CombinedOutput()
	if err == nil || strings.Contains(string(out), "signatures OK") {
		t.Errorf("unknown key accepted: %v %s", err, out)
	}
	// a wrong passphrase fails, and writes nothing
	opts.RPMSigningPassphrase = "wrong"
	opts.OutDir = t.TempDir()
	if _, err := RPM.Package(context.Background(), lib, libDir, "rockylinux-9", "amd64", opts); err == nil {
		t.Error("wrong passphrase signed")
	}
	if ents, _ := os.ReadDir(opts.OutDir); len(ents) != 0 {
		t.Errorf("wrote %v", ents)
	}
	// Signed RPMs are reproducible up to the signature: its creation time is
	// the signing time. Log it rather than hide it.
	opts.RPMSigningPassphrase = "s3cret"
	b, err := RPM.Package(context.Background(), lib, libDir, "rockylinux-9", "amd64", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("signed twice: same bytes = %v", a.SHA256 == b.SHA256)
}

// writeKey writes a v4 Ed25519 (legacy EdDSA, algorithm 22) key pair,
// armored; the private key is encrypted when passphrase is set.
func writeKey(t *testing.T, dir, name, passphrase string) (private, public string) {
	t.Helper()
	e, err := openpgp.NewEntity(name, "ringmaster test", name+"@ringmaster.dev", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		t.Fatal(err)
	}
	if e.PrimaryKey.Version != 4 || e.PrimaryKey.PubKeyAlgo != packet.PubKeyAlgoEdDSA {
		t.Fatalf("key v%d algo %d, want v4 algo 22", e.PrimaryKey.Version, e.PrimaryKey.PubKeyAlgo)
	}
	var pub strings.Builder
	w, err := armor.Encode(&pub, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Serialize(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if passphrase != "" {
		if err := e.EncryptPrivateKeys([]byte(passphrase), nil); err != nil {
			t.Fatal(err)
		}
	}
	var priv strings.Builder
	w, err = armor.Encode(&priv, openpgp.PrivateKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SerializePrivateWithoutSigning(w, nil); err != nil {
		t.Fatal(err)
	}
	w.Close()
	private, public = filepath.Join(dir, name+".key.asc"), filepath.Join(dir, name+".asc")
	if err := os.WriteFile(private, []byte(priv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(public, []byte(pub.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return private, public
}
