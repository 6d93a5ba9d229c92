package image

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Repository is the Docker repository prefix of every image.
const Repository = "ringmaster/"

// method names how images are made; change it when the build changes.
const method = "mmdebstrap-minbase-v3"

// Labels on every image.
const (
	LabelImage  = "ringmaster.image"
	LabelDistro = "ringmaster.distro"
	LabelHash   = "ringmaster.recipe"
)

// Spec is one image to build: a recipe for a distro.
type Spec struct {
	Name    string
	Distro  string
	Recipe  Recipe
	Source  Distro
	Hash    string
	Tag     string // ringmaster/<name>:<distro>-<hash12>
	Current string // ringmaster/<name>:<distro>, moved to the newest build
}

// Spec resolves a recipe for a distro and computes its content-hash tag.
func (r *Recipes) Spec(name, distro string) (Spec, error) {
	rec, ok := r.Images[name]
	if !ok {
		return Spec{}, fmt.Errorf("%w: no recipe %q in %s (have %v)", ErrRecipe, name, r.Dir, r.Names())
	}
	src, ok := r.Distros[distro]
	if !ok {
		return Spec{}, fmt.Errorf("%w: no distro %q in %s/distros.yaml (have %v)", ErrRecipe, distro, r.Dir, r.DistroNames())
	}
	in, _ := json.Marshal(struct {
		Method   string
		Distro   string
		Source   Distro
		Packages []string
		Env      map[string]string
	}{method, distro, src, rec.packages(distro), rec.Env})
	h := sha256.Sum256(in)
	hash := hex.EncodeToString(h[:])
	return Spec{
		Name: name, Distro: distro, Recipe: rec, Source: src, Hash: hash,
		Tag:     fmt.Sprintf("%s%s:%s-%s", Repository, name, distro, hash[:12]),
		Current: fmt.Sprintf("%s%s:%s", Repository, name, distro),
	}, nil
}
