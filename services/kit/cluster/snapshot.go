package cluster

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
)

// Snapshot is a set of node images committed from one cluster.
type Snapshot struct {
	Tag    string
	Spec   Spec
	Images map[string]string // node → image reference
	Size   int64
}

// Snapshot commits every node of a cluster, filesystem and data included,
// into images SnapshotRepo:<tag>-<node>. Nodes are paused while they are
// committed, so each node's files are consistent. An existing snapshot of
// the same tag is replaced.
func (p *Provider) Snapshot(ctx context.Context, name, tag string) (Snapshot, error) {
	if err := ValidateName("snapshot", tag); err != nil {
		return Snapshot{}, err
	}
	c, err := p.Get(ctx, name)
	if err != nil {
		return Snapshot{}, err
	}
	if c.NetworkID == "" || len(c.Nodes) != c.Spec.Nodes {
		return Snapshot{}, fmt.Errorf("cluster %s is incomplete (%d of %d nodes): %w", name, len(c.Nodes), c.Spec.Nodes, ErrInvalid)
	}
	if old, err := p.GetSnapshot(ctx, tag); err == nil {
		if err := p.RemoveSnapshot(ctx, old.Tag); err != nil {
			return Snapshot{}, err
		}
	}
	spec := c.Spec
	spec.From = ""
	snap := Snapshot{Tag: tag, Spec: spec, Images: map[string]string{}}
	for _, n := range c.Nodes {
		ref := SnapshotImage(tag, n.Name)
		labels := map[string]string{LabelSnapshot: tag, LabelNode: n.Name, LabelSpec: spec.label()}
		_, err := p.c.ContainerCommit(ctx, n.ID, container.CommitOptions{
			Reference: ref, Pause: true, Comment: "ringmaster snapshot " + tag + " of cluster " + name,
			Changes: labelChanges(labels),
		})
		if err != nil {
			return Snapshot{}, fmt.Errorf("commit %s: %w", n.Container, err)
		}
		snap.Images[n.Name] = ref
	}
	return snap, nil
}

func labelChanges(labels map[string]string) []string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, fmt.Sprintf("LABEL %s=%q", k, labels[k]))
	}
	return out
}

// Snapshots lists every snapshot.
func (p *Provider) Snapshots(ctx context.Context) ([]Snapshot, error) {
	imgs, err := p.c.ImageList(ctx, image.ListOptions{Filters: labelFilter(LabelSnapshot)})
	if err != nil {
		return nil, fmt.Errorf("list snapshot images: %w", err)
	}
	byTag := map[string]*Snapshot{}
	for _, im := range imgs {
		tag := im.Labels[LabelSnapshot]
		s := byTag[tag]
		if s == nil {
			sp, _ := parseSpec(im.Labels[LabelSpec])
			s = &Snapshot{Tag: tag, Spec: sp, Images: map[string]string{}}
			byTag[tag] = s
		}
		ref := SnapshotImage(tag, im.Labels[LabelNode])
		for _, rt := range im.RepoTags {
			if strings.HasPrefix(rt, SnapshotRepo+":"+tag+"-") {
				ref = rt
			}
		}
		s.Images[im.Labels[LabelNode]] = ref
		s.Size += im.Size
	}
	out := make([]Snapshot, 0, len(byTag))
	for _, s := range byTag {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tag < out[j].Tag })
	return out, nil
}

// GetSnapshot finds one complete snapshot.
func (p *Provider) GetSnapshot(ctx context.Context, tag string) (Snapshot, error) {
	all, err := p.Snapshots(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	for _, s := range all {
		if s.Tag != tag {
			continue
		}
		if len(s.Images) != s.Spec.Nodes {
			return Snapshot{}, fmt.Errorf("snapshot %s has %d of %d node images: %w (take it again)", tag, len(s.Images), s.Spec.Nodes, ErrInvalid)
		}
		return s, nil
	}
	return Snapshot{}, fmt.Errorf("snapshot %q: %w (ring cluster snapshot NAME --as %s takes one)", tag, ErrNotFound, tag)
}

// RemoveSnapshot removes a snapshot's images.
func (p *Provider) RemoveSnapshot(ctx context.Context, tag string) error {
	all, err := p.Snapshots(ctx)
	if err != nil {
		return err
	}
	var errs []error
	found := false
	for _, s := range all {
		if s.Tag != tag {
			continue
		}
		found = true
		for _, ref := range s.Images {
			if _, err := p.c.ImageRemove(ctx, ref, image.RemoveOptions{Force: true, PruneChildren: true}); err != nil {
				errs = append(errs, fmt.Errorf("remove %s: %w", ref, err))
			}
		}
	}
	if !found {
		return fmt.Errorf("snapshot %q: %w", tag, ErrNotFound)
	}
	return errors.Join(errs...)
}
