package blob

import (
	"context"
	"fmt"
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

// ListPage is one ListObjectsV2 request: up to max (1–1000) objects whose
// key starts with prefix and sorts after startAfter ("" for the first), in
// key order, and whether more follow. ContentType and SHA256 are not filled
// in. Pages of one prefix can be asked for side by side, from keys the
// caller already knows; List asks for them one after the other.
func (s *Store) ListPage(ctx context.Context, prefix, startAfter string, max int) (page []Info, more bool, err error) {
	if err := ValidatePrefix(prefix); err != nil {
		return nil, false, err
	}
	if max < 1 || max > 1000 {
		return nil, false, fmt.Errorf("blob: list page of %q: max %d, want 1–1000", prefix, max)
	}
	if err := ctx.Err(); err != nil { // minio-go's Core listing takes no context
		return nil, false, wrap("list", prefix, err)
	}
	res, err := minio.Core{Client: s.client}.ListObjectsV2(s.bucket, prefix, startAfter, "", "", max)
	if err != nil {
		return nil, false, wrap("list", prefix, err)
	}
	page = make([]Info, 0, len(res.Contents))
	for _, oi := range res.Contents {
		page = append(page, infoFrom(oi))
	}
	return page, res.IsTruncated, nil
}
