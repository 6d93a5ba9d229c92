package mirror

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const suite = "debian-12-nightly"

// recordingDest records the order of commits.
type recordingDest struct {
	Dest
	mu    sync.Mutex
	order []string
}

func (r *recordingDest) Commit(ctx context.Context, key, src, sum string, size int64, move bool) error {
	r.mu.Lock()
	r.order = append(r.order, key)
	r.mu.Unlock()
	return r.Dest.Commit(ctx, key, src, sum, size, move)
}

func syncTo(t *testing.T, src, dst string, format string, mutate ...func(*Options)) (Result, error) {
	t.Helper()
	d, err := NewLocalDest(dst)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := keys(t)
	opt := Options{Source: src, Dest: d, Format: format, Keyring: keyring(t, key), Parallel: 4}
	if format == APT {
		opt.Suites = []string{suite}
	}
	for _, m := range mutate {
		m(&opt)
	}
	return Sync(context.Background(), opt)
}

func TestSyncAPT(t *testing.T) {
	repo := t.TempDir()
	pool := aptRepo(t, repo, suite, 5, 3000)
	srv := serve(t, repo)
	dst := t.TempDir()
	d, _ := NewLocalDest(dst)
	rec := &recordingDest{Dest: d}
	key, _ := keys(t)
	var progress bytes.Buffer
	res, err := Sync(context.Background(), Options{Source: srv.URL, Dest: rec, Suites: []string{suite}, Keyring: keyring(t, key), Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != APT || res.Fetched != res.Files || res.Skipped != 0 || res.Bytes == 0 {
		t.Fatalf("%+v", res)
	}
	// 5 debs, 2 arches × 3 Packages × (plain + by-hash), Release, Release.gpg, InRelease.
	if res.Files != 5+12+3 {
		t.Fatalf("files %d: %v", res.Files, rec.order)
	}
	for _, p := range append(pool, "dists/"+suite+"/InRelease", "dists/"+suite+"/Release.gpg", "dists/"+suite+"/main/binary-arm64/Packages.xz") {
		if fileSum(t, filepath.Join(repo, p)) != fileSum(t, filepath.Join(dst, p)) {
			t.Fatalf("%s differs", p)
		}
	}
	byHash, _ := filepath.Glob(filepath.Join(dst, "dists", suite, "main", "binary-amd64", "by-hash", "SHA256", "*"))
	if len(byHash) != 3 {
		t.Fatalf("by-hash: %v", byHash)
	}
	// Reader-safe order: pool, by-hash, plain indexes, Release, InRelease;
	// then the mirror's own record of what it wrote.
	rank := func(k string) int {
		switch {
		case strings.HasPrefix(k, stateDir+"/"):
			return 5
		case strings.HasPrefix(k, "pool/"):
			return 0
		case strings.Contains(k, "/by-hash/"):
			return 1
		case strings.HasSuffix(k, "/InRelease"):
			return 4
		case strings.HasSuffix(k, "/Release") || strings.HasSuffix(k, "/Release.gpg"):
			return 3
		}
		return 2
	}
	if !slices.IsSortedFunc(rec.order, func(a, b string) int { return rank(a) - rank(b) }) {
		t.Fatalf("write order: %v", rec.order)
	}
	if !strings.Contains(progress.String(), "20/20 files") {
		t.Fatalf("progress: %q", progress.String())
	}
	if _, err := os.Stat(filepath.Join(dst, partialDirName)); !os.IsNotExist(err) {
		t.Fatalf(".partial left behind: %v", err)
	}

	// A second run fetches nothing and downloads no package.
	before := srv.requests.Load()
	res, err = syncTo(t, srv.URL, dst, APT)
	if err != nil || res.Fetched != 0 || res.Skipped != 20 || res.Bytes != 0 {
		t.Fatalf("second run: %v %+v", err, res)
	}
	if n := srv.requests.Load() - before; n != 3 { // InRelease, Release, Release.gpg
		t.Fatalf("second run made %d requests", n)
	}

	// A damaged file in the mirror is replaced.
	writeFile(t, filepath.Join(dst, pool[2]), []byte("bit rot"))
	res, err = syncTo(t, srv.URL, dst, APT)
	if err != nil || res.Fetched != 1 || fileSum(t, filepath.Join(dst, pool[2])) != fileSum(t, filepath.Join(repo, pool[2])) {
		t.Fatalf("repair: %v %+v", err, res)
	}
}

func TestSyncYUM(t *testing.T) {
	root := t.TempDir()
	pool := yumRepo(t, filepath.Join(root, "repos", "yum"), "rockylinux-9-nightly", 4, 2000)
	srv := serve(t, root)
	dst := t.TempDir()
	res, err := syncTo(t, srv.URL+"/repos/yum/rockylinux-9-nightly", dst, "")
	if err != nil {
		t.Fatal(err)
	}
	// 4 rpms, 3 data files, repomd.xml, repomd.xml.asc; the pool keeps
	// its place beside the repository so ../pool hrefs work in the mirror.
	if res.Format != YUM || res.RepoPath != "rockylinux-9-nightly" || res.Files != 9 || res.Fetched != 9 {
		t.Fatalf("%+v", res)
	}
	for _, p := range pool {
		if fileSum(t, filepath.Join(root, "repos", "yum", p)) != fileSum(t, filepath.Join(dst, p)) {
			t.Fatalf("%s differs", p)
		}
	}
	if _, err := os.Stat(filepath.Join(dst, "rockylinux-9-nightly", "repodata", "repomd.xml.asc")); err != nil {
		t.Fatal(err)
	}
	before := srv.requests.Load()
	res, err = syncTo(t, srv.URL+"/repos/yum/rockylinux-9-nightly/", dst, YUM)
	if err != nil || res.Fetched != 0 || res.Skipped != 9 || srv.requests.Load()-before != 2 {
		t.Fatalf("second run: %v %+v (%d requests)", err, res, srv.requests.Load()-before)
	}
	// The mirror is itself a repository: mirroring it gives the same files.
	again := t.TempDir()
	msrv := serve(t, dst)
	if res, err := syncTo(t, msrv.URL+"/rockylinux-9-nightly", again, ""); err != nil || res.Files != 9 {
		t.Fatalf("mirror of the mirror: %v %+v", err, res)
	}
}

func TestSyncRefusesTampering(t *testing.T) {
	setup := func(t *testing.T) (string, []string) {
		repo := t.TempDir()
		return repo, aptRepo(t, repo, suite, 3, 1000)
	}
	cases := map[string]struct {
		tamper func(t *testing.T, repo string, pool []string)
		want   []string
		absent func(repo string, pool []string) []string // must not exist in the mirror
	}{
		"package": {
			tamper: func(t *testing.T, repo string, pool []string) {
				writeFile(t, filepath.Join(repo, pool[1]), payload(99, 1001))
			},
			want:   []string{"sha256 mismatch", "expected ", "got "},
			absent: func(_ string, pool []string) []string { return []string{pool[1], "dists/" + suite + "/InRelease"} },
		},
		"by-hash Packages": {
			tamper: func(t *testing.T, repo string, pool []string) {
				dir := filepath.Join(repo, "dists", suite, "main", "binary-amd64")
				plain, _ := os.ReadFile(filepath.Join(dir, "Packages"))
				files, _ := filepath.Glob(filepath.Join(dir, "by-hash", "SHA256", "*"))
				for _, f := range files {
					if b, _ := os.ReadFile(f); bytes.Equal(b, plain) {
						writeFile(t, f, bytes.Replace(plain, []byte("Size: 1000"), []byte("Size: 1001"), 1))
						return
					}
				}
				t.Fatal("no by-hash Packages")
			},
			want: []string{"main/binary-amd64/by-hash/SHA256/", "sha256 mismatch"},
			absent: func(string, []string) []string {
				return []string{"dists/" + suite + "/main/binary-amd64/Packages", "dists/" + suite + "/InRelease"}
			},
		},
		"InRelease": {
			tamper: func(t *testing.T, repo string, pool []string) {
				p := filepath.Join(repo, "dists", suite, "InRelease")
				b, _ := os.ReadFile(p)
				writeFile(t, p, bytes.Replace(b, []byte("Suite: "+suite), []byte("Suite: "+suite+"x"), 1))
			},
			want:   []string{"InRelease", "bad signature"},
			absent: func(_ string, pool []string) []string { return []string{pool[0], "dists"} },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			repo, pool := setup(t)
			tc.tamper(t, repo, pool)
			srv := serve(t, repo)
			dst := t.TempDir()
			_, err := syncTo(t, srv.URL, dst, APT)
			if err == nil || !errors.Is(err, ErrVerify) {
				t.Fatalf("tampered %s accepted: %v", name, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q lacks %q", err, w)
				}
			}
			for _, p := range tc.absent(repo, pool) {
				if _, err := os.Stat(filepath.Join(dst, p)); !os.IsNotExist(err) {
					t.Fatalf("%s is in the mirror after a failed verification", p)
				}
			}
		})
	}
	t.Run("wrong key", func(t *testing.T) {
		repo, _ := setup(t)
		srv := serve(t, repo)
		_, other := keys(t)
		_, err := syncTo(t, srv.URL, t.TempDir(), APT, func(o *Options) { o.Keyring = keyring(t, other) })
		if err == nil || !strings.Contains(err.Error(), "bad signature") {
			t.Fatalf("wrong key: %v", err)
		}
	})
	t.Run("yum primary", func(t *testing.T) {
		root := t.TempDir()
		yumRepo(t, root, "el", 2, 500)
		files, _ := filepath.Glob(filepath.Join(root, "el", "repodata", "*-primary.xml.gz"))
		writeFile(t, files[0], []byte("not gzip"))
		srv := serve(t, root)
		dst := t.TempDir()
		_, err := syncTo(t, srv.URL+"/el", dst, YUM)
		if err == nil || !strings.Contains(err.Error(), "primary.xml.gz: sha256 mismatch") {
			t.Fatalf("tampered primary: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dst, "el")); !os.IsNotExist(err) {
			t.Fatal("repodata written after a failed verification")
		}
	})
	t.Run("replayed suite", func(t *testing.T) {
		// An InRelease validly signed for another suite is refused.
		repo := t.TempDir()
		aptRepo(t, repo, "debian-12-stable", 1, 100)
		must(t, os.Rename(filepath.Join(repo, "dists", "debian-12-stable"), filepath.Join(repo, "dists", suite)))
		srv := serve(t, repo)
		_, err := syncTo(t, srv.URL, t.TempDir(), APT)
		if err == nil || !strings.Contains(err.Error(), `signed for suite "debian-12-stable"`) {
			t.Fatalf("replayed suite: %v", err)
		}
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSyncResumesPartialDownloads(t *testing.T) {
	repo := t.TempDir()
	pool := aptRepo(t, repo, suite, 3, 200_000)
	srv := serve(t, repo)
	dst := t.TempDir()
	work := filepath.Join(dst, partialDirName)
	// A killed run left half of one package, and garbage for another.
	full, _ := os.ReadFile(filepath.Join(repo, pool[0]))
	writeFile(t, filepath.Join(work, fileSum(t, filepath.Join(repo, pool[0]))), full[:len(full)/2])
	writeFile(t, filepath.Join(work, fileSum(t, filepath.Join(repo, pool[1]))), []byte("garbage from a broken server"))
	writeFile(t, filepath.Join(work, "tmp-123"), []byte("half a copy"))
	res, err := syncTo(t, srv.URL, dst, APT)
	if err != nil {
		t.Fatal(err)
	}
	if srv.ranges.Load() != 2 {
		t.Fatalf("%d range requests, want 2", srv.ranges.Load())
	}
	for _, p := range pool {
		if fileSum(t, filepath.Join(repo, p)) != fileSum(t, filepath.Join(dst, p)) {
			t.Fatalf("%s differs", p)
		}
	}
	if res.Fetched != res.Files {
		t.Fatalf("%+v", res)
	}
	if _, err := os.Stat(work); !os.IsNotExist(err) {
		t.Fatal("work directory left behind")
	}
}

func TestSyncCancelledThenResumed(t *testing.T) {
	repo := t.TempDir()
	pool := aptRepo(t, repo, suite, 12, 50_000)
	srv := serve(t, repo)
	srv.delay.Store(int64(30 * time.Millisecond))
	dst := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	d, _ := NewLocalDest(dst)
	key, _ := keys(t)
	go func() {
		// Interrupt once the first packages are in place.
		for {
			if m, _ := filepath.Glob(filepath.Join(dst, "pool", "main", "r", "*", "*.deb")); len(m) >= 2 {
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	_, err := Sync(ctx, Options{Source: srv.URL, Dest: d, Suites: []string{suite}, Keyring: keyring(t, key), Parallel: 2})
	if err == nil {
		t.Fatal("not interrupted; make the test slower")
	}
	if _, err := os.Stat(filepath.Join(dst, "dists", suite, "InRelease")); !os.IsNotExist(err) {
		t.Fatal("InRelease written by an interrupted run")
	}
	srv.delay.Store(0)
	res, err := syncTo(t, srv.URL, dst, APT)
	if err != nil || res.Skipped == 0 {
		t.Fatalf("resume: %v %+v", err, res)
	}
	for _, p := range pool {
		if fileSum(t, filepath.Join(repo, p)) != fileSum(t, filepath.Join(dst, p)) {
			t.Fatalf("%s differs", p)
		}
	}
}

func TestSyncErrors(t *testing.T) {
	repo := t.TempDir()
	aptRepo(t, repo, suite, 1, 10)
	srv := serve(t, repo)
	if _, err := syncTo(t, srv.URL, t.TempDir(), ""); err == nil || !strings.Contains(err.Error(), "--suite") {
		t.Fatalf("no suite, no repodata: %v", err)
	}
	if _, err := syncTo(t, srv.URL, t.TempDir(), APT, func(o *Options) { o.Suites = []string{"nope"} }); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("wrong suite: %v", err)
	}
	if _, err := syncTo(t, srv.URL, t.TempDir(), APT, func(o *Options) { o.Keyring = nil }); err == nil || !strings.Contains(err.Error(), "keyring") {
		t.Fatalf("no keyring: %v", err)
	}
	// Two writers on one destination: the second is refused.
	dst := t.TempDir()
	d, _ := NewLocalDest(dst)
	s := &syncer{opt: Options{Dest: d}}
	unlock, err := s.prepareWork()
	must(t, err)
	defer unlock()
	if _, err := syncTo(t, srv.URL, dst, APT); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("another ring mirror (process %d)", os.Getpid())) {
		t.Fatalf("concurrent writer: %v", err)
	}
	_ = io.Discard
}
