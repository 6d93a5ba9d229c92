package yum

import (
	"bytes"

	"github.com/klauspost/compress/gzip"
)

// gzipBytes compresses with klauspost's gzip at the default level. The
// header carries no name and no mtime, so equal input gives equal output.
func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b)/6 + 64)
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
