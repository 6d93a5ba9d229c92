package builder

import (
	"os"
	"path/filepath"
	"ringmaster.dev/kit/config"
	"runtime"
	"strconv"
)

// Options locate what the builder reads from the project.
type Options struct {
	// StacksDir holds <stack>/stack.yaml (env RING_STACKS, default infra/stacks).
	StacksDir string
	// ImagesDir holds the image recipes (env RING_IMAGES, default infra/images).
	ImagesDir string
	// DebCache keeps .debs downloaded for images (env RING_DEB_CACHE,
	// default $RING_HOME/cache/debs), shared with `ring image build`.
	DebCache string
	// Parallel bounds matrix cells built at once (env RING_BUILD_PARALLEL, default: cores).
	Parallel int
}

// OptionsFromEnv reads the RING_* variables, with paths made absolute now:
// code that runs later may run in another working directory.
func OptionsFromEnv() Options {
	o := Options{StacksDir: config.Env("RING_STACKS", "infra/stacks"), ImagesDir: config.Env("RING_IMAGES", "infra/images"), Parallel: runtime.NumCPU()}
	if n, err := strconv.Atoi(os.Getenv("RING_BUILD_PARALLEL")); err == nil && n > 0 {
		o.Parallel = n
	}
	home, err := config.Home()
	if err != nil {
		home = "."
	}
	o.DebCache = config.Env("RING_DEB_CACHE", filepath.Join(home, "cache", "debs"))
	o.StacksDir, o.ImagesDir = locate(o.StacksDir), locate(o.ImagesDir)
	o.StacksDir, _ = filepath.Abs(o.StacksDir)
	o.DebCache, _ = filepath.Abs(o.DebCache)
	o.ImagesDir, _ = filepath.Abs(o.ImagesDir)
	return o
}

// locate finds a relative project directory (infra/stacks) from the working
// directory or, failing that, next to the executable (bin/ring → infra/…).
func locate(dir string) string {
	if filepath.IsAbs(dir) {
		return dir
	}
	if _, err := os.Stat(dir); err == nil {
		return dir
	}
	if exe, err := os.Executable(); err == nil {
		if c := filepath.Join(filepath.Dir(exe), "..", dir); dirExists(c) {
			return c
		}
	}
	return dir
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
