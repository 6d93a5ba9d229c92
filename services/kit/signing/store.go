package signing

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Files in a key directory: the private key (0400, never logged) and the
// public key in both forms.
const (
	PrivateFile       = "private.asc"
	PublicArmoredFile = "public.asc"
	PublicBinaryFile  = "public.gpg"
)

// LoadOrCreate reads dir/private.asc, or generates a key and writes it there
// with mode 0400 on first start. The public key files are (re)written.
func LoadOrCreate(dir, name, email string) (k *Key, created bool, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("key dir: %w", err)
	}
	path := filepath.Join(dir, PrivateFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if k, err = Parse(b); err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist):
		if k, err = Generate(name, email, time.Now()); err != nil {
			return nil, false, err
		}
		priv, err := k.PrivateArmored()
		if err != nil {
			return nil, false, err
		}
		if err := os.WriteFile(path, priv, 0o400); err != nil {
			return nil, false, fmt.Errorf("write %s: %w", path, err)
		}
		created = true
	default:
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	pa, err := k.PublicArmored()
	if err != nil {
		return nil, false, err
	}
	pb, err := k.PublicBinary()
	if err != nil {
		return nil, false, err
	}
	if err := os.WriteFile(filepath.Join(dir, PublicArmoredFile), pa, 0o644); err != nil {
		return nil, false, err
	}
	if err := os.WriteFile(filepath.Join(dir, PublicBinaryFile), pb, 0o644); err != nil {
		return nil, false, err
	}
	return k, created, nil
}
