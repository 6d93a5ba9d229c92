package publisher

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
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
//
// The refs name their pool keys, so what the server stores is asked for
// (storedInfo) while the claim check is read and decoded.
func (p *Publisher) claimed(ctx context.Context, req *events.RepoPublishRequested) (map[int]incoming, error) {
	if req.Inspected == "" {
		return nil, nil
	}
	if !inspectedKeyRE.MatchString(req.Inspected) {
		return nil, fmt.Errorf("%w: inspected %q: want %s<sha256>.json.gz (as publisher.UploadBatch writes)", ErrBadRequest, req.Inspected, InspectedRoot)
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type listing struct {
		stored map[string]blob.Info
		err    error
	}
	listed := make(chan listing, 1)
	go func() {
		stored, err := p.storedInfo(lctx, aptPoolKeys(req.Packages))
		listed <- listing{stored, err}
	}()
	debs, err := p.readClaim(ctx, req.Inspected)
	if err != nil || debs == nil {
		cancel()
		<-listed
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
			cancel()
			<-listed
			return nil, err
		}
		want[i] = c
	}
	if len(want) == 0 {
		cancel()
		<-listed
		return nil, nil
	}
	l := <-listed
	if l.err != nil {
		return nil, l.err
	}
	out := make(map[int]incoming, len(want))
	for i, c := range want {
		key := AptRoot + c.Filename
		info, ok := l.stored[key]
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

// readClaim reads and decodes the claim check at key; nil when it is gone.
func (p *Publisher) readClaim(ctx context.Context, key string) ([]apt.Package, error) {
	rc, info, err := p.Store.Get(ctx, key)
	if errors.Is(err, blob.ErrNotFound) {
		p.Log.Info().Str("inspected", key).Msg("claim check is gone; reading every package")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	data, err := readAll(rc, info.Size)
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return decodeInspected(key, data)
}

// aptPoolKeys are the refs' keys in the APT pool: the objects a claim
// check can vouch for.
func aptPoolKeys(refs []events.PackageRef) []string {
	var keys []string
	for _, r := range refs {
		if strings.HasPrefix(r.Key, AptRoot+"pool/") && strings.HasSuffix(r.Key, ".deb") {
			keys = append(keys, r.Key)
		}
	}
	return keys
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

// storedInfo asks the S3 server about the pool objects poolKeys without
// reading them: a listing of each pool directory (pool/main/<prefix>/) that
// holds at least listMin of them, a HEAD for each of the others. A directory
// is listed in ranges of listPage of the keys, side by side: a range asks
// for the page after the key before its first (ListObjectsV2 start-after)
// and, if objects not asked about fill that page, for the pages after it
// until its last key. HEADs go with p.parallel() requests in flight, ranges
// with at most listInFlight of them. Objects not found are absent from the map.
func (p *Publisher) storedInfo(ctx context.Context, poolKeys []string) (map[string]blob.Info, error) {
	keys := map[string]bool{}
	byDir := map[string][]string{}
	for _, key := range poolKeys {
		if keys[key] {
			continue
		}
		keys[key] = true
		dir := poolDir(key)
		byDir[dir] = append(byDir[dir], key)
	}
	var tasks []listTask
	for _, dir := range sortedKeys(byDir) {
		in := byDir[dir]
		if len(in) < listMin {
			for _, k := range in {
				tasks = append(tasks, listTask{stat: k})
			}
			continue
		}
		tasks = append(tasks, listRanges(dir, in)...)
	}
	var mu sync.Mutex
	out := make(map[string]blob.Info, len(keys))
	keep := func(info blob.Info) {
		if keys[info.Key] {
			mu.Lock()
			out[info.Key] = info
			mu.Unlock()
		}
	}
	lists := make(chan struct{}, listInFlight)
	err := par.ForEach(ctx, tasks, p.parallel(), func(ctx context.Context, t listTask) error {
		if t.stat != "" {
			info, err := p.Store.Stat(ctx, t.stat)
			if errors.Is(err, blob.ErrNotFound) {
				return nil
			}
			if err == nil {
				keep(info)
			}
			return err
		}
		select {
		case lists <- struct{}{}:
			defer func() { <-lists }()
		case <-ctx.Done():
			return ctx.Err()
		}
		for after := t.after; ; {
			page, more, err := p.Store.ListPage(ctx, t.dir, after, listPage)
			if err != nil {
				return err
			}
			for _, info := range page {
				keep(info)
			}
			if !more || len(page) == 0 || page[len(page)-1].Key >= t.last {
				return nil
			}
			after = page[len(page)-1].Key
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// listPage is the most keys one listing request returns (S3's limit).
const listPage = 1000

// listInFlight bounds the ranges listed at once: each page in flight is
// held in memory by the server and the client (~0.5 MB of XML), and on the
// 2-core machine the benchmarks ran on 16 at once were no faster than 4
// (Publish of 20,000 debs 2.7–3.0 s either way).
const listInFlight = 4

// listTask is a HEAD of stat, or a listing of dir's keys after after up to last.
type listTask struct {
	stat             string
	dir, after, last string
}

// listRanges cuts the sorted keys of dir into ranges of listPage keys: each
// range starts after the previous range's last key, so together they cover
// every key of dir up to the last one asked about.
func listRanges(dir string, keys []string) []listTask {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	var out []listTask
	after := ""
	for start := 0; start < len(keys); start += listPage {
		last := keys[min(start+listPage, len(keys))-1]
		out = append(out, listTask{dir: dir, after: after, last: last})
		after = last
	}
	return out
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
