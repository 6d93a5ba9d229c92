package natsauth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadOrCreate(t *testing.T) {
	home := t.TempDir()
	first, err := LoadOrCreate(home, []string{"builder", "ring"})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"builder", "ring"} {
		fi, err := os.Stat(Path(home, u))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o400 {
			t.Errorf("%s: mode %v, want 0400", u, fi.Mode().Perm())
		}
		if first[u].User != u || len(first[u].Password) < 32 {
			t.Errorf("%s: credentials %v with a %d-character password", u, first[u], len(first[u].Password))
		}
	}
	if first["builder"].Password == first["ring"].Password {
		t.Error("two users share a password")
	}
	again, err := LoadOrCreate(home, []string{"builder", "ring"})
	if err != nil || again["builder"] != first["builder"] {
		t.Fatalf("second start changed the credentials: %v", err)
	}
	if s := first["builder"].String(); s != "nats user builder" {
		t.Errorf("String() = %q: must not show the password", s)
	}
}

func TestReadBad(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"not-json": "user=builder", "no-password": `{"user":"builder"}`, "no-user": `{"password":"x"}`,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o400); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(p); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err %v, want ErrInvalid", name, err)
		}
	}
	if _, err := Read(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want os.ErrNotExist", err)
	}
}

func TestFind(t *testing.T) {
	home := t.TempDir()
	t.Setenv("RING_HOME", home)
	t.Setenv(EnvCredentials, "")
	if _, ok, err := Find("ring"); ok || err != nil {
		t.Fatalf("no files: ok %v, err %v", ok, err)
	}
	made, err := LoadOrCreate(home, []string{"ring", "tester"})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok, err := Find("ring"); !ok || err != nil || c != made["ring"] {
		t.Fatalf("RING_HOME: %v %v %v", c, ok, err)
	}
	t.Setenv(EnvCredentials, Path(home, "tester"))
	if c, ok, err := Find("ring"); !ok || err != nil || c.User != "tester" {
		t.Fatalf("%s: %v %v %v", EnvCredentials, c, ok, err)
	}
}

// The CA's certificates verify as a TLS server and client would.
func TestCA(t *testing.T) {
	dir := t.TempDir()
	ca, err := LoadOrCreateCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := ca.Issue(dir, "nats-1", []string{"127.0.0.1", "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{key, filepath.Join(dir, "ca-key.pem")} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o400 {
			t.Errorf("%s: %v, want mode 0400", f, err)
		}
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(pair.Certificate[0])
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(ca.CertFile)
	pool.AppendCertsFromPEM(pem)
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "localhost", KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			t.Errorf("usage %v: %v", usage, err)
		}
	}
	if !leaf.IPAddresses[0].Equal(net.ParseIP("127.0.0.1")) {
		t.Errorf("IP SANs %v", leaf.IPAddresses)
	}
	again, err := LoadOrCreateCA(dir)
	if err != nil || again.CertFile != ca.CertFile || !again.cert.Equal(ca.cert) {
		t.Fatalf("reloading the CA: %v", err)
	}
	other, _ := LoadOrCreateCA(t.TempDir())
	opool := x509.NewCertPool()
	opem, _ := os.ReadFile(other.CertFile)
	opool.AppendCertsFromPEM(opem)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: opool}); err == nil {
		t.Error("a certificate verified against another CA")
	}
}

func TestSetCA(t *testing.T) {
	home := t.TempDir()
	creds, err := LoadOrCreate(home, []string{"tester"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ca := range []string{"/x/ca.pem", ""} {
		got, err := SetCA(home, creds, ca)
		if err != nil {
			t.Fatal(err)
		}
		read, err := Read(Path(home, "tester"))
		if err != nil || read != got["tester"] || read.CAFile != ca || read.Password != creds["tester"].Password {
			t.Fatalf("CA %q: read %v (%v), want it with the same password", ca, read, err)
		}
		creds = got
		if fi, _ := os.Stat(Path(home, "tester")); fi.Mode().Perm() != 0o400 {
			t.Fatalf("mode %v", fi.Mode().Perm())
		}
	}
}
