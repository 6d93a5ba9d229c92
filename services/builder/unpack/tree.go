package unpack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"
)

// tree writes entries below one directory through an os.Root. It never
// writes through a symlink: every parent of an entry is a directory it
// created itself.
type tree struct {
	dir   string
	root  *os.Root
	opts  Options
	dirs  map[string]*dirMeta // every directory created, by relative path
	links []link              // symlinks, re-checked by finish
	files int
	bytes int64
}

type dirMeta struct {
	mode  fs.FileMode
	mtime time.Time
}

type link struct{ rel, entry string }

func newTree(dir string, opts Options) (*tree, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("unpack: %w", err)
	}
	return &tree{dir: dir, root: root, opts: opts, dirs: map[string]*dirMeta{}}, nil
}

func (t *tree) close() { t.root.Close() }

// add writes one entry.
func (t *tree) add(ctx context.Context, e entry) error {
	t.files++
	if t.files > t.opts.MaxFiles {
		return fmt.Errorf("%w: more than %d entries", ErrTooLarge, t.opts.MaxFiles)
	}
	rel, skip, err := t.clean(e.name, e.name)
	if err != nil || skip {
		return err
	}
	switch e.kind {
	case kindDir:
		return t.mkdir(e, rel)
	case kindFile:
		return t.writeFile(ctx, e, rel)
	case kindSymlink:
		return t.symlink(e, rel)
	case kindHardlink:
		return t.hardlink(e, rel)
	}
	return unsafeEntry(e.name, "unknown kind")
}

// clean turns an archive path into a path relative to the tree, applying
// an explicit StripComponents; skip is true for entries stripped away.
func (t *tree) clean(name, entryName string) (rel string, skip bool, err error) {
	if name == "" || strings.ContainsRune(name, 0) {
		return "", false, unsafeEntry(entryName, "empty name or NUL byte")
	}
	if strings.HasPrefix(name, "/") {
		return "", false, unsafeEntry(entryName, "absolute path")
	}
	rel = path.Clean(name)
	if escapes(rel) {
		return "", false, unsafeEntry(entryName, "path escapes the destination")
	}
	if n := t.opts.StripComponents; n > 0 {
		parts := strings.Split(rel, "/")
		if len(parts) <= n {
			return "", true, nil
		}
		rel = strings.Join(parts[n:], "/")
	}
	return rel, rel == ".", nil
}

func escapes(rel string) bool { return rel == ".." || strings.HasPrefix(rel, "../") }

func (t *tree) mtime(unixNano int64) time.Time {
	if !t.opts.Epoch.IsZero() {
		return t.opts.Epoch
	}
	if unixNano == 0 {
		return time.Time{}
	}
	return time.Unix(0, unixNano)
}

// parents makes sure every parent of rel is a real directory, creating
// missing ones (archives may omit directory entries).
func (t *tree) parents(rel, entryName string) error {
	dir := path.Dir(rel)
	if dir == "." || t.dirs[dir] != nil {
		return nil
	}
	cur := ""
	for _, c := range strings.Split(dir, "/") {
		cur = path.Join(cur, c)
		if t.dirs[cur] != nil {
			continue
		}
		fi, err := t.root.Lstat(cur)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := t.root.Mkdir(cur, 0o700); err != nil {
				return err
			}
			t.dirs[cur] = &dirMeta{mode: 0o755, mtime: t.mtime(0)}
		case err != nil:
			return err
		case fi.Mode()&fs.ModeSymlink != 0:
			return unsafeEntry(entryName, "path goes through the symlink %q", cur)
		default:
			return unsafeEntry(entryName, "parent %q is not a directory", cur)
		}
	}
	return nil
}

// vacate removes an earlier entry of the same name (the last one wins, as
// with tar), unless it is a directory.
func (t *tree) vacate(rel, entryName string) error {
	fi, err := t.root.Lstat(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return unsafeEntry(entryName, "would replace the directory %q", rel)
	}
	return t.root.Remove(rel)
}

func (t *tree) mkdir(e entry, rel string) error {
	if err := t.parents(rel, e.name); err != nil {
		return err
	}
	meta := &dirMeta{mode: e.mode | 0o700, mtime: t.mtime(e.mtime)}
	if t.dirs[rel] != nil {
		t.dirs[rel] = meta
		return nil
	}
	fi, err := t.root.Lstat(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := t.root.Mkdir(rel, 0o700); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		return unsafeEntry(e.name, "directory replaces a %v", fi.Mode().Type())
	}
	t.dirs[rel] = meta
	return nil
}

