package mirror

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
)

// ErrVerify is wrapped by every verification failure: a bad signature, a
// hash or size that differs from what the signed index says, an index that
// does not parse. Nothing that failed is left at its final path.
var ErrVerify = errors.New("verification failed")

// HashError is a file whose bytes are not the ones its index lists.
type HashError struct {
	File     string // path relative to the mirror (or URL)
	Want     string // sha256 the index lists
	Got      string // sha256 of the bytes received
	WantSize int64  // -1 if unknown
	GotSize  int64
}

func (e *HashError) Error() string {
	if e.WantSize >= 0 && e.WantSize != e.GotSize && e.Got == "" {
		return fmt.Sprintf("%s: size %d, the signed index says %d", e.File, e.GotSize, e.WantSize)
	}
	return fmt.Sprintf("%s: sha256 mismatch: expected %s, got %s (%d bytes)", e.File, e.Want, e.Got, e.GotSize)
}

func (e *HashError) Unwrap() error { return ErrVerify }

// verifyErr wraps a message in ErrVerify.
func verifyErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrVerify}, a...)...)
}

// LoadKeyring reads an OpenPGP public keyring, armored (.asc) or binary (.gpg).
func LoadKeyring(path string) (openpgp.EntityList, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	return ParseKeyring(b)
}

// ParseKeyring parses an armored or binary public keyring.
func ParseKeyring(b []byte) (openpgp.EntityList, error) {
	var (
		kr  openpgp.EntityList
		err error
	)
	if bytes.Contains(b[:min(len(b), 256)], []byte("-----BEGIN PGP")) {
		kr, err = openpgp.ReadArmoredKeyRing(bytes.NewReader(b))
	} else {
		kr, err = openpgp.ReadKeyRing(bytes.NewReader(b))
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: not an OpenPGP public key (armored or binary): %w", err)
	}
	if len(kr) == 0 {
		return nil, errors.New("keyring: no keys")
	}
	return kr, nil
}

// VerifyClearSigned checks a clear-signed file (InRelease) against the
// keyring and returns the signed text. Text outside the signed block is
// refused: a reader could be shown it as if it were signed.
func VerifyClearSigned(name string, data []byte, kr openpgp.KeyRing) ([]byte, error) {
	block, rest := clearsign.Decode(data)
	if block == nil {
		return nil, verifyErr("%s is not a clear-signed OpenPGP message", name)
	}
	if i := bytes.Index(data, []byte("-----BEGIN PGP SIGNED MESSAGE-----")); i < 0 || len(bytes.TrimSpace(data[:i])) > 0 {
		return nil, verifyErr("%s has unsigned text before the signed message", name)
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, verifyErr("%s has unsigned text after the signature", name)
	}
	if _, err := openpgp.CheckDetachedSignature(kr, bytes.NewReader(block.Bytes), block.ArmoredSignature.Body, nil); err != nil {
		return nil, verifyErr("%s: bad signature (is --keyring the repository's key?): %v", name, err)
	}
	return block.Plaintext, nil
}

// VerifyDetached checks an armored detached signature (Release.gpg, repomd.xml.asc).
func VerifyDetached(name string, data, sig []byte, kr openpgp.KeyRing) error {
	if _, err := openpgp.CheckArmoredDetachedSignature(kr, bytes.NewReader(data), bytes.NewReader(sig), nil); err != nil {
		return verifyErr("%s: bad signature (is --keyring the repository's key?): %v", name, err)
	}
	return nil
}

// sha256Hex is the hex sha256 of b.
func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checkBytes compares in-memory content with an expected hash and size (-1: any).
func checkBytes(name string, b []byte, want string, size int64) error {
	got := sha256Hex(b)
	if got != want || (size >= 0 && int64(len(b)) != size) {
		return &HashError{File: name, Want: want, Got: got, WantSize: size, GotSize: int64(len(b))}
	}
	return nil
}

// fileSHA256 hashes a file; it also returns its size.
func fileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// validSHA256 reports whether s is 64 lower-case hex digits.
func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
