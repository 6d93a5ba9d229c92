package mirror

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strings"

	"ringmaster.dev/kit/blob"
)

// Dest is where a mirror is written: a local directory or an S3 prefix.
// Keys are slash paths relative to the mirror root.
type Dest interface {
	// Has reports whether key holds exactly the bytes with this sha256 and size.
	Has(ctx context.Context, key, sum string, size int64) (bool, error)
	// Open reads key (an index already verified by Has).
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Commit makes the verified local file src visible at key; with move
	// the file may be consumed.
	Commit(ctx context.Context, key, src, sum string, size int64, move bool) error
	// List returns the keys directly under dir (not recursive).
	List(ctx context.Context, dir string) ([]string, error)
	// Delete removes key; a key that is not there is no error.
	Delete(ctx context.Context, key string) error
	// WorkDir is a local directory for partial downloads; it survives a
	// killed run, so the next one resumes.
	WorkDir() string
	String() string
}

// OpenDest opens a local directory or s3://bucket/prefix. For S3, cfg gives
// the endpoint and credentials (blob.ConfigFromEnv); the bucket comes from
// the URL.
func OpenDest(ctx context.Context, spec string, cfg blob.Config) (Dest, error) {
	if rest, ok := strings.CutPrefix(spec, "s3://"); ok {
		bucket, prefix, _ := strings.Cut(rest, "/")
		if bucket == "" {
			return nil, fmt.Errorf("destination %q: want s3://bucket/prefix", spec)
		}
		prefix = strings.Trim(prefix, "/")
		if prefix != "" {
			prefix += "/"
		}
		cfg.Bucket = bucket
		store, err := blob.Open(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return NewS3Dest(store, prefix, spec)
	}
	if strings.Contains(spec, "://") {
		return nil, fmt.Errorf("destination %q: want a local directory or s3://bucket/prefix", spec)
	}
	return NewLocalDest(spec)
}

// partialDirName is the directory under a local mirror that holds partial
// downloads; readers of the mirror ignore it.
const partialDirName = ".partial"

type localDest struct{ root, work string }

// NewLocalDest writes the mirror under dir (created if missing).
func NewLocalDest(dir string) (Dest, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, err
	}
	return &localDest{root: abs, work: filepath.Join(abs, partialDirName)}, nil
}

func (d *localDest) String() string  { return d.root }
func (d *localDest) WorkDir() string { return d.work }

func (d *localDest) path(key string) (string, error) {
	if err := checkInside(key); err != nil {
		return "", err
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

func (d *localDest) Has(_ context.Context, key, sum string, size int64) (bool, error) {
	p, err := d.path(key)
	if err != nil {
		return false, err
	}
	st, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !st.Mode().IsRegular() || (size >= 0 && st.Size() != size) {
		return false, nil
	}
	got, _, err := fileSHA256(p)
	if err != nil {
		return false, err
	}
	return got == sum, nil
}

func (d *localDest) Open(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// Commit renames into place (atomic on one file system): a reader sees the
// old file or the new one, never a part.
func (d *localDest) Commit(_ context.Context, key, src, _ string, _ int64, move bool) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if !move {
		tmp, err := os.CreateTemp(d.work, "tmp-")
		if err != nil {
			return err
		}
		in, err := os.Open(src)
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return err
		}
		_, err = io.Copy(tmp, in)
		in.Close()
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(tmp.Name())
			return err
		}
		src = tmp.Name()
	}
	if err := os.Chmod(src, 0o644); err != nil {
		return err
	}
	if err := os.Rename(src, p); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

func (d *localDest) List(_ context.Context, dir string) ([]string, error) {
	p, err := d.path(dir)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	var keys []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			keys = append(keys, path.Join(dir, e.Name()))
		}
	}
	return keys, err
}

func (d *localDest) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	// Directories the deletion emptied go too, up to the mirror's root.
	for dir := filepath.Dir(p); dir != d.root && strings.HasPrefix(dir, d.root+string(filepath.Separator)); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

type s3Dest struct {
	store  *blob.Store
	prefix string
	name   string
	work   string
}

// NewS3Dest writes the mirror under prefix ("" or ending in /) of store.
// Partial downloads go to the user cache directory, one per destination.
func NewS3Dest(store *blob.Store, prefix, name string) (Dest, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	h := sha256.Sum256([]byte(store.Bucket() + "\x00" + prefix))
	work := filepath.Join(cache, "ring", "mirror", hex.EncodeToString(h[:8]))
	return &s3Dest{store: store, prefix: prefix, name: name, work: work}, nil
}

func (d *s3Dest) String() string  { return d.name }
func (d *s3Dest) WorkDir() string { return d.work }

func (d *s3Dest) key(key string) (string, error) {
	if err := checkInside(key); err != nil {
		return "", err
	}
	return d.prefix + key, nil
}

// Has trusts the sha256 metadata Commit records (objects without it are
// fetched again).
func (d *s3Dest) Has(ctx context.Context, key, sum string, size int64) (bool, error) {
	k, err := d.key(key)
	if err != nil {
		return false, err
	}
	info, err := d.store.Stat(ctx, k)
	if errors.Is(err, blob.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return info.SHA256 == sum && (size < 0 || info.Size == size), nil
}

func (d *s3Dest) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	k, err := d.key(key)
	if err != nil {
		return nil, err
	}
	rc, _, err := d.store.Get(ctx, k)
	return rc, err
}

// Commit puts the verified file; an S3 PUT is atomic per object.
func (d *s3Dest) Commit(ctx context.Context, key, src, sum string, size int64, move bool) error {
	k, err := d.key(key)
	if err != nil {
		return err
	}
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	if size < 0 {
		st, err := f.Stat()
		if err != nil {
			return err
		}
		size = st.Size()
	}
	if _, err := d.store.Put(ctx, k, f, size, blob.PutOptions{ContentType: contentType(key), SHA256: sum}); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if move {
		_ = os.Remove(src)
	}
	return nil
}

func (d *s3Dest) List(ctx context.Context, dir string) ([]string, error) {
	k, err := d.key(dir)
	if err != nil {
		return nil, err
	}
	var keys []string
	for info, err := range d.store.List(ctx, k+"/") {
		if err != nil {
			return nil, err
		}
		rel := strings.TrimPrefix(info.Key, d.prefix)
		if !strings.Contains(strings.TrimPrefix(rel, dir+"/"), "/") {
			keys = append(keys, rel)
		}
	}
	return keys, nil
}

func (d *s3Dest) Delete(ctx context.Context, key string) error {
	k, err := d.key(key)
	if err != nil {
		return err
	}
	if err := d.store.Delete(ctx, k); err != nil && !errors.Is(err, blob.ErrNotFound) {
		return err
	}
	return nil
}

func contentType(key string) string {
	switch base := path.Base(key); {
	case strings.HasSuffix(base, ".deb"):
		return "application/vnd.debian.binary-package"
	case strings.HasSuffix(base, ".rpm"):
		return "application/x-rpm"
	case base == "InRelease" || base == "Release" || base == "Packages":
		return "text/plain; charset=utf-8"
	case base == "Release.gpg" || strings.HasSuffix(base, ".asc"):
		return "application/pgp-signature"
	}
	if t := mime.TypeByExtension(path.Ext(key)); t != "" {
		return t
	}
	return "application/octet-stream"
}
