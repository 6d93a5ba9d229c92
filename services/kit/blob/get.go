package blob

import (
	"context"
	"io"

	"github.com/minio/minio-go/v7"
)

// Get opens key for reading with one GET request (minio-go's GetObject
// followed by Stat sends a HEAD first, then the GET on the first read). The
// caller must Close the reader.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Info{}, err
	}
	rc, oi, _, err := minio.Core{Client: s.client}.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, wrap("get", key, err)
	}
	return rc, infoFrom(oi), nil
}

// Stat describes key without reading it.
func (s *Store) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, wrap("stat", key, err)
	}
	return infoFrom(oi), nil
}
