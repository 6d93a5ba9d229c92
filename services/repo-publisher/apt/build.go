package apt

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"ringmaster.dev/repo-publisher/repofile"
)

// Signer signs Release: ClearSign makes InRelease, DetachSign the armored
// Release.gpg. *signing.Key (ringmaster.dev/kit/signing) implements it.
type Signer interface {
	ClearSign(data []byte, now time.Time) ([]byte, error)
	DetachSign(data []byte, now time.Time) ([]byte, error)
}

// Content types of the files Build returns.
const (
	TypeText      = "text/plain; charset=utf-8"
	TypeGzip      = "application/gzip"
	TypeXz        = "application/x-xz"
	TypeSignature = "application/pgp-signature"
)

// Build renders suite s's index for pkgs and signs it, dated now. For each
// architecture it returns dists/<suite>/<component>/binary-<arch>/Packages,
// Packages.gz and Packages.xz (repofile.Index) and their
// by-hash/SHA256/<hex> copies (repofile.ByHash); then Release and Release.gpg
// (repofile.Release) and InRelease (repofile.Top), sorted by stage and path.
// Architecture: all packages are in every architecture's Packages. The same
// suite, packages and now give the same index bytes whatever the order of
// pkgs. Pool files are not returned: upload each .deb at its Filename.
func Build(s Suite, pkgs []Package, signer Signer, now time.Time, opts ...Option) ([]repofile.File, error) {
	var o buildOptions
	for _, opt := range opts {
		opt(&o)
	}
	s, err := s.normalized()
	if err != nil {
		return nil, err
	}
	if signer == nil {
		return nil, fmt.Errorf("%w: no signer", ErrSign)
	}
	sorted, err := sortPackages(pkgs)
	if err != nil {
		return nil, err
	}
	for _, p := range sorted {
		if p.Architecture != "all" && !slices.Contains(s.Architectures, p.Architecture) {
			return nil, fmt.Errorf("%w: %s %s is for architecture %s, which suite %s does not list (%v)",
				ErrInvalidPackage, p.Name, p.Version, p.Architecture, s.Name, s.Architectures)
		}
	}

	indexes, err := buildIndexes(s, sorted, o.cache)
	if err != nil {
		return nil, err
	}
	dists := "dists/" + s.Name + "/"
	var files []repofile.File
	var entries []indexEntry
	for _, ix := range indexes {
		sum := sha256.Sum256(ix.data)
		hexSum := hex.EncodeToString(sum[:])
		entries = append(entries, indexEntry{path: ix.path, size: len(ix.data), sha256: hexSum})
		files = append(files,
			repofile.File{Path: dists + ix.path, Data: ix.data, Stage: repofile.Index, ContentType: ix.contentType, SHA256: hexSum},
			repofile.File{Path: dists + byHashPath(ix.path, hexSum), Data: ix.data, Stage: repofile.ByHash, ContentType: ix.contentType, SHA256: hexSum},
		)
	}
	slices.SortFunc(entries, func(a, b indexEntry) int { return cmp.Compare(a.path, b.path) })

	release := releaseText(s, entries, now)
	detached, err := signer.DetachSign(release, now)
	if err != nil {
		return nil, fmt.Errorf("%w: Release.gpg: %w", ErrSign, err)
	}
	inRelease, err := signer.ClearSign(release, now)
	if err != nil {
		return nil, fmt.Errorf("%w: InRelease: %w", ErrSign, err)
	}
	files = append(files,
		repofile.File{Path: dists + "Release", Data: release, Stage: repofile.Release, ContentType: TypeText},
		repofile.File{Path: dists + "Release.gpg", Data: detached, Stage: repofile.Release, ContentType: TypeSignature},
		repofile.File{Path: dists + "InRelease", Data: inRelease, Stage: repofile.Top, ContentType: TypeText},
	)
	slices.SortFunc(files, func(a, b repofile.File) int {
		return cmp.Or(cmp.Compare(a.Stage, b.Stage), cmp.Compare(a.Path, b.Path))
	})
	return files, nil
}

