package repository

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"pault.ag/go/debian/control"
	"ringmaster.dev/kit/blob"
)

// ErrNotPublished is a channel with nothing for a distro: no Release.
var ErrNotPublished = errors.New("not published")

// Reader is the part of the blob store reading a repository needs.
type Reader interface {
	Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error)
}

// Package is one binary package a suite lists.
type Package struct {
	Name, Version, Architecture string
	// Filename is the pool path, relative to AptRoot.
	Filename string
}

// release is the part of a suite's Release file that says which indexes it has.
type release struct {
	control.Paragraph
	Architectures []string `delim:" "`
	Components    []string `delim:" "`
}

// Packages lists what the APT suite of distro in channel publishes, read from
// its Release and Packages indexes as apt-get reads them (an architecture
// "all" package once), sorted by name, version and architecture. A suite
// never published is ErrNotPublished.
func Packages(ctx context.Context, store Reader, distro, channel string) ([]Package, error) {
	dists := Dists(distro, channel)
	var rel release
	if err := unmarshal(ctx, store, dists+"Release", &rel); err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return nil, fmt.Errorf("%w: channel %s has no suite for %s", ErrNotPublished, channel, distro)
		}
		return nil, err
	}
	seen := map[Package]bool{}
	var out []Package
	for _, comp := range rel.Components {
		for _, arch := range rel.Architectures {
			var idx []control.BinaryIndex
			key := dists + comp + "/binary-" + arch + "/Packages"
			if err := unmarshal(ctx, store, key, &idx); err != nil {
				return nil, err
			}
			for _, p := range idx {
				pkg := Package{Name: p.Package, Version: p.Values["Version"], Architecture: p.Values["Architecture"], Filename: p.Filename}
				if !seen[pkg] {
					seen[pkg] = true
					out = append(out, pkg)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Package) int {
		return strings.Compare(a.Name+"\x00"+a.Version+"\x00"+a.Architecture, b.Name+"\x00"+b.Version+"\x00"+b.Architecture)
	})
	return out, nil
}

func unmarshal(ctx context.Context, store Reader, key string, into any) error {
	rc, _, err := store.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	defer rc.Close()
	if err := control.Unmarshal(into, bufio.NewReader(rc)); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}
