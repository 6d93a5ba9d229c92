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
	ref, _, err := uploadOne(ctx, store, f, false)
	return ref, err
}

// uploadOne is Upload; with inspect, a .deb is inspected whole (apt.Inspect:
// control fields, size, digests) and, when it lands at (or already is) its
// pool key, its index metadata is returned too.
func uploadOne(ctx context.Context, store Uploader, f UploadFile, inspect bool) (events.PackageRef, *apt.Package, error) {
	var (
		key string
		pkg *apt.Package
		ok  bool
	)
	if bytes.HasPrefix(f.Data, debMagic) {
		key, pkg, ok = debPoolKey(f.Data, inspect)
	}
	var s string
	if pkg != nil {
		s = pkg.SHA256 // apt.Inspect hashed it already
	} else {
		s = sum(f.Data)
	}
	ref := events.PackageRef{SHA256: s, Size: int64(len(f.Data))}
	opts := blob.PutOptions{ContentType: "application/octet-stream", SHA256: s}
	if ok {
		_, err := store.PutIfAbsent(ctx, key, bytes.NewReader(f.Data), ref.Size, opts)
		if err == nil {
			ref.Key = key
			return ref, pkg, nil
		}
		if !errors.Is(err, blob.ErrExists) {
			return events.PackageRef{}, nil, fmt.Errorf("upload %s: %w", f.Name, err)
		}
		if info, err := store.Stat(ctx, key); err == nil && info.SHA256 == s {
			ref.Key = key
			return ref, pkg, nil
		}
	}
	ref.Key = UploadsRoot + "sha256/" + s + "/" + f.Name
	_, err := store.PutIfAbsent(ctx, ref.Key, bytes.NewReader(f.Data), ref.Size, opts)
	if err != nil && !errors.Is(err, blob.ErrExists) {
		return events.PackageRef{}, nil, fmt.Errorf("upload %s: %w", f.Name, err)
	}
	return ref, nil, nil
}

// UploadAll uploads files with parallel requests in flight (DefaultParallel
// if < 1) and returns their refs in order. progress, if not nil, is called
// after each file with the number done. The publish reads every package
// back; UploadBatch spares it that.
func UploadAll(ctx context.Context, store Uploader, files []UploadFile, parallel int, progress func(done int)) ([]events.PackageRef, error) {
	refs, _, err := uploadAll(ctx, store, files, parallel, progress, false)
	return refs, err
}

// Batch is what UploadBatch uploaded: the refs in order, and the claim check
// to put in the request (RepoPublishRequested.Inspected; empty if none).
type Batch struct {
	Refs      []events.PackageRef
	Inspected string
}

// InspectedMin is the fewest .debs at their pool keys for which UploadBatch
// writes a claim check: below it the publisher reads them back (as many
// requests as the claim check and its verification would cost).
const InspectedMin = 32

// UploadBatch is UploadAll that also inspects every .deb whole (apt.Inspect,
// as the publisher would) and, when at least InspectedMin of them landed at
// their pool keys, writes their index metadata as one content-addressed
// object (a claim check under InspectedRoot) for the request to name: the
// publisher then confirms each one's size and MD5 with the S3 server
// (listing, not reading) instead of reading every package back. Put
// Batch.Inspected into RepoPublishRequested.Inspected.
func UploadBatch(ctx context.Context, store Uploader, files []UploadFile, parallel int, progress func(done int)) (Batch, error) {
	refs, pkgs, err := uploadAll(ctx, store, files, parallel, progress, true)
	if err != nil {
		return Batch{}, err
	}
	b := Batch{Refs: refs}
	var debs []apt.Package
	seen := map[string]bool{}
	for _, p := range pkgs {
		if p != nil && !seen[p.Filename] {
			seen[p.Filename] = true
			debs = append(debs, *p)
		}
	}
	if len(debs) < InspectedMin {
		return b, nil
	}
	data, key, err := encodeInspected(debs)
	if err != nil {
		return Batch{}, err
	}
	_, err = store.PutIfAbsent(ctx, key, bytes.NewReader(data), int64(len(data)), blob.PutOptions{ContentType: "application/gzip", SHA256: sum(data)})
	if err != nil && !errors.Is(err, blob.ErrExists) {
		return Batch{}, fmt.Errorf("upload the packages' index metadata: %w", err)
	}
	b.Inspected = key
	return b, nil
}

func uploadAll(ctx context.Context, store Uploader, files []UploadFile, parallel int, progress func(done int), inspect bool) ([]events.PackageRef, []*apt.Package, error) {
	if parallel < 1 {
		parallel = DefaultParallel
	}
	refs := make([]events.PackageRef, len(files))
	pkgs := make([]*apt.Package, len(files))
	idx := make([]int, len(files))
	for i := range idx {
		idx[i] = i
	}
	var done atomic.Int64
	err := par.ForEach(ctx, idx, parallel, func(ctx context.Context, i int) error {
		ref, pkg, err := uploadOne(ctx, store, files[i], inspect)
		if err != nil {
			return err
		}
		refs[i], pkgs[i] = ref, pkg
		if n := done.Add(1); progress != nil {
			progress(int(n))
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return refs, pkgs, nil
}

// debPoolKey is the pool key of a well-formed .deb (false if it is not one:
// the publisher then reports why, from uploads/); with inspect, the whole
// .deb is inspected and its index metadata returned as well.
func debPoolKey(data []byte, inspect bool) (string, *apt.Package, bool) {
	if inspect {
		pkg, err := apt.Inspect(data)
		if err != nil {
			return "", nil, false
		}
		return AptRoot + pkg.Filename, &pkg, true
	}
	pool, err := apt.PoolPathOf(data)
	if err != nil {
		return "", nil, false
	}
	return AptRoot + pool, nil, true
}
