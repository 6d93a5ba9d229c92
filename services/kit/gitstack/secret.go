package gitstack

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"ringmaster.dev/kit/file"
)

// Secret files of a stack, under the key directory ($RING_HOME/keys).
const (
	secretFile = "webhook.secret"
	tokenFile  = "forge.token"
)

// SecretPath is the file holding the stack's webhook secret.
func SecretPath(keyDir, stack string) string {
	return filepath.Join(keyDir, "stacks", stack, secretFile)
}

// TokenPath is the file holding the stack's forge API token.
func TokenPath(keyDir, stack string) string {
	return filepath.Join(keyDir, "stacks", stack, tokenFile)
}

// ErrNoSecret means the stack has no such secret file.
var ErrNoSecret = errors.New("no secret stored")

// ReadSecret reads a secret file, refusing one that others may read (mode
// beyond 0600) or that is empty. Trailing newlines are not part of it.
func ReadSecret(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoSecret, path)
	}
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret %s has mode %o: others may read it; chmod 0400 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("secret %s is empty", path)
	}
	return b, nil
}

// WriteSecret stores data at path with mode 0400 (directories 0700),
// replacing what was there.
func WriteSecret(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return file.WriteAtomic(path, 0o400, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
