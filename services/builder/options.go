package builder

import (
	"os"
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
	o := Options{StacksDir: config.ProjectDir("RING_STACKS", "infra/stacks"), ImagesDir: config.ProjectDir("RING_IMAGES", "infra/images"), Parallel: runtime.NumCPU()}
	if n, err := strconv.Atoi(os.Getenv("RING_BUILD_PARALLEL")); err == nil && n > 0 {
		o.Parallel = n
	}
	o.DebCache = config.DebCache()
	return o
}
