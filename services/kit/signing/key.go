// Package signing holds a repository's OpenPGP key: generation, loading,
// clear-signed InRelease, armored detached signatures and the published
// public key. Keys are v4 Ed25519 (legacy EdDSA, algorithm 22): apt's gpgv,
// rpm and dnf on Debian 12 all verify them (v6 keys and algorithm 27 are
// refused by every one of these tools).
package signing

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Key is a private signing key. Its String and GoString never show secrets.
type Key struct {
	entity *openpgp.Entity
}

// ErrBadKey wraps every failure to read a key.
var ErrBadKey = errors.New("bad signing key")

func config(now time.Time) *packet.Config {
	return &packet.Config{
		Algorithm:   packet.PubKeyAlgoEdDSA,
		DefaultHash: crypto.SHA256,
		V6Keys:      false,
		Time:        func() time.Time { return now },
	}
}

// Generate makes a new v4 Ed25519 signing key for name <email>.
func Generate(name, email string, now time.Time) (*Key, error) {
	e, err := openpgp.NewEntity(name, "repository signing key", email, config(now))
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	return &Key{entity: e}, nil
}

// Parse reads an armored private key (as written by PrivateArmored).
func Parse(armored []byte) (*Key, error) {
	list, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(armored))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	if len(list) != 1 || list[0].PrivateKey == nil {
		return nil, fmt.Errorf("%w: want exactly one private key, found %d entities", ErrBadKey, len(list))
	}
	if list[0].PrivateKey.Encrypted {
		return nil, fmt.Errorf("%w: the private key is passphrase-protected; give an unprotected key file (mode 0400)", ErrBadKey)
	}
	return &Key{entity: list[0]}, nil
}

// Fingerprint is the key's fingerprint in upper-case hex.
func (k *Key) Fingerprint() string {
	return strings.ToUpper(fmt.Sprintf("%x", k.entity.PrimaryKey.Fingerprint))
}

func (k *Key) String() string   { return "signing key " + k.Fingerprint() }
func (k *Key) GoString() string { return k.String() }

// PrivateArmored is the armored private key, for the 0400 key file and for
// nfpm's RPM signing. Never log it.
func (k *Key) PrivateArmored() ([]byte, error) {
	var b bytes.Buffer
	w, err := armor.Encode(&b, openpgp.PrivateKeyType, nil)
	if err != nil {
		return nil, err
	}
	if err := k.entity.SerializePrivate(w, nil); err != nil {
		return nil, fmt.Errorf("serialize private key: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// PublicBinary is the public key as a binary keyring (for Signed-By: and gpgv).
func (k *Key) PublicBinary() ([]byte, error) {
	var b bytes.Buffer
	if err := k.entity.Serialize(&b); err != nil {
		return nil, fmt.Errorf("serialize public key: %w", err)
	}
	return b.Bytes(), nil
}

// PublicArmored is the armored public key (for rpmkeys --import and dnf gpgkey=).
func (k *Key) PublicArmored() ([]byte, error) {
	bin, err := k.PublicBinary()
	if err != nil {
		return nil, err
	}
	return armorBlock(openpgp.PublicKeyType, bin)
}

func armorBlock(blockType string, data []byte) ([]byte, error) {
	var b bytes.Buffer
	w, err := armor.Encode(&b, blockType, nil)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// Entity is the key as an OpenPGP entity, for libraries that sign with it
// (e.g. RPM header signing). It holds the private key: never log it.
func (k *Key) Entity() *openpgp.Entity { return k.entity }
