//go:build integration

package signing

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gpgv must accept InRelease and Release.gpg made with the key, many times
// over (the missing armor checksum failed only for some signatures), and
// refuse them with another key or after tampering.
func TestGpgvVerifiesSignatures(t *testing.T) {
	if _, err := exec.LookPath("gpgv"); err != nil {
		t.Fatal("gpgv not installed (apt-get install gpgv)")
	}
	dir := t.TempDir()
	k, created, err := LoadOrCreate(filepath.Join(dir, "key"), "Ringmaster test", "test@ringmaster.invalid")
	if err != nil || !created {
		t.Fatalf("LoadOrCreate: %v created=%v", err, created)
	}
	if st, _ := os.Stat(filepath.Join(dir, "key", PrivateFile)); st.Mode().Perm() != 0o400 {
		t.Fatalf("private key mode %v", st.Mode().Perm())
	}
	again, created, err := LoadOrCreate(filepath.Join(dir, "key"), "x", "y")
	if err != nil || created || again.Fingerprint() != k.Fingerprint() {
		t.Fatalf("reload: %v created=%v", err, created)
	}
	other, _ := Generate("other", "o@x", time.Now())
	otherPub, _ := other.PublicBinary()
	os.WriteFile(filepath.Join(dir, "other.gpg"), otherPub, 0o644)
	keyring := filepath.Join(dir, "key", PublicBinaryFile)
	for i := range 20 {
		release := []byte(fmt.Sprintf("Origin: Ringmaster\nSuite: test\nDate: %d\nSHA256:\n %064x 123 main/binary-amd64/Packages\n", i, i*7919))
		in, err := k.ClearSign(release, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		det, err := k.DetachSign(release, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "InRelease"), in, 0o644)
		os.WriteFile(filepath.Join(dir, "Release"), release, 0o644)
		os.WriteFile(filepath.Join(dir, "Release.gpg"), det, 0o644)
		if !strings.Contains(string(det), "BEGIN PGP SIGNATURE") {
			t.Fatal("detached signature not armored")
		}
		if out, err := exec.Command("gpgv", "--keyring", keyring, filepath.Join(dir, "InRelease")).CombinedOutput(); err != nil {
			t.Fatalf("gpgv InRelease #%d: %v\n%s\n%s", i, err, out, in)
		}
		if out, err := exec.Command("gpgv", "--keyring", keyring, filepath.Join(dir, "Release.gpg"), filepath.Join(dir, "Release")).CombinedOutput(); err != nil {
			t.Fatalf("gpgv Release.gpg #%d: %v\n%s", i, err, out)
		}
		if err := exec.Command("gpgv", "--keyring", filepath.Join(dir, "other.gpg"), filepath.Join(dir, "InRelease")).Run(); err == nil {
			t.Fatal("gpgv accepted InRelease with the wrong key")
		}
	}
	tampered := strings.Replace(string(mustRead(t, filepath.Join(dir, "InRelease"))), "Suite: test", "Suite: evil", 1)
	os.WriteFile(filepath.Join(dir, "InRelease"), []byte(tampered), 0o644)
	if err := exec.Command("gpgv", "--keyring", keyring, filepath.Join(dir, "InRelease")).Run(); err == nil {
		t.Fatal("gpgv accepted a tampered InRelease")
	}
	if strings.Contains(fmt.Sprintf("%v %#v %s", k, k, k), "PRIVATE") {
		t.Fatal("key formatting leaks the private key")
	}
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
