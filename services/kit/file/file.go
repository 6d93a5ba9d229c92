// Package file writes files so that a reader never sees half of one: the
// content goes to a temporary file beside the target, which is renamed
// over it only once complete.
package file

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteAtomic writes path through write: into a hidden temporary file in
// path's directory, given mode, then renamed into place. If write or
// anything after it fails, the temporary file is removed and path is left
// as it was.
func WriteAtomic(path string, mode fs.FileMode, write func(w io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreClosed(tmp.Close()))
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func ignoreClosed(err error) error {
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}
