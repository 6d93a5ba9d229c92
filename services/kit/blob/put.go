package blob

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/minio/minio-go/v7"
)

// unknownSizePartSize caps the buffer minio-go allocates per part when the
// size is unknown (its default would be ~500 MiB); it limits such objects to
// 10000 parts, i.e. 160 GiB.
const unknownSizePartSize = 16 << 20

// Put stores r under key, overwriting any existing object. size is the
// exact length of r, or -1 if unknown. Large objects are uploaded in parts.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (Info, error) {
	po, err := s.putObjectOptions(key, size, opts)
	if err != nil {
		return Info{}, err
	}
	return s.put(ctx, key, r, size, opts, po)
}

func (s *Store) put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions, po minio.PutObjectOptions) (Info, error) {
	ui, err := s.client.PutObject(ctx, s.bucket, key, r, size, po)
	if err != nil {
		return Info{}, wrap("put", key, err)
	}
	return Info{
		Key:          key,
		Size:         ui.Size,
		ETag:         strings.Trim(ui.ETag, `"`),
		ContentType:  po.ContentType,
		LastModified: ui.LastModified,
		SHA256:       opts.SHA256,
	}, nil
}

func (s *Store) putObjectOptions(key string, size int64, opts PutOptions) (minio.PutObjectOptions, error) {
	if err := ValidateKey(key); err != nil {
		return minio.PutObjectOptions{}, err
	}
	po := minio.PutObjectOptions{ContentType: opts.ContentType}
	if po.ContentType == "" {
		po.ContentType = "application/octet-stream"
	}
	if opts.SHA256 != "" {
		if b, err := hex.DecodeString(opts.SHA256); err != nil || len(b) != 32 {
			return minio.PutObjectOptions{}, fmt.Errorf("blob: put %q: PutOptions.SHA256 %q is not 64 hex digits", key, opts.SHA256)
		}
		po.UserMetadata = map[string]string{metaSHA256: strings.ToLower(opts.SHA256)}
	}
	if size < 0 {
		po.PartSize = unknownSizePartSize
	}
	return po, nil
}