func (t *tree) writeFile(ctx context.Context, e entry, rel string) error {
	if e.size > 0 && t.bytes+e.size > t.opts.MaxBytes {
		return fmt.Errorf("%w: more than %d bytes (at %q)", ErrTooLarge, t.opts.MaxBytes, e.name)
	}
	if err := t.parents(rel, e.name); err != nil {
		return err
	}
	if err := t.vacate(rel, e.name); err != nil {
		return err
	}
	f, err := t.root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, &ctxReader{ctx, io.LimitReader(e.body, t.opts.MaxBytes-t.bytes+1)})
	t.bytes += n
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %s: %v", ErrFormat, e.name, err)
	}
	if t.bytes > t.opts.MaxBytes {
		return fmt.Errorf("%w: more than %d bytes (at %q)", ErrTooLarge, t.opts.MaxBytes, e.name)
	}
	if err := t.root.Chmod(rel, e.mode); err != nil {
		return err
	}
	if mt := t.mtime(e.mtime); !mt.IsZero() {
		return t.root.Chtimes(rel, mt, mt)
	}
	return nil
}

func (t *tree) symlink(e entry, rel string) error {
	switch {
	case e.link == "" || strings.ContainsRune(e.link, 0):
		return unsafeEntry(e.name, "empty symlink target")
	case strings.HasPrefix(e.link, "/"):
		return unsafeEntry(e.name, "absolute symlink target %q", e.link)
	case escapes(path.Join(path.Dir(rel), e.link)):
		return unsafeEntry(e.name, "symlink target %q is outside the tree", e.link)
	}
	if err := t.parents(rel, e.name); err != nil {
		return err
	}
	if err := t.vacate(rel, e.name); err != nil {
		return err
	}
	if err := t.root.Symlink(e.link, rel); err != nil {
		return err
	}
	t.links = append(t.links, link{rel, e.name})
	return nil
}

func (t *tree) hardlink(e entry, rel string) error {
	target, skip, err := t.clean(e.link, e.name)
	if err != nil {
		return err
	}
	if skip {
		return unsafeEntry(e.name, "hardlink target %q is outside the tree", e.link)
	}
	if dir := path.Dir(target); dir != "." && t.dirs[dir] == nil {
		return unsafeEntry(e.name, "hardlink target %q is not a file of the archive", e.link)
	}
	fi, err := t.root.Lstat(target)
	if err != nil || !fi.Mode().IsRegular() {
		return unsafeEntry(e.name, "hardlink target %q is not a file of the archive", e.link)
	}
	if target == rel {
		return unsafeEntry(e.name, "hardlink to itself")
	}
	if err := t.parents(rel, e.name); err != nil {
		return err
	}
	if err := t.vacate(rel, e.name); err != nil {
		return err
	}
	return t.root.Link(target, rel)
}

// finish picks the root of the result (the single top-level directory
// with StripAuto), checks that every symlink resolves inside it, and sets
// the directories' modes and mtimes. It returns the root relative to dir.
func (t *tree) finish() (string, error) {
	root := "."
	if t.opts.StripComponents == StripAuto {
		ents, err := os.ReadDir(t.dir)
		if err != nil {
			return "", err
		}
		if len(ents) == 1 && ents[0].IsDir() {
			root = ents[0].Name()
		}
	}
	for _, l := range t.links {
		if err := confined(t.dir, root, l.rel); err != nil {
			return "", unsafeEntry(l.entry, "%v", err)
		}
	}
	for rel, m := range t.dirs {
		if err := t.root.Chmod(rel, m.mode); err != nil {
			return "", err
		}
		if !m.mtime.IsZero() {
			if err := t.root.Chtimes(rel, m.mtime, m.mtime); err != nil {
				return "", err
			}
		}
	}
	if root == "." {
		return root, os.Chmod(t.dir, 0o755)
	}
	return root, nil
}

// rootMtime is the mtime the result's root directory should have.
func (t *tree) rootMtime(root string) time.Time {
	if m := t.dirs[root]; m != nil {
		return m.mtime
	}
	return t.opts.Epoch
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
