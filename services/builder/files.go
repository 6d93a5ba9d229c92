package builder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"ringmaster.dev/kit/blob"
)

var putText = blob.PutOptions{ContentType: "text/plain; charset=utf-8"}

// errUnavailable marks what the store or the bus did not answer (the store
// unreachable, a volume down, a read cut mid-way; a NATS server dead,
// frozen or electing): no failure of the cell, whose command is tried
// again (job.build's fail). A key the store does not have is the cell's.
var errUnavailable = errors.New("unavailable")

// storeRead is err of reading key from the store, marked errUnavailable
// unless the store said the key is not there.
func storeRead(key string, err error) error {
	if errors.Is(err, blob.ErrNotFound) {
		return fmt.Errorf("get %s: %w", key, err)
	}
	return fmt.Errorf("get %s: %w: %w", key, errUnavailable, err)
}

// download copies a blob to a local file.
func download(ctx context.Context, store Store, key, path string) error {
	rc, _, err := store.Get(ctx, key)
	if err != nil {
		return storeRead(key, err)
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return storeRead(key, err)
	}
	return f.Close()
}

// copyTree copies a local source tree (files, dirs, symlinks inside it).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case info.Mode().IsRegular():
			in, err := os.Open(p)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, in); err != nil {
				out.Close()
				return err
			}
			return out.Close()
		}
		return fmt.Errorf("%s: not a regular file, directory or symlink", p)
	})
}
