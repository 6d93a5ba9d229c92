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
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/repo-publisher/apt"
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

// take reads a package from the blob store, signs it if it is an RPM the
// repository key has not signed, and writes it to its pool path unless the
// same bytes are there. Other bytes at that path are ErrImmutable.
func (p *Publisher) take(ctx context.Context, ref events.PackageRef) (incoming, error) {
	rc, _, err := p.Store.Get(ctx, ref.Key)
	if errors.Is(err, blob.ErrNotFound) {
		return incoming{}, fmt.Errorf("%w: package %s is not in the blob store (upload it first, e.g. with `ring repo publish FILE`)", ErrBadRequest, ref.Key)
	}
	if err != nil {
		return incoming{}, err
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return incoming{}, fmt.Errorf("read %s: %w", ref.Key, err)
	}
	if ref.SHA256 != "" && sum(data) != ref.SHA256 {
		return incoming{}, fmt.Errorf("%w: %s: sha256 is %s, the request says %s", ErrBadPackage, ref.Key, sum(data), ref.SHA256)
	}
	switch {
	case bytes.HasPrefix(data, debMagic):
		pkg, err := apt.Inspect(data)
		if err != nil {
			return incoming{}, fmt.Errorf("%w: %s: %w", ErrBadPackage, path.Base(ref.Key), err)
		}
		pkg.Filename = apt.PoolPath(pkg.Name, pkg.Version, pkg.Architecture)
		if err := p.toPool(ctx, AptRoot+pkg.Filename, data); err != nil {
			return incoming{}, err
		}
		return incoming{format: Deb, deb: pkg}, nil
	case bytes.HasPrefix(data, rpmMagic):
		probe, err := yum.Inspect(data, "")
		if err != nil {
			return incoming{}, fmt.Errorf("%w: %s: %w", ErrBadPackage, path.Base(ref.Key), err)
		}
		signed, _, err := ensureRPMSigned(data, p.Key, time.Unix(probe.BuildTime, 0), p.WorkDir)
		if err != nil {
			return incoming{}, fmt.Errorf("%w: %s: %w", ErrBadPackage, path.Base(ref.Key), err)
		}
		file := fmt.Sprintf("%s-%s-%s.%s.rpm", probe.Name, probe.Version, probe.Release, probe.Arch)
		key := rpmPoolPath(probe.Name, file)
		pkg, err := yum.Inspect(signed, "../pool/"+key[len(YumPool):])
		if err != nil {
			return incoming{}, fmt.Errorf("%w: %s after signing: %w", ErrBadPackage, file, err)
		}
		if err := p.toPool(ctx, key, signed); err != nil {
			return incoming{}, err
		}
		return incoming{format: RPM, rpm: pkg}, nil
	}
	return incoming{}, fmt.Errorf("%w: %s is neither a .deb nor an .rpm", ErrBadPackage, path.Base(ref.Key))
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
