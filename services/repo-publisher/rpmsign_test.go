package publisher

import (
	"bytes"
	"crypto"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	rpmutils "github.com/sassoftware/go-rpmutils"

	"ringmaster.dev/events"
)

// TestEnsureRPMSignedLikeSignRpmFile: signing in memory gives what
// rpmutils.SignRpmFile writes to a new file — same length, same lead, the
// original header and payload byte for byte after the new signature header —
// and a signature the key verifies; an RPM the key already signed comes back
// unchanged. (The signatures themselves differ from run to run: go-crypto
// salts v4 signatures.)
func TestEnsureRPMSignedLikeSignRpmFile(t *testing.T) {
	key := testKey(t)
	built := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct{ name, version, arch string }{
		{"ringhello", "1.0.0-1", "x86_64"},
		{"libringbig", "2.3-4", "aarch64"},
		{"ringnoarch", "0.1-1", "noarch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := makePkg(t, "rpm", tc.name, tc.version, tc.arch)
			got, changed, err := ensureRPMSigned(data, key, built)
			if err != nil || !changed {
				t.Fatalf("ensureRPMSigned: changed %v, %v", changed, err)
			}
			dir := t.TempDir()
			in := filepath.Join(dir, "in.rpm")
			if err := os.WriteFile(in, data, 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			out := filepath.Join(dir, "out.rpm")
			if _, err := rpmutils.SignRpmFile(f, out, key.Entity().PrivateKey, &rpmutils.SignatureOptions{Hash: crypto.SHA256, CreationTime: built}); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			orig, err := rpmutils.ReadHeader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			body := data[orig.OriginalSignatureHeaderSize():]
			if len(got) != len(want) || !bytes.Equal(got[:96], want[:96]) || !bytes.HasSuffix(got, body) || !bytes.HasSuffix(want, body) {
				t.Fatalf("in memory: %d bytes, SignRpmFile: %d; lead or header+payload differ", len(got), len(want))
			}
			_, sigs, err := rpmutils.Verify(bytes.NewReader(got), openpgp.EntityList{key.Entity()})
			if err != nil || len(sigs) == 0 {
				t.Fatalf("verify: %d signatures, %v", len(sigs), err)
			}
			for _, s := range sigs {
				if s.Signer == nil || s.KeyId != key.Entity().PrimaryKey.KeyId || !s.CreationTime.Equal(built) {
					t.Fatalf("signature %+v: want the repository key, dated %v", s, built)
				}
			}
			again, changed, err := ensureRPMSigned(got, key, built)
			if err != nil || changed || !bytes.Equal(again, got) {
				t.Fatalf("signed rpm signed again: changed %v, %v", changed, err)
			}
		})
	}
}

// TestRepublishSameUnsignedRPM: publishing the same unsigned .rpm again (to
// the same channel or another) is not refused although its new signature
// differs; the index lists the stored object. Another build under the same
// name-version-release.arch is still refused.
func TestRepublishSameUnsignedRPM(t *testing.T) {
	ctx := t.Context()
	c := &clock{now: testStart}
	store := newMemStore(c)
	p := newTestPublisher(t, store, c, testKey(t))
	rpm := makePkg(t, "rpm", "ringhello", "1.0.0-1", "x86_64")
	other := makePkgWith(t, "rpm", "ringhello", "1.0.0-1", "x86_64", "another build\n")
	pool := rpmPoolPath("ringhello", "ringhello-1.0.0-1.x86_64.rpm")
	for _, tc := range []struct {
		name      string
		channel   string
		data      []byte
		immutable bool
	}{
		{"first publish", "nightly", rpm, false},
		{"same rpm again", "nightly", rpm, false},
		{"same rpm, other channel", "stable", rpm, false},
		{"another build, same version", "nightly", other, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.Add(2 * time.Second)
			_, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: tc.channel, Distros: []string{"rockylinux-9"},
				Packages: []events.PackageRef{upload(t, store, tc.name+".rpm", tc.data)}})
			if tc.immutable != errors.Is(err, ErrImmutable) || (!tc.immutable && err != nil) {
				t.Fatalf("publish: %v (want ErrImmutable: %v)", err, tc.immutable)
			}
			if tc.immutable {
				return
			}
			m, err := LoadManifest(ctx, store, tc.channel)
			if err != nil {
				t.Fatal(err)
			}
			info, err := store.Stat(ctx, pool)
			if err != nil {
				t.Fatal(err)
			}
			if l := m.RPMs["rockylinux-9"]; len(l) != 1 || l[0].Checksum != info.SHA256 {
				t.Fatalf("index lists %+v; the pool object has sha256 %s", l, info.SHA256)
			}
		})
	}
}
