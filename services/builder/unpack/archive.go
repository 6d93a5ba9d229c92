package unpack

import (
	"archive/tar"
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// entry is one archive member, whatever the format.
type entry struct {
	name  string // as in the archive
	kind  kind
	mode  fs.FileMode // permission bits
	mtime int64       // unix nanoseconds; 0: unknown
	link  string      // symlink target, or hardlink target (an archive path)
	size  int64
	body  io.Reader // regular files
}

// Zip "version made by" hosts whose external attributes hold unix modes.
const (
	zipUnix   = 3
	zipMacOSX = 19
)

type kind int

const (
	kindFile kind = iota
	kindDir
	kindSymlink
	kindHardlink
)

func extractFormat(ctx context.Context, f Format, path string, t *tree) error {
	if f == Zip {
		return extractZip(ctx, path, t)
	}
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	r, closeFn, err := decompress(f, file)
	if err != nil {
		return err
	}
	defer closeFn()
	return extractTar(ctx, r, t)
}

func extractTar(ctx context.Context, r io.Reader, t *tree) error {
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: tar: %v", ErrFormat, err)
		}
		e := entry{name: h.Name, mode: fs.FileMode(h.Mode) & fs.ModePerm, link: h.Linkname, size: h.Size}
		if !h.ModTime.IsZero() {
			e.mtime = h.ModTime.UnixNano()
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse:
			e.kind, e.body = kindFile, tr
		case tar.TypeDir:
			e.kind = kindDir
		case tar.TypeSymlink:
			e.kind = kindSymlink
		case tar.TypeLink:
			e.kind = kindHardlink
		case tar.TypeXGlobalHeader: // e.g. git archive's commit id
			continue
		case tar.TypeChar, tar.TypeBlock:
			return unsafeEntry(h.Name, "device node")
		case tar.TypeFifo:
			return unsafeEntry(h.Name, "fifo")
		default:
			return unsafeEntry(h.Name, "unsupported entry type %q", h.Typeflag)
		}
		if err := t.add(ctx, e); err != nil {
			return err
		}
	}
}

func extractZip(ctx context.Context, path string, t *tree) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("%w: zip: %v", ErrFormat, err)
	}
	defer zr.Close()
	if len(zr.File) > t.opts.MaxFiles {
		return fmt.Errorf("%w: %d entries (limit %d)", ErrTooLarge, len(zr.File), t.opts.MaxFiles)
	}
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := addZipFile(ctx, t, f); err != nil {
			return err
		}
	}
	return nil
}

func addZipFile(ctx context.Context, t *tree, f *zip.File) error {
	m := f.Mode()
	e := entry{name: f.Name, mode: m & fs.ModePerm, size: int64(f.UncompressedSize64)}
	if host := f.CreatorVersion >> 8; host != zipUnix && host != zipMacOSX {
		// DOS-style attributes give 0777/0666: use ordinary defaults.
		e.mode = 0o644
		if m.IsDir() {
			e.mode = 0o755
		}
	}
	if !f.Modified.IsZero() {
		e.mtime = f.Modified.UnixNano()
	}
	switch {
	case m.IsDir():
		e.kind = kindDir
	case m&fs.ModeSymlink != 0:
		e.kind = kindSymlink
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%w: zip %s: %v", ErrFormat, f.Name, err)
		}
		target, err := io.ReadAll(io.LimitReader(rc, 4096))
		rc.Close()
		if err != nil {
			return fmt.Errorf("%w: zip %s: %v", ErrFormat, f.Name, err)
		}
		e.link = string(target)
	case m.IsRegular():
		e.kind = kindFile
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%w: zip %s: %v", ErrFormat, f.Name, err)
		}
		defer rc.Close()
		e.body = rc
	case m&fs.ModeDevice != 0:
		return unsafeEntry(f.Name, "device node")
	case m&fs.ModeNamedPipe != 0:
		return unsafeEntry(f.Name, "fifo")
	default:
		return unsafeEntry(f.Name, "unsupported file mode %v", m)
	}
	return t.add(ctx, e)
}
