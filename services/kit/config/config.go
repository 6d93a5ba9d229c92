// Package config holds the settings every Ringmaster program reads the same
// way: RING_* environment variables and where Ringmaster keeps its state.
package config

import (
	"fmt"
	"os"
	"path/filepath"
)

// EnvHome overrides where Ringmaster keeps its state.
const EnvHome = "RING_HOME"

// Home returns $RING_HOME or ~/.local/share/ringmaster, absolute.
func Home() (string, error) {
	h := os.Getenv(EnvHome)
	if h == "" {
		base, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory: set %s: %w", EnvHome, err)
		}
		h = filepath.Join(base, ".local", "share", "ringmaster")
	}
	return Abs(h), nil
}

// Env returns the environment variable k, or def when it is unset or empty.
func Env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// EnvDebCache overrides where image builds keep the .debs they download.
const EnvDebCache = "RING_DEB_CACHE"

// DebCache is the one .deb cache every image build of this machine shares
// (one directory per distro under it): $RING_DEB_CACHE, else
// $RING_HOME/cache/debs, absolute.
func DebCache() string {
	if d := os.Getenv(EnvDebCache); d != "" {
		return Abs(d)
	}
	home, err := Home()
	if err != nil {
		home = "."
	}
	return Abs(filepath.Join(home, "cache", "debs"))
}
