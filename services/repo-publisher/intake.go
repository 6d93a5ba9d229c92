package publisher

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"sync"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/repo-publisher/apt"
	"ringmaster.dev/repo-publisher/par"
	"ringmaster.dev/repo-publisher/yum"
)

// Errors that no retry can fix.
var (
	ErrBadRequest = errors.New("bad publish request")
	ErrBadPackage = errors.New("not a usable .deb or .rpm")
	// ErrImmutable: a published name+version+arch never changes its bytes.
	ErrImmutable = errors.New("published package versions are immutable")
)

// Store is the part of the blob store the publisher needs.
type Store interface {
	Manifests
	PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error)
	Stat(ctx context.Context, key string) (blob.Info, error)
	// ListPage serves claim checks (claimed): key, size and ETag of pool
	// objects, one ListObjectsV2 request.
	ListPage(ctx context.Context, prefix, startAfter string, max int) ([]blob.Info, bool, error)
}

// incoming is one package ready for the indexes, its pool object written.
type incoming struct {
	format Format
	deb    apt.Package
	rpm    yum.Package
}

var (
	debMagic = []byte("!<arch>\n")
	rpmMagic = []byte{0xed, 0xab, 0xee, 0xdb}
)

// takeAll takes every ref (see prepare and toPool; refs in claimed are taken
// as they are, see Publisher.claimed) with p.parallel() at once
// and returns them in request order. check runs on each package before its
// pool write. The result is the same as taking them one after the other,
// stopping at the first error: that error is the one returned (par.Ordered),
// and two refs with the same pool path are written in request order (the
// later one waits for the earlier), so the first bytes win and other bytes
// are ErrImmutable as before. Refs after a failed one may still have been
// written to the pool (it is immutable and shared; nothing lists them).
func (p *Publisher) takeAll(ctx context.Context, refs []events.PackageRef, claimed map[int]incoming, check func(events.PackageRef, incoming) error) ([]incoming, error) {
	n := len(refs)
	out := make([]incoming, n)
	keys := make([]string, n)
	done := make([]chan struct{}, n)
	for i := range done {
		done[i] = make(chan struct{})
	}
	var (
		mu     sync.Mutex
		cond   = sync.NewCond(&mu)
		ready  = make([]bool, n)
		known  int                // refs [0, known) have their pool key (or failed)
		last   = map[string]int{} // pool key → the latest ref in [0, known) with it
		before = make([]int, n)   // the previous ref with the same pool key, or -1
	)
	err := par.Ordered(ctx, n, p.parallel(), func(ctx context.Context, i int) error {
		defer close(done[i])
		var (
			key    string
			data   []byte
			in     incoming
			stored bool
			err    error
		)
		if c, ok := claimed[i]; ok {
			key, in, stored = refs[i].Key, c, true // vouched for by the claim check: nothing to read or write
		} else {
			key, data, in, stored, err = p.prepare(ctx, refs[i])
		}
		if err == nil {
			err = check(refs[i], in)
		}
		mu.Lock()
		if err == nil {
			keys[i] = key
		}
		ready[i] = true
		for known < n && ready[known] {
			before[known] = -1
			if k := keys[known]; k != "" {
				if j, ok := last[k]; ok {
					before[known] = j
				}
				last[k] = known
			}
			known++
		}
		cond.Broadcast()
		for known <= i {
			cond.Wait()
		}
		prev := before[i]
		mu.Unlock()
		if err != nil {
			return err
		}
		if prev >= 0 {
			<-done[prev]
		}
		if !stored {
			err := p.toPool(ctx, key, data)
			if in.format == RPM && errors.Is(err, ErrImmutable) {
				// Signatures differ from one signing to the next: the
				// same package signed earlier by this key is the same.
				var same bool
				if in.rpm, same = p.signedEarlier(ctx, key, data, in.rpm); same {
					err = nil
				}
			}
			if err != nil {
				return err
			}
		}
		out[i] = in
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// prepare reads a package from the blob store, checks and inspects it and
// signs it if it is an RPM the repository key has not signed; it returns the
// pool key and bytes to write there. stored is true when the ref already is
// that pool object with exactly those bytes (an upload that went straight to
// its pool key, see Upload): nothing needs writing.
func (p *Publisher) prepare(ctx context.Context, ref events.PackageRef) (key string, data []byte, in incoming, stored bool, err error) {
	fail := func(err error) (string, []byte, incoming, bool, error) { return "", nil, incoming{}, false, err }
	rc, _, err := p.Store.Get(ctx, ref.Key)
	if errors.Is(err, blob.ErrNotFound) {
		return fail(fmt.Errorf("%w: package %s is not in the blob store (upload it first, e.g. with `ring repo publish FILE`)", ErrBadRequest, ref.Key))
	}
	if err != nil {
		return fail(err)
	}
	data, err = readAll(rc, ref.Size)
	rc.Close()
	if err != nil {
		return fail(fmt.Errorf("read %s: %w", ref.Key, err))
	}
	got := sum(data)
	if ref.SHA256 != "" && got != ref.SHA256 {
		if isPoolKey(ref.Key) {
			return fail(fmt.Errorf("%w: %s is already published with sha256 %s; this one is %s — bump the version or release", ErrImmutable, path.Base(ref.Key), got, ref.SHA256))
		}
		return fail(fmt.Errorf("%w: %s: sha256 is %s, the request says %s", ErrBadPackage, ref.Key, got, ref.SHA256))
	}
	switch {
	case bytes.HasPrefix(data, debMagic):
		pkg, err := apt.Inspect(data)
		if err != nil {
			return fail(fmt.Errorf("%w: %s: %w", ErrBadPackage, path.Base(ref.Key), err))
		}
		pkg.Filename = apt.PoolPath(pkg.Name, pkg.Version, pkg.Architecture)
		key := AptRoot + pkg.Filename
		return key, data, incoming{format: Deb, deb: pkg}, ref.Key == key, nil
	case bytes.HasPrefix(data, rpmMagic):
		probe, err := yum.Inspect(data, "")
		if err != nil {
			return fail(fmt.Errorf("%w: %s: %w", ErrBadPackage, path.Base(ref.Key), err))
		}
		signed, changed, err := ensureRPMSigned(data, p.Key, time.Unix(probe.BuildTime, 0))
		if err != nil {
			return fail(fmt.Errorf("%w: %s: %w", ErrBadPackage, path.Base(ref.Key), err))
		}
		file := fmt.Sprintf("%s-%s-%s.%s.rpm", probe.Name, probe.Version, probe.Release, probe.Arch)
		key := rpmPoolPath(probe.Name, file)
		pkg, err := yum.Inspect(signed, "../pool/"+key[len(YumPool):])
		if err != nil {
			return fail(fmt.Errorf("%w: %s after signing: %w", ErrBadPackage, file, err))
		}
		return key, signed, incoming{format: RPM, rpm: pkg}, ref.Key == key && !changed, nil
	}
	return fail(fmt.Errorf("%w: %s is neither a .deb nor an .rpm", ErrBadPackage, path.Base(ref.Key)))
}

// readAll reads r whole, sized by the request's size when it gives one.
func readAll(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 || size > 1<<30 {
		return io.ReadAll(r)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+1))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

func (p *Publisher) toPool(ctx context.Context, key string, data []byte) error {
	s := sum(data)
	_, err := p.Store.PutIfAbsent(ctx, key, bytes.NewReader(data), int64(len(data)), blob.PutOptions{ContentType: "application/octet-stream", SHA256: s})
	if errors.Is(err, blob.ErrExists) {
		info, serr := p.Store.Stat(ctx, key)
		if serr != nil {
			return serr
		}
		if info.SHA256 != s {
			return fmt.Errorf("%w: %s is already published with sha256 %s; this one is %s — bump the version or release", ErrImmutable, path.Base(key), info.SHA256, s)
		}
		return nil
	}
	return err
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
