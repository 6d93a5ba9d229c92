package signing

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
)

const sigBegin = "-----BEGIN PGP SIGNATURE-----"

// DetachSign returns an armored detached signature of data (Release.gpg,
// repomd.xml.asc: apt refuses a binary one with "NODATA").
func (k *Key) DetachSign(data []byte, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&b, k.entity, bytes.NewReader(data), config(now)); err != nil {
		return nil, fmt.Errorf("detach-sign: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// ClearSign returns data clear-signed (InRelease). The signature block is
// re-armored with the armor checksum line: clearsign.Encode leaves it out,
// and gpgv then rejects some signatures ("invalid radix64 character").
func (k *Key) ClearSign(data []byte, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	w, err := clearsign.Encode(&b, k.entity.PrivateKey, config(now))
	if err != nil {
		return nil, fmt.Errorf("clear-sign: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("clear-sign: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("clear-sign: %w", err)
	}
	out := b.Bytes()
	i := bytes.Index(out, []byte(sigBegin))
	if i < 0 {
		return nil, fmt.Errorf("clear-sign: no signature block in output")
	}
	block, err := armor.Decode(bytes.NewReader(out[i:]))
	if err != nil {
		return nil, fmt.Errorf("clear-sign: re-armor: %w", err)
	}
	raw, err := io.ReadAll(block.Body)
	if err != nil {
		return nil, fmt.Errorf("clear-sign: re-armor: %w", err)
	}
	sig, err := armorBlock(block.Type, raw)
	if err != nil {
		return nil, err
	}
	return append(append([]byte(nil), out[:i]...), sig...), nil
}
