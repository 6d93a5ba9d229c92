package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"
)

// probeKey is written (empty) once per Store to learn whether the server
// enforces If-None-Match: * on PUT. It is left in place: deleting it would
// race with other processes probing at the same time.
const probeKey = ".ringmaster/conditional-put-probe"

// PutIfAbsent is Put that fails with ErrExists when key already exists.
//
// It sends If-None-Match: * on the single PUT or, for objects larger than
// one part (16 MiB) or of unknown size, on the CompleteMultipartUpload of a
// multipart upload driven here (minio-go's PutObject drops the header on
// completion). S3, MinIO and VersityGW evaluate it atomically: of several
// concurrent writers exactly one succeeds. Parts are uploaded one at a time. Whether the server enforces the
// header is probed once per Store (see probeKey). When it does not, PutIfAbsent
// falls back to Stat followed by Put, which is NOT atomic: two concurrent
// writers may both succeed, the later one overwriting the earlier.
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (Info, error) {
	po, err := s.putObjectOptions(key, size, opts)
	if err != nil {
		return Info{}, err
	}
	supported, err := s.conditionalPutSupported(ctx)
	if err != nil {
		return Info{}, err
	}
	if !supported {
		return s.statThenPut(ctx, key, r, size, opts, po)
	}
	if size >= 0 && size <= conditionalPartSize {
		po.DisableMultipart = true
		po.SetMatchETagExcept("*")
		return s.put(ctx, key, r, size, opts, po)
	}
	return s.putMultipartIfAbsent(ctx, key, r, size, opts, po)
}

// statThenPut is the non-atomic fallback for servers without conditional PUT.
func (s *Store) statThenPut(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions, po minio.PutObjectOptions) (Info, error) {
	_, err := s.Stat(ctx, key)
	switch {
	case err == nil:
		return Info{}, fmt.Errorf("blob: put-if-absent %q: %w", key, ErrExists)
	case !errors.Is(err, ErrNotFound):
		return Info{}, err
	}
	return s.put(ctx, key, r, size, opts, po)
}

// conditionalPutSupported probes the server once: a second conditional PUT
// of probeKey must be refused. A server that ignores the header (the second
// PUT succeeds) or rejects it as NotImplemented does not support it.
func (s *Store) conditionalPutSupported(ctx context.Context) (bool, error) {
	s.condMu.Lock()
	defer s.condMu.Unlock()
	if s.condChecked {
		return s.condOK, nil
	}
	put := func() error {
		po := minio.PutObjectOptions{ContentType: "application/octet-stream"}
		po.SetMatchETagExcept("*")
		_, err := s.client.PutObject(ctx, s.bucket, probeKey, bytes.NewReader(nil), 0, po)
		return err
	}
	for i := range 2 {
		err := put()
		switch {
		case err == nil && i == 1:
			s.condChecked, s.condOK = true, false // header ignored
			return false, nil
		case err == nil:
			continue
		case isNotImplemented(err):
			s.condChecked, s.condOK = true, false
			return false, nil
		case errors.Is(wrap("", "", err), ErrExists):
			if i == 1 {
				s.condChecked, s.condOK = true, true
				return true, nil
			}
		default:
			return false, wrap("probe conditional put", probeKey, err)
		}
	}
	s.condChecked, s.condOK = true, true
	return true, nil
}
