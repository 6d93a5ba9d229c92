package publisher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/repo-publisher/apt"
	"ringmaster.dev/repo-publisher/par"
)

// Uploader is the part of the blob store an upload needs.
type Uploader interface {
	PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error)
	Stat(ctx context.Context, key string) (blob.Info, error)
}

// UploadFile is one package file to upload: its base name and bytes.
type UploadFile struct {
	Name string
	Data []byte
}

// DefaultParallel is how many S3 requests the publisher and its uploaders
// keep in flight unless told otherwise (Publisher.Parallel, RING_REPO_PARALLEL).
const DefaultParallel = 16

// Upload stores one package file for a publish request and returns its ref.
//
// A .deb goes straight to its pool key (repos/apt/pool/…, If-None-Match: *),
// so the publish that follows reads it once to check it and copies nothing.
// If that key already holds the same bytes (sha256 metadata), the ref points
// there too. If it holds other bytes — the version is published with
// different contents — or the file is an .rpm (the publisher may sign it,
// which changes its bytes), the file goes to uploads/sha256/<sha256>/<name>
// and the publisher decides (ErrImmutable for the former).
//
// A pool object that is never published is harmless (immutable, in no index)
// and is left in place.
func Upload(ctx context.Context, store Uploader, f UploadFile) (events.PackageRef, error) {
	s := sum(f.Data)
	ref := events.PackageRef{SHA256: s, Size: int64(len(f.Data))}
	opts := blob.PutOptions{ContentType: "application/octet-stream", SHA256: s}
	if bytes.HasPrefix(f.Data, debMagic) {
		if key, ok := debPoolKey(f.Data); ok {
			_, err := store.PutIfAbsent(ctx, key, bytes.NewReader(f.Data), ref.Size, opts)
			if err == nil {
				ref.Key = key
				return ref, nil
			}
			if !errors.Is(err, blob.ErrExists) {
				return events.PackageRef{}, fmt.Errorf("upload %s: %w", f.Name, err)
			}
			if info, err := store.Stat(ctx, key); err == nil && info.SHA256 == s {
				ref.Key = key
				return ref, nil
			}
		}
	}
	ref.Key = UploadsRoot + "sha256/" + s + "/" + f.Name
	_, err := store.PutIfAbsent(ctx, ref.Key, bytes.NewReader(f.Data), ref.Size, opts)
	if err != nil && !errors.Is(err, blob.ErrExists) {
		return events.PackageRef{}, fmt.Errorf("upload %s: %w", f.Name, err)
	}
	return ref, nil
}

// UploadAll uploads files with parallel requests in flight (DefaultParallel
// if < 1) and returns their refs in order. progress, if not nil, is called
// after each file with the number done.
func UploadAll(ctx context.Context, store Uploader, files []UploadFile, parallel int, progress func(done int)) ([]events.PackageRef, error) {
	if parallel < 1 {
		parallel = DefaultParallel
	}
	refs := make([]events.PackageRef, len(files))
	idx := make([]int, len(files))
	for i := range idx {
		idx[i] = i
	}
	var done atomic.Int64
	err := par.ForEach(ctx, idx, parallel, func(ctx context.Context, i int) error {
		ref, err := Upload(ctx, store, files[i])
		if err != nil {
			return err
		}
		refs[i] = ref
		if n := done.Add(1); progress != nil {
			progress(int(n))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return refs, nil
}

// debPoolKey is the pool key of a well-formed .deb (false if it is not one:
// the publisher then reports why, from uploads/).
func debPoolKey(data []byte) (string, bool) {
	pool, err := apt.PoolPathOf(data)
	if err != nil {
		return "", false
	}
	return AptRoot + pool, true
}
