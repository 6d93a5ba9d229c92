package s3server

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/versity/versitygw/backend/meta"
)

// metadataStore picks where object metadata lives: xattrs on the data files
// when the filesystem accepts user xattrs, otherwise a sidecar tree in
// c.metaDir() (outside the data root, as the POSIX backend requires). A Dir
// that already has a sidecar tree keeps using it, so restarts see the same
// metadata.
func metadataStore(c Config) (meta.MetadataStorer, string, error) {
	_, err := os.Stat(c.metaDir())
	hasSidecar := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("stat %s: %w", c.metaDir(), err)
	}
	if !hasSidecar && !c.ForceSidecar {
		if xerr := probeXattr(c.dataDir()); xerr == nil {
			return meta.XattrMeta{}, "xattr", nil
		}
	}
	if err := os.MkdirAll(c.metaDir(), 0o755); err != nil {
		return nil, "", fmt.Errorf("create sidecar dir: %w", err)
	}
	sc, err := meta.NewSideCar(c.metaDir())
	if err != nil {
		return nil, "", fmt.Errorf("sidecar metadata in %s: %w", c.metaDir(), err)
	}
	return sc, "sidecar", nil
}

// probeXattr checks that a user xattr can be written and read back on a
// file inside dir.
func probeXattr(dir string) error {
	f, err := os.CreateTemp(dir, ".xattr-probe-*")
	if err != nil {
		return fmt.Errorf("create probe file: %w", err)
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	return setGetXattr(name)
}
