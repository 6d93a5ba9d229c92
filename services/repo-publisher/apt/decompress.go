package apt

import (
	"archive/tar"
	"compress/bzip2"
	"fmt"
	"io"
	"path"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
	"pault.ag/go/debian/deb"
)

// openTar opens an ar member <name>.tar[.gz|.xz|.zst|.bz2|.lzma] as a tar
// stream. It decompresses itself rather than with deb.ArEntry.Tarfile, whose
// zstd reader is never closed and leaks its decoder goroutines.
func openTar(e *deb.ArEntry) (*tar.Reader, func(), error) {
	var r io.Reader = e.Data
	done := func() {}
	switch ext := path.Ext(e.Name); ext {
	case ".tar":
	case ".gz":
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		r, done = z, func() { z.Close() }
	case ".xz":
		z, err := xz.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		r = z
	case ".zst":
		z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return nil, nil, err
		}
		r, done = z, z.Close
	case ".bz2":
		r = bzip2.NewReader(r)
	case ".lzma":
		z, err := lzma.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		r = z
	default:
		return nil, nil, fmt.Errorf("unknown compression %q", ext)
	}
	return tar.NewReader(r), done, nil
}
