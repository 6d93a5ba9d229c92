package blob

import (
	"context"
	"iter"

	"github.com/minio/minio-go/v7"
)

// List yields every object whose key starts with prefix, recursively, in
// key order. ContentType and SHA256 are not filled in (use Stat). After an
// error the sequence ends. Breaking out of the loop stops the listing.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		if err := ValidatePrefix(prefix); err != nil {
			yield(Info{}, err)
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		objects := s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true})
		for oi := range objects {
			if oi.Err != nil {
				yield(Info{}, wrap("list", prefix, oi.Err))
				return
			}
			if !yield(infoFrom(oi), nil) {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(Info{}, wrap("list", prefix, err))
		}
	}
}
