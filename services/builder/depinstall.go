package builder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"pault.ag/go/debian/deb"
	"ringmaster.dev/builder/unpack"
	"ringmaster.dev/events"
)

// installDeps makes each build dependency available to a cell the way a
// distro build would see it: the dependency's packages — the very .debs
// that go to the channel — unpacked into a root at dir/<component>
// (usr/include/…, usr/lib/…), mounted read-only at /deps/<component>.
// Build containers have no network and no CAP_CHOWN, so packages are
// unpacked here, safely, rather than installed with dpkg inside.
func (j *job) installDeps(ctx context.Context, distro string, deps []string, dir string) (map[string]string, error) {
	out := map[string]string{}
	for _, d := range deps {
		j.mu.Lock()
		r := j.results[d+"/"+distro]
		j.mu.Unlock()
		if r == nil {
			return nil, fmt.Errorf("build dependency %s/%s has no packages in this run", d, distro)
		}
		root := filepath.Join(dir, d)
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, err
		}
		for _, p := range r.Packages {
			if err := j.unpackDeb(ctx, p, root); err != nil {
				return nil, fmt.Errorf("install build dependency %s: %w", d, err)
			}
		}
		out[d] = root
	}
	return out, nil
}

// unpackDeb extracts a .deb's data member into root.
func (j *job) unpackDeb(ctx context.Context, p events.PackageRef, root string) error {
	rc, _, err := j.b.Store.Get(ctx, p.Key)
	if err != nil {
		return storeRead(p.Key, err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return storeRead(p.Key, err)
	}
	ar, err := deb.LoadAr(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s: not a .deb: %w", p.Key, err)
	}
	for {
		e, err := ar.Next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: no data member", p.Key)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p.Key, err)
		}
		if !strings.HasPrefix(e.Name, "data.tar") {
			continue
		}
		tmp, err := os.CreateTemp(filepath.Dir(root), "data-*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		if _, err := io.Copy(tmp, e.Data); err != nil {
			tmp.Close()
			return err
		}
		tmp.Close()
		// Extract into a fresh dir, then merge: a root may get several packages.
		stage := root + ".unpack"
		_ = os.RemoveAll(stage)
		if err := unpack.Extract(ctx, tmp.Name(), stage, unpack.Options{StripComponents: unpack.StripNone}); err != nil {
			return fmt.Errorf("%s: %w", p.Key, err)
		}
		defer os.RemoveAll(stage)
		return copyTree(stage, root)
	}
}
