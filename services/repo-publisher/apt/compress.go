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
