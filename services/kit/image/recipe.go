// Package image builds Ringmaster's container images without a registry:
// each image is a recipe (a Debian minbase rootfs plus packages) built with
// mmdebstrap for one distro and imported into Docker through its Go client.
// Tags are content hashes of recipe and inputs, so an image that exists is
// never rebuilt; downloaded .debs are cached so a rebuild fetches nothing.
package image

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
)

// Recipe is one image, e.g. infra/images/toolchain.yaml.
type Recipe struct {
	Name        string   `yaml:"name" json:"name"`
	Description string   `yaml:"description" json:"description"`
	Packages    []string `yaml:"packages" json:"packages"`
	// DistroPackages adds packages for one distro only (e.g. its JRE).
	DistroPackages map[string][]string `yaml:"distro_packages,omitempty" json:"distro_packages,omitempty"`
	Env            map[string]string   `yaml:"env,omitempty" json:"env,omitempty"`
}

// Distro says where a distro's packages come from.
type Distro struct {
	Suite  string `yaml:"suite" json:"suite"`
	Mirror string `yaml:"mirror" json:"mirror"`
}

// Recipes is every recipe and distro of a recipe directory.
type Recipes struct {
	Dir     string
	Images  map[string]Recipe
	Distros map[string]Distro
}

// ErrRecipe wraps every problem with a recipe file.
var ErrRecipe = errors.New("bad image recipe")

var (
	nameRE    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	pkgRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	distroRE  = regexp.MustCompile(`^[a-z]+-[0-9]+$`)
	suiteRE   = regexp.MustCompile(`^[a-z]+$`)
	mirrorRE  = regexp.MustCompile(`^https?://[A-Za-z0-9.:/_-]+$`)
	envKeyRE  = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
	envBadVal = regexp.MustCompile("[\n\"\\\\$`]")
)

// Load reads dir/distros.yaml and every other dir/*.yaml as a recipe,
// strictly: unknown fields and bad names are errors naming file, line and field.
func Load(dir string) (*Recipes, error) {
	r := &Recipes{Dir: dir, Images: map[string]Recipe{}, Distros: map[string]Distro{}}
	if err := decode(filepath.Join(dir, "distros.yaml"), &r.Distros); err != nil {
		return nil, err
	}
	var errs []error
	for d, v := range r.Distros {
		if !distroRE.MatchString(d) || !suiteRE.MatchString(v.Suite) || !mirrorRE.MatchString(v.Mirror) {
			errs = append(errs, fmt.Errorf("%w: %s: distro %q: want a name like debian-12, a suite like bookworm and an http(s) mirror URL", ErrRecipe, filepath.Join(dir, "distros.yaml"), d))
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if filepath.Base(f) == "distros.yaml" {
			continue
		}
		var rec Recipe
		if err := decode(f, &rec); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := r.check(f, rec); err != nil {
			errs = append(errs, err)
			continue
		}
		r.Images[rec.Name] = rec
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(r.Images) == 0 {
		return nil, fmt.Errorf("%w: %s holds no image recipes", ErrRecipe, dir)
	}
	return r, nil
}

func decode(path string, into any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: %v (is --recipes the infra/images directory?)", ErrRecipe, err)
	}
	if err := yaml.UnmarshalWithOptions(b, into, yaml.Strict()); err != nil {
		msg := strings.Replace(strings.TrimPrefix(yaml.FormatError(err, false, false), "["), "] ", ": ", 1)
		return fmt.Errorf("%w: %s:%s", ErrRecipe, path, msg)
	}
	return nil
}

func (r *Recipes) check(file string, rec Recipe) error {
	var problems []string
	if !nameRE.MatchString(rec.Name) {
		problems = append(problems, fmt.Sprintf("name %q: want lowercase letters, digits and '-'", rec.Name))
	} else if want := strings.TrimSuffix(filepath.Base(file), ".yaml"); want != rec.Name {
		problems = append(problems, fmt.Sprintf("name %q: the file must be named %s.yaml", rec.Name, rec.Name))
	}
	all := append([]string(nil), rec.Packages...)
	for d, pkgs := range rec.DistroPackages {
		if _, ok := r.Distros[d]; !ok {
			problems = append(problems, fmt.Sprintf("distro_packages.%s: not a distro of distros.yaml", d))
		}
		all = append(all, pkgs...)
	}
	for _, p := range all {
		if !pkgRE.MatchString(p) {
			problems = append(problems, fmt.Sprintf("package %q: not a Debian package name", p))
		}
	}
	for k, v := range rec.Env {
		if !envKeyRE.MatchString(k) || envBadVal.MatchString(v) {
			problems = append(problems, fmt.Sprintf("env %s: want an upper-case name and a value without newlines, quotes, $ or backslashes", k))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s: %s", ErrRecipe, file, strings.Join(problems, "; "))
	}
	return nil
}

// Names lists the recipes, sorted.
func (r *Recipes) Names() []string {
	return slices.Sorted(maps.Keys(r.Images))
}

// DistroNames lists the distros, sorted.
func (r *Recipes) DistroNames() []string {
	return slices.Sorted(maps.Keys(r.Distros))
}

// packages is the sorted, de-duplicated package list of rec for distro.
func (rec Recipe) packages(distro string) []string {
	set := map[string]bool{}
	for _, p := range append(append([]string(nil), rec.Packages...), rec.DistroPackages[distro]...) {
		set[p] = true
	}
	return slices.Sorted(maps.Keys(set))
}
