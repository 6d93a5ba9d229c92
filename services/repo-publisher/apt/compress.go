package apt

import (
	"bytes"
	"fmt"

	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

func gzipBytes(data []byte) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(data)/5 + 64)
	w, err := gzip.NewWriterLevel(&b, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return b.Bytes(), nil
}

// xzConfig: the HashTable4 matcher with a 1 MiB dictionary compresses a
// 12 MB Packages file (20k packages) in about 0.6 s on this machine; the
// binary-tree matcher of ulikunitz/xz took minutes and compressed worse.
var xzConfig = xz.WriterConfig{DictCap: 1 << 20, Matcher: lzma.HashTable4}

func xzBytes(data []byte) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(data)/6 + 64)
	cfg := xzConfig
	w, err := cfg.NewWriter(&b)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("xz: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("xz: %w", err)
	}
	return b.Bytes(), nil
}
