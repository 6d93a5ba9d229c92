package mirror

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func asHashError(err error, he **HashError) bool { return errors.As(err, he) }

func TestVerifySignatures(t *testing.T) {
	key, other := keys(t)
	kr, wrong := keyring(t, key), keyring(t, other)
	text := []byte("Suite: s\nSHA256:\n " + h1 + " 0 main/binary-amd64/Packages\n")
	signed, err := key.ClearSign(text, testNow)
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifyClearSigned("InRelease", signed, kr)
	if err != nil || !bytes.Equal(bytes.TrimRight(got, "\n"), bytes.TrimRight(text, "\n")) {
		t.Fatalf("%v\n%q", err, got)
	}
	// The binary keyring works too.
	bin, _ := key.PublicBinary()
	if krb, err := ParseKeyring(bin); err != nil {
		t.Fatal(err)
	} else if _, err := VerifyClearSigned("InRelease", signed, krb); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"tampered":     {bytes.Replace(signed, []byte("Suite: s"), []byte("Suite: t"), 1), "bad signature"},
		"wrong key":    {signed, "bad signature"},
		"unsigned":     {text, "not a clear-signed"},
		"text after":   {append(append([]byte{}, signed...), "Suite: evil\n"...), "after the signature"},
		"text before":  {append([]byte("Suite: evil\n\n"), signed...), "before the signed"},
		"cut in half":  {signed[:len(signed)/2], "not a clear-signed"},
		"html instead": {[]byte("<html>502</html>"), "not a clear-signed"},
	} {
		t.Run(name, func(t *testing.T) {
			use := kr
			if name == "wrong key" {
				use = wrong
			}
			_, err := VerifyClearSigned("InRelease", tc.data, use)
			if err == nil || !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "InRelease") {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}

	sig, err := key.DetachSign(text, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyDetached("repomd.xml", text, sig, kr); err != nil {
		t.Fatal(err)
	}
	if err := VerifyDetached("repomd.xml", append(text, ' '), sig, kr); err == nil || !errors.Is(err, ErrVerify) {
		t.Fatal("tampered repomd.xml accepted")
	}
	if err := VerifyDetached("repomd.xml", text, sig, wrong); err == nil {
		t.Fatal("wrong key accepted")
	}
	if _, err := ParseKeyring([]byte("not a key")); err == nil {
		t.Fatal("garbage keyring accepted")
	}
}
