package publisher

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"io"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	rpmutils "github.com/sassoftware/go-rpmutils"
	"ringmaster.dev/repo-publisher/yum"
)

// RPMKey is what RPM header signing needs from the repository key.
type RPMKey interface {
	Entity() *openpgp.Entity
}

// ensureRPMSigned returns the RPM unchanged if the repository key already
// signed it, otherwise a copy carrying the repository key's header and
// header+payload signatures (replacing any other), dated at the package's
// build time. (The signature bytes differ from one signing to the next:
// go-crypto salts v4 signatures.)
//
// It works in memory: the lead and the new signature header
// (rpmutils.SignRpmStream, DumpSignatureHeader without reserved space), then
// the original header and payload — the bytes rpmutils.SignRpmFile writes to
// a new file (rpmsign_test.go compares them), without its temporary files.
func ensureRPMSigned(data []byte, key RPMKey, buildTime time.Time) ([]byte, bool, error) {
	ring := openpgp.EntityList{key.Entity()}
	if _, sigs, err := rpmutils.Verify(bytes.NewReader(data), ring); err == nil {
		for _, s := range sigs {
			if s.Signer != nil && s.KeyId == key.Entity().PrimaryKey.KeyId {
				return data, false, nil
			}
		}
	}
	opts := &rpmutils.SignatureOptions{Hash: crypto.SHA256, CreationTime: buildTime}
	hdr, err := rpmutils.SignRpmStream(bytes.NewReader(data), key.Entity().PrivateKey, opts)
	if err != nil {
		return nil, false, fmt.Errorf("sign rpm: %w", err)
	}
	rest := hdr.OriginalSignatureHeaderSize()
	if rest > len(data) {
		return nil, false, fmt.Errorf("sign rpm: signature header (%d bytes) longer than the file (%d)", rest, len(data))
	}
	head, err := hdr.DumpSignatureHeader(false)
	if err != nil {
		return nil, false, fmt.Errorf("sign rpm: %w", err)
	}
	out := make([]byte, 0, len(head)+len(data)-rest)
	out = append(append(out, head...), data[rest:]...)
	return out, true, nil
}

// signedEarlier tells whether the pool object at key is the package signed
// holds, signed by the repository key at another time: the same header and
// payload after a signature header the key verifies. It then returns the
// stored object's index entry (its sha256, not signed's); otherwise pkg
// unchanged and false.
func (p *Publisher) signedEarlier(ctx context.Context, key string, signed []byte, pkg yum.Package) (yum.Package, bool) {
	rc, _, err := p.Store.Get(ctx, key)
	if err != nil {
		return pkg, false
	}
	stored, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return pkg, false
	}
	a, aerr := rpmBody(signed)
	b, berr := rpmBody(stored)
	if aerr != nil || berr != nil || !bytes.Equal(a, b) {
		return pkg, false
	}
	if _, changed, err := ensureRPMSigned(stored, p.Key, time.Time{}); err != nil || changed {
		return pkg, false
	}
	again, err := yum.Inspect(stored, pkg.Href)
	if err != nil {
		return pkg, false
	}
	return again, true
}

// rpmBody is an RPM's header and payload: everything after its lead and signature header.
func rpmBody(data []byte) ([]byte, error) {
	hdr, err := rpmutils.ReadHeader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	n := hdr.OriginalSignatureHeaderSize()
	if n > len(data) {
		return nil, fmt.Errorf("signature header (%d bytes) longer than the file (%d)", n, len(data))
	}
	return data[n:], nil
}
