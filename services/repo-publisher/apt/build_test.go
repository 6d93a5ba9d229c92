package apt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
	"pault.ag/go/debian/control"
	"ringmaster.dev/kit/signing"
	"ringmaster.dev/repo-publisher/repofile"
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func testKey(t testing.TB) *signing.Key {
	t.Helper()
	k, err := signing.Generate("Ringmaster Test Repository", "repo@ringmaster.dev", testNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// synthPackage is a Package as Inspect would return it, without a .deb.
func synthPackage(i int, arch string) Package {
	name := fmt.Sprintf("ring-synth%05d", i)
	ver := fmt.Sprintf("1.%d.%d-1", i%7, i)
	return Package{
		Name: name, Version: ver, Architecture: arch,
		Fields: []Field{
			{"Package", name}, {"Version", ver}, {"Architecture", arch},
			{"Maintainer", "Ringmaster Builders <builders@ringmaster.dev>"},
			{"Installed-Size", fmt.Sprint(100 + i%5000)},
			{"Depends", "libc6 (>= 2.36), libssl3 (>= 3.0.0)"},
			{"Section", "utils"}, {"Priority", "optional"},
			{"Homepage", "https://ringmaster.dev/"},
			{"Description", fmt.Sprintf("synthetic package %d\nA synthetic package that measures the APT\nindex builder.\n\nIt has %d lines.", i, 5)},
		},
		Size:     int64(1000 + i*37%100000),
		MD5:      hexOf("md5", i, 16),
		SHA1:     hexOf("sha1", i, 20),
		SHA256:   hexOf("sha256", i, 32),
		Filename: PoolPath(name, ver, arch),
	}
}

func hexOf(kind string, i, n int) string {
	s := sha256.Sum256(fmt.Appendf(nil, "%s-%d", kind, i))
	return hex.EncodeToString(s[:n])
}

func filesByPath(files []repofile.File) map[string]repofile.File {
	m := map[string]repofile.File{}
	for _, f := range files {
		m[f.Path] = f
	}
	return m
}

func decompress(t *testing.T, path string, data []byte) []byte {
	t.Helper()
	var r io.Reader
	var err error
	switch {
	case strings.HasSuffix(path, ".gz"):
		r, err = gzip.NewReader(bytes.NewReader(data))
	case strings.HasSuffix(path, ".xz"):
		r, err = xz.NewReader(bytes.NewReader(data))
	default:
		return data
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

func TestBuildLayout(t *testing.T) {
	ringtest, err := Inspect(makeDeb(t, "ringtest", "1.0", "all", "gzip"))
	if err != nil {
		t.Fatal(err)
	}
	pkgs := []Package{ringtest, synthPackage(1, "amd64"), synthPackage(2, "arm64"), synthPackage(3, "amd64")}
	s := Suite{Name: "debian-12-nightly", Codename: "bookworm", Architectures: []string{"arm64", "amd64"},
		Origin: "Ringmaster", Label: "Ringmaster nightly", Description: "Nightly builds", ValidFor: 7 * 24 * time.Hour}
	files, err := Build(s, pkgs, testKey(t), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(files, func(a, b repofile.File) int { return int(a.Stage) - int(b.Stage) }) {
		t.Error("files are not in stage order")
	}
	byPath := filesByPath(files)
	if len(byPath) != len(files) {
		t.Error("duplicate paths")
	}
	dists := "dists/debian-12-nightly/"
	release := string(byPath[dists+"Release"].Data)
	for _, want := range []string{
		"Origin: Ringmaster\n", "Label: Ringmaster nightly\n", "Suite: debian-12-nightly\n", "Codename: bookworm\n",
		"Date: Sun, 01 Jun 2025 12:00:00 UTC\n", "Valid-Until: Sun, 08 Jun 2025 12:00:00 UTC\n",
		"Architectures: amd64 arm64\n", "Components: main\n", "Description: Nightly builds\n", "Acquire-By-Hash: yes\n", "\nSHA256:\n",
	} {
		if !strings.Contains(release, want) {
			t.Errorf("Release lacks %q:\n%s", want, release)
		}
	}
	if strings.Contains(release, "MD5Sum:") || strings.Contains(release, "SHA1:") {
		t.Error("Release lists MD5Sum or SHA1 hashes, which have no by-hash copies")
	}
	for _, f := range []struct {
		path  string
		stage repofile.Stage
	}{{"Release", repofile.Release}, {"Release.gpg", repofile.Release}, {"InRelease", repofile.Top}} {
		if got := byPath[dists+f.path]; got.Stage != f.stage || len(got.Data) == 0 {
			t.Errorf("%s: stage %v, %d bytes", f.path, got.Stage, len(got.Data))
		}
	}
	if !bytes.Contains(byPath[dists+"InRelease"].Data, []byte(release)) {
		t.Error("InRelease does not hold the Release text")
	}
	if !bytes.HasPrefix(byPath[dists+"Release.gpg"].Data, []byte("-----BEGIN PGP SIGNATURE-----")) {
		t.Error("Release.gpg is not armored")
	}

	// Every index file Release lists exists, with that size and hash, under
	// its name and under by-hash/SHA256.
	_, list, _ := strings.Cut(release, "\nSHA256:\n")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 6 {
		t.Fatalf("Release lists %d files, want 6", len(lines))
	}
	for _, line := range lines {
		var sum, path string
		var size int
		if _, err := fmt.Sscan(line, &sum, &size, &path); err != nil {
			t.Fatalf("Release line %q: %v", line, err)
		}
		plain, ok := byPath[dists+path]
		if !ok || plain.Stage != repofile.Index || len(plain.Data) != size {
			t.Fatalf("%s: missing, wrong stage or size (%v, %d)", path, plain.Stage, len(plain.Data))
		}
		got := sha256.Sum256(plain.Data)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s: sha256 mismatch", path)
		}
		dir := path[:strings.LastIndex(path, "/")+1]
		bh, ok := byPath[dists+dir+"by-hash/SHA256/"+sum]
		if !ok || bh.Stage != repofile.ByHash || !bytes.Equal(bh.Data, plain.Data) {
			t.Errorf("%s: by-hash copy missing or different", path)
		}
		if plain.ContentType == "" {
			t.Errorf("%s: no content type", path)
		}
	}

	for arch, want := range map[string][]string{
		"amd64": {"ring-synth00001", "ring-synth00003", "ringtest"},
		"arm64": {"ring-synth00002", "ringtest"},
	} {
		dir := dists + "main/binary-" + arch + "/"
		plain := byPath[dir+"Packages"].Data
		for _, ext := range []string{".gz", ".xz"} {
			if got := decompress(t, ext, byPath[dir+"Packages"+ext].Data); !bytes.Equal(got, plain) {
				t.Errorf("%s: Packages%s does not decompress to Packages", arch, ext)
			}
		}
		pr, err := control.NewParagraphReader(bytes.NewReader(plain), nil)
		if err != nil {
			t.Fatal(err)
		}
		paras, err := pr.All()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range paras {
			names = append(names, p.Values["Package"])
			for _, f := range []string{"Version", "Architecture", "Filename", "Size", "MD5sum", "SHA1", "SHA256", "Description", "Maintainer"} {
				if p.Values[f] == "" {
					t.Errorf("%s: stanza %s lacks %s", arch, p.Values["Package"], f)
				}
			}
			if p.Values["Package"] == "ringtest" {
				if p.Values["Filename"] != ringtest.Filename || p.Values["SHA256"] != ringtest.SHA256 || p.Values["Size"] != fmt.Sprint(ringtest.Size) {
					t.Errorf("ringtest stanza: %v", p.Values)
				}
				desc, _ := ringtest.Field("Description")
				if strings.TrimRight(p.Values["Description"], "\n") != desc {
					t.Errorf("Description round trip: %q, want %q", p.Values["Description"], desc)
				}
			}
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s Packages = %v, want %v", arch, names, want)
		}
	}
}

func TestBuildDeterministic(t *testing.T) {
	var pkgs []Package
	for i := range 50 {
		pkgs = append(pkgs, synthPackage(i, []string{"amd64", "arm64", "all"}[i%3]))
	}
	s := Suite{Name: "debian-12-nightly", Architectures: []string{"amd64", "arm64"}}
	key := testKey(t)
	a, err := Build(s, pkgs, key, testNow)
	if err != nil {
		t.Fatal(err)
	}
	shuffled := slices.Clone(pkgs)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	shuffled = append(shuffled, pkgs[7]) // an exact duplicate is kept once
	s.Architectures = []string{"arm64", "amd64"}
	b, err := Build(s, shuffled, key, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Path != b[i].Path {
			t.Fatalf("file %d: %s, then %s", i, a[i].Path, b[i].Path)
		}
		if strings.HasSuffix(a[i].Path, "Release.gpg") || strings.HasSuffix(a[i].Path, "InRelease") {
			continue
		}
		if !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s differs between runs", a[i].Path)
		}
	}
}

func TestBuildVersionOrder(t *testing.T) {
	var pkgs []Package
	for _, v := range []string{"1:0.1", "1.10", "1.9", "1.9~rc1", "1.9-1"} {
		p := synthPackage(1, "amd64")
		p.Name, p.Version, p.Filename = "ringtest", v, PoolPath("ringtest", v, "amd64")
		pkgs = append(pkgs, p)
	}
	b := synthPackage(2, "amd64")
	b.Name = "aaa"
	pkgs = append(pkgs, b)
	files, err := Build(Suite{Name: "s", Architectures: []string{"amd64"}}, pkgs, testKey(t), testNow)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(string(filesByPath(files)["dists/s/main/binary-amd64/Packages"].Data), "\n") {
		if v, ok := strings.CutPrefix(line, "Version: "); ok {
			got = append(got, v)
		}
	}
	want := []string{b.Version, "1.9~rc1", "1.9", "1.9-1", "1.10", "1:0.1"}
	if !slices.Equal(got, want) {
		t.Errorf("versions in Packages = %v, want %v", got, want)
	}
}

func TestAppendField(t *testing.T) {
	for _, c := range []struct{ name, value, want string }{
		{"Package", "ringtest", "Package: ringtest\n"},
		{"Description", "short\nlong line\n\n  indented\n", "Description: short\n long line\n .\n   indented\n"},
		{"Conffiles", "\n/etc/a 0123", "Conffiles:\n /etc/a 0123\n"},
		{"Empty", "", "Empty:\n"},
	} {
		if got := string(appendField(nil, c.name, c.value)); got != c.want {
			t.Errorf("appendField(%q, %q) = %q, want %q", c.name, c.value, got, c.want)
		}
	}
}

type failingSigner struct{}

func (failingSigner) ClearSign([]byte, time.Time) ([]byte, error)  { return nil, errors.New("no key") }
func (failingSigner) DetachSign([]byte, time.Time) ([]byte, error) { return nil, errors.New("no key") }

func TestBuildErrors(t *testing.T) {
	key := testKey(t)
	good := Suite{Name: "debian-12-nightly", Architectures: []string{"amd64"}}
	p := synthPackage(1, "amd64")
	with := func(f func(*Package)) []Package {
		q := p
		q.Fields = slices.Clone(p.Fields)
		f(&q)
		return []Package{q}
	}
	for _, c := range []struct {
		name   string
		suite  Suite
		pkgs   []Package
		signer Signer
		want   error
	}{
		{"no suite name", Suite{Architectures: []string{"amd64"}}, nil, key, ErrInvalidSuite},
		{"suite name with slash", Suite{Name: "a/b", Architectures: []string{"amd64"}}, nil, key, ErrInvalidSuite},
		{"no architectures", Suite{Name: "s"}, nil, key, ErrInvalidSuite},
		{"architecture all", Suite{Name: "s", Architectures: []string{"all"}}, nil, key, ErrInvalidSuite},
		{"architecture twice", Suite{Name: "s", Architectures: []string{"amd64", "amd64"}}, nil, key, ErrInvalidSuite},
		{"label with newline", Suite{Name: "s", Architectures: []string{"amd64"}, Label: "a\nSHA256:"}, nil, key, ErrInvalidSuite},
		{"nil signer", good, nil, nil, ErrSign},
		{"failing signer", good, nil, failingSigner{}, ErrSign},
		{"architecture not in suite", good, []Package{synthPackage(1, "arm64")}, key, ErrInvalidPackage},
		{"bad sha256", good, with(func(q *Package) { q.SHA256 = "xyz" }), key, ErrInvalidPackage},
		{"no filename", good, with(func(q *Package) { q.Filename = "" }), key, ErrInvalidPackage},
		{"filename escapes", good, with(func(q *Package) { q.Filename = "../x.deb" }), key, ErrInvalidPackage},
		{"bad field name", good, with(func(q *Package) { q.Fields = append(q.Fields, Field{"Bad: Name", "x"}) }), key, ErrInvalidPackage},
		{"bad version", good, with(func(q *Package) { q.Version = "v1" }), key, ErrInvalidPackage},
		{"no size", good, with(func(q *Package) { q.Size = 0 }), key, ErrInvalidPackage},
		{"conflict", good, append(with(func(q *Package) { q.SHA256 = hexOf("other", 1, 32) }), p), key, ErrConflict},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Build(c.suite, c.pkgs, c.signer, testNow)
			if !errors.Is(err, c.want) {
				t.Fatalf("Build error = %v, want %v", err, c.want)
			}
		})
	}
}

func TestBuildEmptySuite(t *testing.T) {
	files, err := Build(Suite{Name: "s", Architectures: []string{"amd64"}}, nil, testKey(t), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if f := filesByPath(files)["dists/s/main/binary-amd64/Packages"]; f.Path == "" || len(f.Data) != 0 {
		t.Errorf("empty suite: Packages = %q", f.Data)
	}
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
