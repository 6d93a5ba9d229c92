package publisher

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/repo-publisher/apt"
	"ringmaster.dev/repo-publisher/par"
)

// listMin is the fewest claimed packages under one pool directory
// (pool/main/<prefix>/) for which the publisher lists that directory (1,000
// keys a request) rather than sending a HEAD per package.
const listMin = 64

// md5ETagRE is an ETag that is the MD5 of the object's bytes: S3, MinIO,
// VersityGW and SeaweedFS compute it so for single-part PUTs. A multipart
// upload's ETag ends in "-<parts>" and is not an MD5 of the bytes.
var md5ETagRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// claimed takes the request's claim check (see UploadBatch) and returns, by
// ref index, the packages it vouches for: each is a ref to an APT pool key
// whose sha256 and size match the claim, and whose stored object the S3
// server reports with the claimed size and an ETag equal to the claimed MD5.
// Refs it does not cover (no claim check, other keys, a multipart object
// whose ETag is not an MD5) are left to the read path (prepare). A claim
// that disagrees with the request or with the stored object is an error,
// before anything is written. A claim check that is gone (collected by gc)
// is not an error: every package is then read.
func (p *Publisher) claimed(ctx context.Context, req *events.RepoPublishRequested) (map[int]incoming, error) {
	if req.Inspected == "" {
		return nil, nil
	}
	if !inspectedKeyRE.MatchString(req.Inspected) {
		return nil, fmt.Errorf("%w: inspected %q: want %s<sha256>.json.gz (as publisher.UploadBatch writes)", ErrBadRequest, req.Inspected, InspectedRoot)
	}
	rc, info, err := p.Store.Get(ctx, req.Inspected)
	if errors.Is(err, blob.ErrNotFound) {
		p.Log.Info().Str("inspected", req.Inspected).Msg("claim check is gone; reading every package")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	data, err := readAll(rc, info.Size)
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", req.Inspected, err)
	}
	debs, err := decodeInspected(req.Inspected, data)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]apt.Package, len(debs))
	for _, d := range debs {
		byKey[AptRoot+d.Filename] = d
	}
	want := map[int]apt.Package{}
	for i, ref := range req.Packages {
		c, ok := byKey[ref.Key]
		if !ok {
			continue
		}
		if err := matchRef(ref, c); err != nil {
			return nil, err
		}
		want[i] = c
	}
	if len(want) == 0 {
		return nil, nil
	}
	stored, err := p.storedInfo(ctx, want)
	if err != nil {
		return nil, err
	}
	out := make(map[int]incoming, len(want))
	for i, c := range want {
		key := AptRoot + c.Filename
		info, ok := stored[key]
		read, err := verifyStored(key, c, info, ok)
		if err != nil {
			return nil, err
		}
		if !read {
			out[i] = incoming{format: Deb, deb: c}
		}
	}
	return out, nil
}

// matchRef checks a claim against the request's ref to the same key.
func matchRef(ref events.PackageRef, c apt.Package) error {
	if ref.SHA256 != "" && ref.SHA256 != c.SHA256 {
		return fmt.Errorf("%w: %s: the request says sha256 %s, its claim check %s", ErrBadRequest, ref.Key, ref.SHA256, c.SHA256)
	}
	if ref.Size > 0 && ref.Size != c.Size {
		return fmt.Errorf("%w: %s: the request says %d bytes, its claim check %d", ErrBadRequest, ref.Key, ref.Size, c.Size)
	}
	return nil
}

// verifyStored compares what the S3 server reports for a pool object with
// its claim. read is true when the ETag is not an MD5 (a multipart upload):
// the package is then read and checked as without a claim check.
func verifyStored(key string, c apt.Package, info blob.Info, found bool) (read bool, err error) {
	name := path.Base(key)
	switch {
	case !found:
		return false, fmt.Errorf("%w: %s is not in the blob store, though its claim check names it (upload it again, e.g. with `ring repo publish FILE`)", ErrBadRequest, key)
	case info.Size != c.Size:
		return false, fmt.Errorf("%w: %s: the stored object has %d bytes, its claim check says %d — nothing was published", ErrBadPackage, name, info.Size, c.Size)
	case info.SHA256 != "" && info.SHA256 != c.SHA256:
		return false, fmt.Errorf("%w: %s: the stored object has sha256 %s, its claim check says %s — nothing was published", ErrBadPackage, name, info.SHA256, c.SHA256)
	}
	etag := strings.ToLower(info.ETag)
	if !md5ETagRE.MatchString(etag) {
		return true, nil
	}
	if etag != c.MD5 {
		return false, fmt.Errorf("%w: %s: the S3 server reports MD5 %s, its claim check says %s — nothing was published", ErrBadPackage, name, etag, c.MD5)
	}
	return false, nil
}

// storedInfo asks the S3 server about the claimed pool objects without
// reading them: a listing of each pool directory (pool/main/<prefix>/) that
// holds at least listMin of them (1,000 keys a request, one page after the
// other: VersityGW walks its directory tree from the start for a
// start-after, so listing ranges side by side cost more, and listing
// sub-prefixes side by side no less, on a 2-core machine), a HEAD for each
// of the others; directories and HEADs with p.parallel() requests in
// flight. Objects not found are absent from the map.
func (p *Publisher) storedInfo(ctx context.Context, want map[int]apt.Package) (map[string]blob.Info, error) {
	keys := map[string]bool{}
	byDir := map[string][]string{}
	for _, c := range want {
		key := AptRoot + c.Filename
		if keys[key] {
			continue
		}
		keys[key] = true
		dir := poolDir(key)
		byDir[dir] = append(byDir[dir], key)
	}
	type task struct{ stat, list string }
	var tasks []task
	for _, dir := range sortedKeys(byDir) {
		if len(byDir[dir]) >= listMin {
			tasks = append(tasks, task{list: dir})
			continue
		}
		for _, k := range byDir[dir] {
			tasks = append(tasks, task{stat: k})
		}
	}
	var mu sync.Mutex
	out := make(map[string]blob.Info, len(keys))
	err := par.ForEach(ctx, tasks, p.parallel(), func(ctx context.Context, t task) error {
		if t.stat != "" {
			info, err := p.Store.Stat(ctx, t.stat)
			if errors.Is(err, blob.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			mu.Lock()
			out[t.stat] = info
			mu.Unlock()
			return nil
		}
		for info, err := range p.Store.List(ctx, t.list) {
			if err != nil {
				return err
			}
			if keys[info.Key] {
				mu.Lock()
				out[info.Key] = info
				mu.Unlock()
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// poolDir is a pool key's directory of its name prefix:
// repos/apt/pool/main/<prefix>/.
func poolDir(key string) string {
	rest := strings.TrimPrefix(key, AptRoot+"pool/main/")
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return key[:len(key)-len(rest)+i+1]
	}
	return AptRoot + "pool/main/"
}
