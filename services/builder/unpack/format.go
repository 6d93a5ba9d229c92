package unpack

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Format is an archive format.
type Format string

// Supported formats.
const (
	Tar      Format = "tar"
	TarGzip  Format = "tar.gz"
	TarXz    Format = "tar.xz"
	TarBzip2 Format = "tar.bz2"
	TarZstd  Format = "tar.zst"
	Zip      Format = "zip"
)

var magics = []struct {
	magic  []byte
	format Format
}{
	{[]byte{0x1f, 0x8b}, TarGzip},
	{[]byte{0xfd, '7', 'z', 'X', 'Z', 0x00}, TarXz},
	{[]byte("BZh"), TarBzip2},
	{[]byte{0x28, 0xb5, 0x2f, 0xfd}, TarZstd},
	{[]byte("PK\x03\x04"), Zip},
	{[]byte("PK\x05\x06"), Zip}, // empty zip
}

// Detect tells the format of the archive at path from its magic bytes.
// A file without a known magic is a tar if its first block is a valid
// tar header, or a zip (e.g. self-extracting) if its name ends in .zip.
func Detect(path string) (Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("unpack: %w", err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", fmt.Errorf("unpack: %w", err)
	}
	return detect(head[:n], path)
}

func detect(head []byte, name string) (Format, error) {
	for _, m := range magics {
		if bytes.HasPrefix(head, m.magic) {
			return m.format, nil
		}
	}
	if isTarHeader(head) {
		return Tar, nil
	}
	if strings.HasSuffix(strings.ToLower(name), ".zip") {
		return Zip, nil
	}
	return "", fmt.Errorf("%w: %s: unknown magic bytes % x", ErrFormat, name, head[:min(len(head), 8)])
}

// isTarHeader: ustar magic at 257, or (old v7 tars) a valid header checksum.
func isTarHeader(b []byte) bool {
	if len(b) < 512 {
		return false
	}
	if bytes.Equal(b[257:262], []byte("ustar")) {
		return true
	}
	field := strings.TrimRight(strings.TrimSpace(strings.TrimRight(string(b[148:156]), "\x00 ")), "\x00")
	var want int64
	if _, err := fmt.Sscanf(field, "%o", &want); err != nil || field == "" {
		return false
	}
	var sum int64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	return sum == want
}

// decompress wraps r in the decompressor of f (tar formats only).
func decompress(f Format, r io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(r, 1<<16)
	switch f {
	case Tar:
		return br, func() {}, nil
	case TarGzip:
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: gzip: %v", ErrFormat, err)
		}
		return z, func() { z.Close() }, nil
	case TarXz:
		z, err := xz.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: xz: %v", ErrFormat, err)
		}
		return z, func() {}, nil
	case TarBzip2:
		return bzip2.NewReader(br), func() {}, nil
	case TarZstd:
		z, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: zstd: %v", ErrFormat, err)
		}
		return z, z.Close, nil
	}
	return nil, nil, fmt.Errorf("%w: %s is not a tar format", ErrFormat, f)
}
