package mirror

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"ringmaster.dev/kit/signing"
	"ringmaster.dev/repo-publisher/apt"
	"ringmaster.dev/repo-publisher/repofile"
	"ringmaster.dev/repo-publisher/yum"
)

var testNow = time.Now().UTC().Truncate(time.Second)

var (
	keyOnce  sync.Once
	testKeys [2]*signing.Key
)

// keys returns the repository key and another key (generated once).
func keys(t testing.TB) (*signing.Key, *signing.Key) {
	keyOnce.Do(func() {
		for i := range testKeys {
			k, err := signing.Generate(fmt.Sprintf("Mirror Test %d", i), "t@example.org", testNow.Add(-time.Hour))
			if err != nil {
				panic(err)
			}
			testKeys[i] = k
		}
	})
	return testKeys[0], testKeys[1]
}

func keyring(t testing.TB, k *signing.Key) openpgp.EntityList {
	t.Helper()
	b, err := k.PublicArmored()
	if err != nil {
		t.Fatal(err)
	}
	kr, err := ParseKeyring(b)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func writeFile(t testing.TB, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// payload is deterministic pseudo-random package content.
func payload(i, size int) []byte {
	r := rand.New(rand.NewPCG(uint64(i), 42))
	b := make([]byte, size)
	for j := range b {
		b[j] = byte(r.UintN(256))
	}
	return b
}

// aptRepo writes a signed APT repository with n packages of size bytes
// under dir (the repository root) and returns the pool paths.
func aptRepo(t testing.TB, dir, suite string, n, size int) []string {
	t.Helper()
	key, _ := keys(t)
	var pkgs []apt.Package
	var paths []string
	for i := range n {
		name := fmt.Sprintf("ringtest%03d", i)
		ver := "1.0.0-1"
		data := payload(i, size+i)
		m, s1, s2 := md5.Sum(data), sha1.Sum(data), sha256.Sum256(data)
		fn := apt.PoolPath(name, ver, "amd64")
		writeFile(t, filepath.Join(dir, fn), data)
		paths = append(paths, fn)
		pkgs = append(pkgs, apt.Package{
			Name: name, Version: ver, Architecture: "amd64",
			Fields: []apt.Field{{Name: "Package", Value: name}, {Name: "Version", Value: ver}, {Name: "Architecture", Value: "amd64"},
				{Name: "Maintainer", Value: "T <t@example.org>"}, {Name: "Description", Value: "test\n long description"}},
			Size: int64(len(data)), MD5: hex.EncodeToString(m[:]), SHA1: hex.EncodeToString(s1[:]), SHA256: hex.EncodeToString(s2[:]),
			Filename: fn,
		})
	}
	files, err := apt.Build(apt.Suite{Name: suite, Architectures: []string{"amd64", "arm64"}}, pkgs, key, testNow)
	if err != nil {
		t.Fatal(err)
	}
	writeRepoFiles(t, dir, files)
	return paths
}

// yumRepo writes a signed YUM repository at dir/<repo>/ whose packages are
// in dir/pool/ (hrefs ../pool/…), as repo-publisher lays it out.
func yumRepo(t testing.TB, dir, repo string, n, size int) []string {
	t.Helper()
	key, _ := keys(t)
	var pkgs []yum.Package
	var paths []string
	for i := range n {
		name := fmt.Sprintf("ringtest%03d", i)
		data := payload(1000+i, size+i)
		s := sha256.Sum256(data)
		file := fmt.Sprintf("pool/r/%s/%s-1.0.0-1.x86_64.rpm", name, name)
		writeFile(t, filepath.Join(dir, file), data)
		paths = append(paths, file)
		pkgs = append(pkgs, yum.Package{Name: name, Arch: "x86_64", Epoch: "0", Version: "1.0.0", Release: "1",
			Checksum: hex.EncodeToString(s[:]), Href: "../" + file, Summary: "test", Description: "test",
			PackageSize: uint64(len(data)), FileTime: testNow.Unix(), BuildTime: testNow.Unix()})
	}
	files, err := yum.Build(pkgs, key, testNow)
	if err != nil {
		t.Fatal(err)
	}
	writeRepoFiles(t, filepath.Join(dir, repo), files)
	return paths
}

func writeRepoFiles(t testing.TB, dir string, files []repofile.File) {
	for _, f := range files {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(f.Path)), f.Data)
	}
}

// server serves dir over HTTP, counting requests and Range requests.
type server struct {
	*httptest.Server
	requests, ranges atomic.Int64
	delay            atomic.Int64 // nanoseconds per response, to make a sync slow
}

func serve(t testing.TB, dir string) *server {
	s := &server{}
	fs := http.FileServer(http.Dir(dir))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		if r.Header.Get("Range") != "" {
			s.ranges.Add(1)
		}
		if d := time.Duration(s.delay.Load()); d > 0 {
			time.Sleep(d)
		}
		fs.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func fileSum(t testing.TB, p string) string {
	t.Helper()
	s, _, err := fileSHA256(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
