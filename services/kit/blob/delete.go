package blob

import (
	"context"

	"github.com/minio/minio-go/v7"
)

// Delete removes key. As in S3, deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	return wrap("delete", key, err)
}
