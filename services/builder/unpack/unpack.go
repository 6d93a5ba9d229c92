// Package unpack extracts upstream source archives (.tar, .tar.gz/.tgz,
// .tar.xz, .tar.bz2, .tar.zst, .zip) into a directory, refusing anything
// that could write outside it.
//
// The archive is extracted into a temporary directory next to destDir and
// renamed into place at the end, so a refused or failed archive leaves
// nothing behind. Writes go through an [os.Root] and never follow symlinks.
package unpack

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Errors returned by Extract; match them with errors.Is.
var (
	// ErrUnsafe: an entry would escape the destination or is not a plain
	// file, directory or link (see UnsafeError for which entry and why).
	ErrUnsafe = errors.New("unsafe archive entry")
	// ErrTooLarge: the archive exceeds Options.MaxBytes or Options.MaxFiles.
	ErrTooLarge = errors.New("archive too large")
	// ErrFormat: not an archive of a supported format, or a corrupt one.
	ErrFormat = errors.New("unsupported or corrupt archive")
)

// UnsafeError names the refused entry. It matches ErrUnsafe.
type UnsafeError struct {
	Entry  string // the entry's name as written in the archive
	Reason string
}

func (e *UnsafeError) Error() string {
	return fmt.Sprintf("%v: %q: %s", ErrUnsafe, e.Entry, e.Reason)
}

// Is makes errors.Is(err, ErrUnsafe) true.
func (e *UnsafeError) Is(target error) bool { return target == ErrUnsafe }

func unsafeEntry(name, format string, args ...any) error {
	return &UnsafeError{Entry: name, Reason: fmt.Sprintf(format, args...)}
}

// Strip modes for Options.StripComponents.
const (
	// StripAuto (the zero value) removes one top-level directory when every
	// entry of the archive is inside it, as in upstream tarballs.
	StripAuto = 0
	// StripNone keeps every path as it is in the archive.
	StripNone = -1
)

// Default limits.
const (
	DefaultMaxBytes = 8 << 30 // 8 GiB of file content
	DefaultMaxFiles = 500_000 // entries of any kind
)

// Options tune Extract. The zero value is sane.
type Options struct {
	// StripComponents removes this many leading path components from every
	// entry (entries with fewer are skipped, as with tar --strip-components).
	// StripAuto (0) strips a single common top-level directory; StripNone
	// (-1) strips nothing.
	StripComponents int
	// MaxBytes limits the total size of file contents (0: DefaultMaxBytes).
	MaxBytes int64
	// MaxFiles limits the number of entries (0: DefaultMaxFiles).
	MaxFiles int
	// Epoch, when set, is the mtime of every extracted file and directory
	// (reproducible builds); otherwise the archive's mtimes are kept.
	Epoch time.Time
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	return o
}

// Extract unpacks the archive at archivePath into destDir, which must not
// exist or be empty. The format is detected from the file's magic bytes.
// Permissions (without setuid/setgid/sticky bits; directories always keep
// owner rwx) and mtimes are kept; ownership is not.
func Extract(ctx context.Context, archivePath, destDir string, opts Options) (err error) {
	opts = opts.withDefaults()
	destDir, err = filepath.Abs(destDir)
	if err != nil {
		return err
	}
	if err := checkDest(destDir); err != nil {
		return err
	}
	format, err := Detect(archivePath)
	if err != nil {
		return err
	}
	parent := filepath.Dir(destDir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, ".unpack-"+filepath.Base(destDir)+"-")
	if err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(tmp)
		}
	}()
	t, err := newTree(tmp, opts)
	if err != nil {
		return err
	}
	defer t.close()
	if err := extractFormat(ctx, format, archivePath, t); err != nil {
		return fmt.Errorf("unpack %s: %w", filepath.Base(archivePath), err)
	}
	root, err := t.finish()
	if err != nil {
		return fmt.Errorf("unpack %s: %w", filepath.Base(archivePath), err)
	}
	// rename(2) replaces an empty destDir (os.Rename refuses directories).
	if err := syscall.Rename(filepath.Join(tmp, root), destDir); err != nil {
		return fmt.Errorf("unpack: move into place: %w", err)
	}
	if root != "." {
		_ = os.RemoveAll(tmp)
	}
	// Moving a directory to another parent rewrites its ".." and so its
	// mtime: set the root's mtime again.
	if mt := t.rootMtime(root); !mt.IsZero() {
		if err := os.Chtimes(destDir, mt, mt); err != nil {
			return fmt.Errorf("unpack: %w", err)
		}
	}
	return nil
}

// checkDest refuses a destDir that exists and is not an empty directory.
func checkDest(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("unpack: %s: %w and is not a directory", dir, fs.ErrExist)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	if len(ents) > 0 {
		return fmt.Errorf("unpack: %s: %w and is not empty", dir, fs.ErrExist)
	}
	return nil
}