// byHashPath turns main/binary-amd64/Packages.xz into
// main/binary-amd64/by-hash/SHA256/<hex>: apt looks for the copy next to the
// file, named by the hash Release lists.
func byHashPath(indexPath, hexSum string) string {
	dir := indexPath[:len(indexPath)-len(baseName(indexPath))]
	return dir + "by-hash/SHA256/" + hexSum
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// index is one index file, by its path under dists/<suite>/.
type index struct {
	path        string
	data        []byte
	contentType string
}

// buildIndexes renders each architecture's Packages and compresses it to
// .gz and .xz block by block (see blocks.go), compressing the blocks not in
// cache concurrently (up to GOMAXPROCS): xz is most of Build's time.
func buildIndexes(s Suite, sorted []sortedPackage, cache BlockCache) ([]index, error) {
	type compression struct {
		name, ext, contentType string
		compress               func([]byte) ([]byte, error)
	}
	comps := []compression{{"xz", ".xz", TypeXz, xzBytes}, {"gzip", ".gz", TypeGzip, gzipBytes}}
	type job struct {
		c     int
		plain []byte
		key   [32]byte
		out   []byte
		err   error
	}
	out := make([]index, 0, 3*len(s.Architectures))
	var parts [][][]*job // [arch][compression][block]
	var jobs []*job
	for _, arch := range s.Architectures {
		dir := s.Component + "/binary-" + arch + "/"
		plain, blocks := renderPackages(sorted, arch)
		out = append(out, index{path: dir + "Packages", data: plain, contentType: TypeText})
		var archParts [][]*job
		for ci, c := range comps {
			var js []*job
			for _, b := range blocks {
				j := &job{c: ci, plain: b}
				if cache != nil {
					j.key = blockKey(c.name, b)
					if data, ok := cache.Get(j.key); ok {
						j.out = data
						js = append(js, j)
						continue
					}
				}
				js = append(js, j)
				jobs = append(jobs, j)
			}
			archParts = append(archParts, js)
		}
		parts = append(parts, archParts)
	}
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for _, j := range jobs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			j.out, j.err = comps[j.c].compress(j.plain)
			if j.err == nil && cache != nil {
				cache.Add(j.key, j.out)
			}
		})
	}
	wg.Wait()
	for ai, arch := range s.Architectures {
		dir := s.Component + "/binary-" + arch + "/"
		for ci, c := range comps {
			n := 0
			for _, j := range parts[ai][ci] {
				if j.err != nil {
					return nil, fmt.Errorf("compress %s%s: %w", dir+"Packages", c.ext, j.err)
				}
				n += len(j.out)
			}
			data := make([]byte, 0, n)
			if c.name == "xz" {
				streams := make([][]byte, len(parts[ai][ci]))
				for k, j := range parts[ai][ci] {
					streams[k] = j.out
				}
				var err error
				if data, err = xzJoin(streams); err != nil {
					return nil, fmt.Errorf("compress %s%s: %w", dir+"Packages", c.ext, err)
				}
			} else {
				for _, j := range parts[ai][ci] {
					data = append(data, j.out...)
				}
			}
			if len(parts[ai][ci]) == 0 {
				// An empty Packages: one empty stream, as before.
				empty, err := c.compress(nil)
				if err != nil {
					return nil, fmt.Errorf("compress %s%s: %w", dir+"Packages", c.ext, err)
				}
				data = empty
			}
			out = append(out, index{path: dir + "Packages" + c.ext, data: data, contentType: c.contentType})
		}
	}
	return out, nil
}

// renderPackages is arch's Packages file: the stanzas of arch's and
// Architecture: all packages, in sorted order, each ended by a blank line;
// and the file cut into blocks (see cutBefore).
func renderPackages(sorted []sortedPackage, arch string) ([]byte, [][]byte) {
	b := make([]byte, 0, 640*len(sorted))
	var cuts []int
	prev := ""
	for _, p := range sorted {
		if p.Architecture == arch || p.Architecture == "all" {
			if len(b) > 0 && cutBefore(p.Name, prev) {
				cuts = append(cuts, len(b))
			}
			prev = p.Name
			b = appendStanza(b, p.Package)
			b = append(b, '\n')
		}
	}
	var blocks [][]byte
	start := 0
	for _, c := range cuts {
		blocks = append(blocks, b[start:c:c])
		start = c
	}
	if start < len(b) {
		blocks = append(blocks, b[start:len(b):len(b)])
	}
	return b, blocks
}
