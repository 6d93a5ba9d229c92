package builder

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/config"
)

// Env var names of the builder's own settings.
const (
	EnvDistros = "RING_BUILDER_DISTROS"
	EnvArch    = "RING_BUILDER_ARCH"
)

// Options locate what the builder reads from the project and say what it serves.
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
	// Distros are the distros whose cells this builder takes (env
	// RING_BUILDER_DISTROS, comma-separated; default: every distro of the
	// image recipes' distros.yaml). Cells of other distros go to builders
	// that declare them.
	Distros []string
	// Arch is the Debian architecture it builds for (env RING_BUILDER_ARCH,
	// default: this machine's).
	Arch string
}

// OptionsFromEnv reads the RING_* variables, with paths made absolute now:
// code that runs later may run in another working directory.
func OptionsFromEnv() Options {
	o := Options{StacksDir: config.ProjectDir("RING_STACKS", "infra/stacks"), ImagesDir: config.ProjectDir("RING_IMAGES", "infra/images"), Parallel: runtime.NumCPU()}
	if n, err := strconv.Atoi(os.Getenv("RING_BUILD_PARALLEL")); err == nil && n > 0 {
		o.Parallel = n
	}
	o.DebCache = config.DebCache()
	o.Distros = splitList(os.Getenv(EnvDistros))
	o.Arch = config.Env(EnvArch, debianArch(runtime.GOARCH))
	return o
}

// Flags registers the builder's own flags of a standalone builder, with
// the values OptionsFromEnv read as defaults.
func (o *Options) Flags(fs *flag.FlagSet) {
	fs.Func("distros", "comma-separated distros whose cells this builder takes, e.g. debian-12,debian-11 (env "+EnvDistros+"; default: every distro in the recipes' distros.yaml)", func(s string) error {
		o.Distros = splitList(s)
		return nil
	})
	fs.StringVar(&o.Arch, "arch", o.Arch, "Debian architecture this builder builds for (env "+EnvArch+")")
	fs.IntVar(&o.Parallel, "parallel", o.Parallel, "cells built at once (env RING_BUILD_PARALLEL)")
}

// Routes are the cell routes ("<distro>.<arch>") of distros, checked
// against the distros the recipes know (known).
func (o Options) Routes(known []string) ([]string, error) {
	distros := o.Distros
	if len(distros) == 0 {
		distros = known
	}
	var out []string
	for _, d := range distros {
		if !slices.Contains(known, d) {
			return nil, fmt.Errorf("%w: --distros names %q, which %s/distros.yaml does not declare (it has %s)", ErrServes, d, o.ImagesDir, strings.Join(known, ", "))
		}
		r := d + "." + o.Arch
		if err := events.CheckRoute(r); err != nil {
			return nil, fmt.Errorf("%w: distro %q, arch %q: %w", ErrServes, d, o.Arch, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// ErrServes wraps a builder's declaration of what it serves that cannot be.
var ErrServes = errors.New("builder options")

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// debianArch is Debian's name of a Go architecture.
func debianArch(goarch string) string {
	switch goarch {
	case "386":
		return "i386"
	case "arm":
		return "armhf"
	case "ppc64le":
		return "ppc64el"
	default:
		return goarch // amd64, arm64, riscv64, s390x are the same
	}
}
