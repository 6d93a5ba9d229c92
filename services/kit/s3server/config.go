package s3server

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
)

// Config describes an embedded S3 server.
type Config struct {
	// Dir holds everything the server stores: objects under Dir/data and,
	// when xattrs are unavailable, metadata under Dir/meta. Created if missing.
	Dir string
	// Addr is the TCP listen address, e.g. "127.0.0.1:9000". A zero port
	// ("127.0.0.1:0") picks a free port. Empty means "127.0.0.1:0".
	Addr string
	// AccessKey and SecretKey are the credentials of the single root account.
	AccessKey, SecretKey string
	// ForceSidecar stores metadata in the sidecar tree (Dir/meta) even when
	// the filesystem supports xattrs.
	ForceSidecar bool
}

// normalize validates c and returns a copy with defaults applied and Dir
// made absolute.
func (c Config) normalize() (Config, error) {
	var errs []error
	if c.Dir == "" {
		errs = append(errs, errors.New("config field Dir is required"))
	}
	if c.AccessKey == "" {
		errs = append(errs, errors.New("config field AccessKey is required"))
	}
	if c.SecretKey == "" {
		errs = append(errs, errors.New("config field SecretKey is required"))
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		errs = append(errs, fmt.Errorf("config field Addr %q is not host:port: %w", c.Addr, err))
	} else if port == "" {
		errs = append(errs, fmt.Errorf("config field Addr %q has no port (use %s:0 for a free port)", c.Addr, host))
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("s3server: invalid config: %w", err)
	}
	if c.Dir, err = filepath.Abs(c.Dir); err != nil {
		return Config{}, fmt.Errorf("s3server: absolute path of %q: %w", c.Dir, err)
	}
	return c, nil
}

func (c Config) dataDir() string { return filepath.Join(c.Dir, "data") }
func (c Config) metaDir() string { return filepath.Join(c.Dir, "meta") }
