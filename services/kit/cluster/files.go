package cluster

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"time"

	errdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
)

// File is a file to put into a node.
type File struct {
	Path     string // absolute
	Data     []byte
	Mode     fs.FileMode
	UID, GID int
}

// WriteFiles puts files into a node: each is copied in under a temporary
// name beside its path and then renamed over it, so a reader (a running
// KDC rereading krb5.conf, a service starting) never sees a half-written
// file — and an existing longer file is replaced, never overwritten in
// place (the engine's archive extraction does not always truncate).
// Missing parent directories are created (root's, 0755, as the engine's
// extraction makes them); mode and ownership (UID, GID) are as given.
// One copy and one exec whatever the number of files.
func (p *Provider) WriteFiles(ctx context.Context, n Node, files ...File) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	suffix := fmt.Sprintf(".ring-%d", time.Now().UnixNano())
	var args []string
	for _, f := range files {
		if !path.IsAbs(f.Path) {
			return fmt.Errorf("%w: file path %q is not absolute", ErrInvalid, f.Path)
		}
		tmp := tempName(f.Path, suffix)
		hdr := &tar.Header{Name: tmp[1:], Mode: int64(f.Mode.Perm()), Size: int64(len(f.Data)),
			Uid: f.UID, Gid: f.GID, ModTime: time.Now(), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return err
		}
		args = append(args, tmp, f.Path, fmt.Sprintf("%d:%d", f.UID, f.GID))
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := p.c.CopyToContainer(ctx, n.ID, "/", &buf, container.CopyToContainerOptions{}); err != nil {
		return fmt.Errorf("%s: copy files in: %w", n.Name, err)
	}
	if _, err := p.Run(ctx, n, append([]string{"sh", "-c", moveScript(files), "sh"}, args...)...); err != nil {
		return fmt.Errorf("%s: put files in place: %w", n.Name, err)
	}
	return nil
}

// tempName is the temporary name of a file being written: hidden, beside it.
func tempName(p, suffix string) string {
	return path.Join(path.Dir(p), "."+path.Base(p)+suffix)
}

// moveScript gives argument 3i+1 the owner in argument 3i+3 and renames
// it to argument 3i+2, for every file in order. (The engine's extraction
// makes copied files root's whatever their tar header says.)
func moveScript(files []File) string {
	script := "set -e"
	for i := range files {
		tmp, dst, owner := 3*i+1, 3*i+2, 3*i+3
		script += fmt.Sprintf("; chown \"${%d}\" \"${%d}\"; mv -f \"${%d}\" \"${%d}\"", owner, tmp, tmp, dst)
	}
	return script
}

// ReadFile reads one regular file from a node; a missing file is
// ErrNotFound.
func (p *Provider) ReadFile(ctx context.Context, n Node, file string) ([]byte, error) {
	rc, _, err := p.c.CopyFromContainer(ctx, n.ID, file)
	if errdefs.IsNotFound(err) {
		return nil, fmt.Errorf("%s:%s: %w", n.Name, file, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s:%s: %w", n.Name, file, err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	hdr, err := tr.Next()
	if err != nil {
		return nil, fmt.Errorf("%s:%s: %w", n.Name, file, err)
	}
	if hdr.Typeflag != tar.TypeReg {
		return nil, fmt.Errorf("%s:%s: not a regular file: %w", n.Name, file, ErrInvalid)
	}
	b, err := io.ReadAll(io.LimitReader(tr, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s:%s: %w", n.Name, file, err)
	}
	return b, nil
}

// IsNotFound reports a missing cluster, node, file or snapshot.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
