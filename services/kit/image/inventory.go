package image

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
)

// Info is one Ringmaster image in Docker.
type Info struct {
	ID      string
	Tags    []string
	Name    string
	Distro  string
	Hash    string
	Size    int64
	Created time.Time
	// Current is false when the recipe changed since: prune removes it.
	Current bool
}

// List returns the images labelled by Ringmaster, newest first.
func (b *Builder) List(ctx context.Context) ([]Info, error) {
	sums, err := b.Docker.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("label", LabelImage))})
	if err != nil {
		return nil, fmt.Errorf("docker: %w", err)
	}
	var out []Info
	for _, s := range sums {
		in := Info{ID: s.ID, Tags: s.RepoTags, Name: s.Labels[LabelImage], Distro: s.Labels[LabelDistro], Hash: s.Labels[LabelHash],
			Size: s.Size, Created: time.Unix(s.Created, 0)}
		if spec, err := b.Recipes.Spec(in.Name, in.Distro); err == nil && spec.Hash == in.Hash {
			in.Current = true
		}
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// Prune removes images whose recipe changed since they were built (or whose
// recipe is gone). With dryRun it only says which.
func (b *Builder) Prune(ctx context.Context, dryRun bool) ([]Info, error) {
	all, err := b.List(ctx)
	if err != nil {
		return nil, err
	}
	var gone []Info
	for _, in := range all {
		if in.Current {
			continue
		}
		gone = append(gone, in)
		if dryRun {
			continue
		}
		if _, err := b.Docker.ImageRemove(ctx, in.ID, image.RemoveOptions{Force: true, PruneChildren: true}); err != nil {
			return gone, fmt.Errorf("remove %s (%s): %w", in.ID[:19], strings.Join(in.Tags, ","), err)
		}
	}
	return gone, nil
}
