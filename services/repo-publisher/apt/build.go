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
func Build(s Suite, pkgs []Package, signer Signer, now time.Time) ([]repofile.File, error) {
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

	indexes, err := buildIndexes(s, sorted)
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
			repofile.File{Path: dists + ix.path, Data: ix.data, Stage: repofile.Index, ContentType: ix.contentType},
			repofile.File{Path: dists + byHashPath(ix.path, hexSum), Data: ix.data, Stage: repofile.ByHash, ContentType: ix.contentType},
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
// .gz and .xz, running the compressions concurrently (up to GOMAXPROCS):
// xz is most of Build's time.
func buildIndexes(s Suite, sorted []sortedPackage) ([]index, error) {
	out := make([]index, 3*len(s.Architectures))
	errs := make([]error, len(out))
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for i, arch := range s.Architectures {
		dir := s.Component + "/binary-" + arch + "/"
		plain := renderPackages(sorted, arch)
		out[3*i] = index{path: dir + "Packages", data: plain, contentType: TypeText}
		for j, c := range []struct {
			ext, contentType string
			compress         func([]byte) ([]byte, error)
		}{{".xz", TypeXz, xzBytes}, {".gz", TypeGzip, gzipBytes}} {
			k := 3*i + 1 + j
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				data, err := c.compress(plain)
				out[k] = index{path: dir + "Packages" + c.ext, data: data, contentType: c.contentType}
				if err != nil {
					errs[k] = fmt.Errorf("compress %s%s: %w", dir+"Packages", c.ext, err)
				}
			})
		}
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// renderPackages is arch's Packages file: the stanzas of arch's and
// Architecture: all packages, in sorted order, each ended by a blank line.
func renderPackages(sorted []sortedPackage, arch string) []byte {
	b := make([]byte, 0, 640*len(sorted))
	for _, p := range sorted {
		if p.Architecture == arch || p.Architecture == "all" {
			b = appendStanza(b, p.Package)
			b = append(b, '\n')
		}
	}
	return b
}
