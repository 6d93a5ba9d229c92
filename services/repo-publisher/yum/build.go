package yum

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	rpmutils "github.com/sassoftware/go-rpmutils"

	"ringmaster.dev/repo-publisher/repofile"
)

// Signer makes the armored detached signature of repomd.xml
// (*signing.Key satisfies it).
type Signer interface {
	DetachSign(data []byte, now time.Time) ([]byte, error)
}

// Paths of the fixed-name files, relative to the repository root.
const (
	RepomdPath    = "repodata/repomd.xml"
	RepomdSigPath = "repodata/repomd.xml.asc"
)

// ErrNoSigner is returned by Build without a Signer: the repositories
// Ringmaster publishes are always signed.
var ErrNoSigner = errors.New("yum: no signer for repomd.xml")

// Build writes the repository metadata for pkgs: three content-addressed,
// gzip-compressed indexes (stage ByHash), repomd.xml.asc (stage Release) and
// repomd.xml (stage Top). Paths are relative to the repository root. The
// output depends only on the packages (in any order) and now.
func Build(pkgs []Package, signer Signer, now time.Time) ([]repofile.File, error) {
	if signer == nil {
		return nil, ErrNoSigner
	}
	sorted := sortPackages(pkgs)

	docs := [...]*indexFile{
		{kind: "primary", gen: primaryXML},
		{kind: "filelists", gen: filelistsXML},
		{kind: "other", gen: otherXML},
	}
	var wg sync.WaitGroup
	for _, d := range docs {
		wg.Go(func() { d.build(sorted) })
	}
	wg.Wait()
	for _, d := range docs {
		if d.err != nil {
			return nil, fmt.Errorf("yum: compress %s.xml: %w", d.kind, d.err)
		}
	}

	repomd := repomdXML(docs[:], now.Unix())
	sig, err := signer.DetachSign(repomd, now)
	if err != nil {
		return nil, fmt.Errorf("yum: sign repomd.xml: %w", err)
	}
	files := make([]repofile.File, 0, len(docs)+2)
	for _, d := range docs {
		files = append(files, repofile.File{
			Path: d.path(), Data: d.gz, Stage: repofile.ByHash, ContentType: "application/gzip",
		})
	}
	return append(files,
		repofile.File{Path: RepomdSigPath, Data: sig, Stage: repofile.Release, ContentType: "application/pgp-signature"},
		repofile.File{Path: RepomdPath, Data: repomd, Stage: repofile.Top, ContentType: "application/xml"},
	), nil
}

// sortPackages orders by name, arch, EVR (rpm order), href, pkgid, so the
// indexes do not depend on the order packages were found in.
func sortPackages(pkgs []Package) []*Package {
	out := make([]*Package, len(pkgs))
	for i := range pkgs {
		out[i] = &pkgs[i]
	}
	slices.SortStableFunc(out, func(a, b *Package) int {
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Arch, b.Arch); c != 0 {
			return c
		}
		if c := compareEVR(a, b); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Href, b.Href); c != 0 {
			return c
		}
		return cmp.Compare(a.Checksum, b.Checksum)
	})
	return out
}

func compareEVR(a, b *Package) int {
	if a.Epoch != b.Epoch {
		if c := rpmutils.Vercmp(a.Epoch, b.Epoch); c != 0 {
			return c
		}
	}
	if a.Version != b.Version {
		if c := rpmutils.Vercmp(a.Version, b.Version); c != 0 {
			return c
		}
	}
	if a.Release != b.Release {
		return rpmutils.Vercmp(a.Release, b.Release)
	}
	return 0
}

// indexFile is one of primary, filelists, other: its XML and gzip form.
type indexFile struct {
	kind string
	gen  func([]*Package) []byte

	openSize int
	openSum  string
	gz       []byte
	gzSum    string
	err      error
}

func (d *indexFile) build(pkgs []*Package) {
	x := d.gen(pkgs)
	d.openSize = len(x)
	s := sha256.Sum256(x)
	d.openSum = hex.EncodeToString(s[:])
	d.gz, d.err = gzipBytes(x)
	s = sha256.Sum256(d.gz)
	d.gzSum = hex.EncodeToString(s[:])
}

func (d *indexFile) path() string {
	return "repodata/" + d.gzSum + "-" + d.kind + ".xml.gz"
}
