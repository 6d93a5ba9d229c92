package publisher

import (
	"bytes"
	"crypto"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	rpmutils "github.com/sassoftware/go-rpmutils"
)

// RPMKey is what RPM header signing needs from the repository key.
type RPMKey interface {
	Entity() *openpgp.Entity
}

// ensureRPMSigned returns the RPM unchanged if the repository key already
// signed it, otherwise a copy carrying the repository key's header and
// header+payload signatures (replacing any other), dated at the package's
// build time so signing the same package twice gives the same bytes.
func ensureRPMSigned(data []byte, key RPMKey, buildTime time.Time, workDir string) ([]byte, bool, error) {
	ring := openpgp.EntityList{key.Entity()}
	if _, sigs, err := rpmutils.Verify(bytes.NewReader(data), ring); err == nil {
		for _, s := range sigs {
			if s.Signer != nil && s.KeyId == key.Entity().PrimaryKey.KeyId {
				return data, false, nil
			}
		}
	}
	dir, err := os.MkdirTemp(workDir, "rpmsign-")
	if err != nil {
		return nil, false, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.rpm")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, false, err
	}
	f, err := os.Open(in)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	out := filepath.Join(dir, "out.rpm")
	opts := &rpmutils.SignatureOptions{Hash: crypto.SHA256, CreationTime: buildTime}
	if _, err := rpmutils.SignRpmFile(f, out, key.Entity().PrivateKey, opts); err != nil {
		return nil, false, fmt.Errorf("sign rpm: %w", err)
	}
	signed, err := os.ReadFile(out)
	return signed, true, err
}
