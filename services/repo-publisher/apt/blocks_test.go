package apt

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
	"ringmaster.dev/repo-publisher/repofile"
)

// countingCache counts compressions (Adds) through a real cache.
type countingCache struct {
	BlockCache
	mu   sync.Mutex
	adds int
}

func (c *countingCache) Add(k [32]byte, b []byte) {
	c.mu.Lock()
	c.adds++
	c.mu.Unlock()
	c.BlockCache.Add(k, b)
}

// Packages.xz of a large index is one stream of several blocks, .gz several
// concatenated members,
// that decompress to Packages; the bytes do not depend on the cache; adding
// one package compresses only its block again.
func TestBuildBlocks(t *testing.T) {
	key := testKey(t)
	var pkgs []Package
	for i := range 3000 {
		pkgs = append(pkgs, synthPackage(i, "amd64"))
	}
	s := Suite{Name: "debian-12-nightly", Architectures: []string{"amd64"}}
	plainOf := func(files []repofile.File) (plain, x, g []byte) {
		for _, f := range files {
			switch {
			case strings.Contains(f.Path, "by-hash"):
			case strings.HasSuffix(f.Path, "/Packages"):
				plain = f.Data
			case strings.HasSuffix(f.Path, "/Packages.xz"):
				x = f.Data
			case strings.HasSuffix(f.Path, "/Packages.gz"):
				g = f.Data
			}
		}
		return
	}
	cold, err := Build(s, pkgs, key, testNow)
	if err != nil {
		t.Fatal(err)
	}
	plain, x, g := plainOf(cold)
	_, blocks := renderPackages(mustSort(t, pkgs), "amd64")
	if len(blocks) < 4 {
		t.Fatalf("%d blocks for 3000 packages, want several", len(blocks))
	}
	if n := bytes.Count(x, xzMagic); n != 1 {
		t.Errorf("%d xz streams, want one (of %d blocks)", n, len(blocks))
	}
	xr, err := xz.NewReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(xr); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Packages.xz does not decompress to Packages (err %v)", err)
	}
	gr, err := gzip.NewReader(bytes.NewReader(g))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(gr); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Packages.gz does not decompress to Packages (err %v)", err)
	}

	cache := &countingCache{BlockCache: NewBlockCache(64 << 20)}
	warm, err := Build(s, pkgs, key, testNow, WithBlockCache(cache))
	if err != nil {
		t.Fatal(err)
	}
	if len(warm) != len(cold) {
		t.Fatal("file count differs with a cache")
	}
	for i := range cold {
		if signature(cold[i].Path) {
			continue
		}
		if cold[i].Path != warm[i].Path || !bytes.Equal(cold[i].Data, warm[i].Data) {
			t.Fatalf("%s differs with a cache", cold[i].Path)
		}
	}
	if cache.adds != 2*len(blocks) {
		t.Fatalf("cold build with a cache compressed %d blocks, want %d", cache.adds, 2*len(blocks))
	}
	cache.adds = 0
	more := append(pkgs, synthPackage(5000, "amd64"))
	again, err := Build(s, more, key, testNow, WithBlockCache(cache))
	if err != nil {
		t.Fatal(err)
	}
	if cache.adds > 2*2 {
		t.Fatalf("adding one package compressed %d blocks", cache.adds)
	}
	uncached, err := Build(s, more, key, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		if signature(again[i].Path) {
			continue
		}
		if !bytes.Equal(again[i].Data, uncached[i].Data) {
			t.Fatalf("%s differs with a cache after an add", again[i].Path)
		}
	}
}

func mustSort(t *testing.T, pkgs []Package) []sortedPackage {
	t.Helper()
	s, err := sortPackages(pkgs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signature: signatures are not byte-deterministic (see TestBuildDeterministic).
func signature(path string) bool {
	return strings.HasSuffix(path, "Release.gpg") || strings.HasSuffix(path, "InRelease")
}
