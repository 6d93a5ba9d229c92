package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

const (
	// conditionalPartSize is the part size of conditional multipart uploads;
	// objects up to this size go in one conditional PUT.
	conditionalPartSize = 16 << 20
	maxParts            = 10000
)

// putMultipartIfAbsent uploads r in parts and completes the upload with
// If-None-Match: *, so the object appears only if key was still absent.
// A stream that turns out to fit in one part is sent as one conditional PUT.
func (s *Store) putMultipartIfAbsent(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions, po minio.PutObjectOptions) (Info, error) {
	partSize := int64(conditionalPartSize)
	if size > partSize*maxParts {
		partSize = (size + maxParts - 1) / maxParts
	}
	buf := make([]byte, partSize)
	n, rerr := io.ReadFull(r, buf)
	if rerr != nil && !errors.Is(rerr, io.EOF) && !errors.Is(rerr, io.ErrUnexpectedEOF) {
		return Info{}, fmt.Errorf("blob: put-if-absent %q: read: %w", key, rerr)
	}
	if rerr != nil { // whole stream fits in one part
		if size >= 0 && int64(n) != size {
			return Info{}, fmt.Errorf("blob: put-if-absent %q: read %d bytes, size says %d: %w", key, n, size, io.ErrUnexpectedEOF)
		}
		po.DisableMultipart = true
		po.PartSize = 0
		po.SetMatchETagExcept("*")
		return s.put(ctx, key, bytes.NewReader(buf[:n]), int64(n), opts, po)
	}

	core := minio.Core{Client: s.client}
	po.PartSize = 0
	uploadID, err := core.NewMultipartUpload(ctx, s.bucket, key, po)
	if err != nil {
		return Info{}, wrap("put-if-absent", key, err)
	}
	abort := func(cause error) error {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = core.AbortMultipartUpload(actx, s.bucket, key, uploadID) // best effort; cause matters
		return cause
	}

	var parts []minio.CompletePart
	var total int64
	for num := 1; ; num++ {
		part, err := core.PutObjectPart(ctx, s.bucket, key, uploadID, num, bytes.NewReader(buf[:n]), int64(n), minio.PutObjectPartOptions{})
		if err != nil {
			return Info{}, abort(wrap("put-if-absent", key, err))
		}
		parts = append(parts, minio.CompletePart{PartNumber: num, ETag: part.ETag})
		total += int64(n)
		if rerr != nil {
			break
		}
		n, rerr = io.ReadFull(r, buf)
		if rerr != nil && !errors.Is(rerr, io.EOF) && !errors.Is(rerr, io.ErrUnexpectedEOF) {
			return Info{}, abort(fmt.Errorf("blob: put-if-absent %q: read: %w", key, rerr))
		}
		if n == 0 {
			break
		}
		if num == maxParts {
			return Info{}, abort(fmt.Errorf("blob: put-if-absent %q: more than %d parts of %d bytes", key, maxParts, partSize))
		}
	}
	if size >= 0 && total != size {
		return Info{}, abort(fmt.Errorf("blob: put-if-absent %q: read %d bytes, size says %d: %w", key, total, size, io.ErrUnexpectedEOF))
	}

	var complete minio.PutObjectOptions
	complete.SetMatchETagExcept("*")
	ui, err := core.CompleteMultipartUpload(ctx, s.bucket, key, uploadID, parts, complete)
	if err != nil {
		return Info{}, abort(wrap("put-if-absent", key, err))
	}
	return Info{
		Key:          key,
		Size:         total,
		ETag:         strings.Trim(ui.ETag, `"`),
		ContentType:  po.ContentType,
		LastModified: ui.LastModified,
		SHA256:       opts.SHA256,
	}, nil
}
