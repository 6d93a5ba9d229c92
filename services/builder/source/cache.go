// Package source fetches upstream source archives outside any build
// container: over HTTP, retried, verified against their sha256 and kept in a
// content-addressed cache in the blob store.
package source

import (
	"context"
	"io"

	"ringmaster.dev/kit/blob"
)

// Blobs is the part of the blob store the cache needs.
type Blobs interface {
	Stat(ctx context.Context, key string) (blob.Info, error)
	PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error)
}

// Key is the cache key of an archive with this sha256.
func Key(sha256 string) string { return "sources/sha256/" + sha256 }
