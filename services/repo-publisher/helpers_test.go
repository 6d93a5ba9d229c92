package publisher

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
	_ "github.com/goreleaser/nfpm/v2/rpm"
	"github.com/rs/zerolog"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/signing"
)

var testStart = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// makePkg builds a real .deb or .rpm with nfpm holding one file
// /usr/share/<name>/VERSION. Version "1.0.0-1" is version 1.0.0, release
// (Debian revision) 1.
func makePkg(t testing.TB, format, name, version, arch string) []byte {
	t.Helper()
	return makePkgWith(t, format, name, version, arch, version+"\n")
}

// makePkgWith is makePkg with VERSION holding content (another build of the same version).
func makePkgWith(t testing.TB, format, name, version, arch, content string) []byte {
	t.Helper()
	src := filepath.Join(t.TempDir(), "VERSION")
	if err := os.WriteFile(src, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	info := &nfpm.Info{
		Name: name, Arch: arch, Platform: "linux", Version: version,
		Section: "utils", Priority: "optional",
		Maintainer:  "Ringmaster Tests <tests@ringmaster.dev>",
		Description: "Ringmaster test package\nIt installs one file.",
		Homepage:    "https://ringmaster.dev/", License: "MIT",
		MTime: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Overridables: nfpm.Overridables{
			Contents: files.Contents{{Source: src, Destination: "/usr/share/" + name + "/VERSION"}},
			Deb:      nfpm.Deb{Compression: "gzip"},
			RPM:      nfpm.RPM{Summary: name},
		},
	}
	v, r, _ := strings.Cut(version, "-")
	info.Version, info.Release, info.VersionSchema = v, r, "none"
	info = nfpm.WithDefaults(info)
	p, err := nfpm.Get(format)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := p.Package(info, &b); err != nil {
		t.Fatalf("nfpm: %v", err)
	}
	return b.Bytes()
}

func testKey(t testing.TB) *signing.Key {
	t.Helper()
	k, err := signing.Generate("Ringmaster test", "test@ringmaster.invalid", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// clock is a fake clock the tests advance by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// memStore is an in-memory blob store (GCStore) whose object times come
// from a clock.
type memStore struct {
	mu      sync.Mutex
	clock   *clock
	objs    map[string]memObj
	puts    int
	deletes int
	failDel map[string]bool
	// pageMax, when set, caps a listing page below what was asked (S3
	// servers may return fewer keys); lists counts ListPage calls.
	pageMax int
	lists   int
}

type memObj struct {
	data []byte
	sha  string
	mod  time.Time
}

func newMemStore(c *clock) *memStore { return &memStore{clock: c, objs: map[string]memObj{}} }

func (s *memStore) Get(_ context.Context, key string) (io.ReadCloser, blob.Info, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objs[key]
	if !ok {
		return nil, blob.Info{}, blob.ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(o.data)), s.info(key, o), nil
}

func (s *memStore) info(key string, o memObj) blob.Info {
	m := md5.Sum(o.data) // what S3 reports as the ETag of a single-part PUT
	return blob.Info{Key: key, Size: int64(len(o.data)), ETag: hex.EncodeToString(m[:]), SHA256: o.sha, LastModified: o.mod}
}

func (s *memStore) Put(_ context.Context, key string, r io.Reader, _ int64, opts blob.PutOptions) (blob.Info, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return blob.Info{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.puts++
	s.objs[key] = memObj{data: b, sha: opts.SHA256, mod: s.clock.Now()}
	return s.info(key, s.objs[key]), nil
}

func (s *memStore) PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error) {
	s.mu.Lock()
	_, ok := s.objs[key]
	s.mu.Unlock()
	if ok {
		return blob.Info{}, blob.ErrExists
	}
	return s.Put(ctx, key, r, size, opts)
}

func (s *memStore) Stat(_ context.Context, key string) (blob.Info, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objs[key]
	if !ok {
		return blob.Info{}, blob.ErrNotFound
	}
	return s.info(key, o), nil
}

func (s *memStore) List(_ context.Context, prefix string) iter.Seq2[blob.Info, error] {
	s.mu.Lock()
	var infos []blob.Info
	for k, o := range s.objs {
		if strings.HasPrefix(k, prefix) {
			infos = append(infos, s.info(k, o))
		}
	}
	s.mu.Unlock()
	sort.Slice(infos, func(i, j int) bool { return infos[i].Key < infos[j].Key })
	return func(yield func(blob.Info, error) bool) {
		for _, i := range infos {
			if !yield(i, nil) {
				return
			}
		}
	}
}

func (s *memStore) ListPage(_ context.Context, prefix, startAfter string, max int) ([]blob.Info, bool, error) {
	s.mu.Lock()
	s.lists++
	var infos []blob.Info
	for k, o := range s.objs {
		if strings.HasPrefix(k, prefix) && k > startAfter {
			infos = append(infos, s.info(k, o))
		}
	}
	if s.pageMax > 0 {
		max = min(max, s.pageMax)
	}
	s.mu.Unlock()
	sort.Slice(infos, func(i, j int) bool { return infos[i].Key < infos[j].Key })
	if len(infos) > max {
		return infos[:max], true, nil
	}
	return infos, false, nil
}

func (s *memStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failDel[key] {
		return errors.New("injected delete failure")
	}
	s.deletes++
	delete(s.objs, key)
	return nil
}

func (s *memStore) has(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.objs[key]
	return ok
}

func (s *memStore) count(prefix string) int {
	n := 0
	for range s.List(context.Background(), prefix) {
		n++
	}
	return n
}

// upload puts a package where `ring repo publish` would and returns its ref.
func upload(t testing.TB, store interface {
	PutIfAbsent(context.Context, string, io.Reader, int64, blob.PutOptions) (blob.Info, error)
}, name string, data []byte) events.PackageRef {
	t.Helper()
	h := sha256.Sum256(data)
	s := hex.EncodeToString(h[:])
	key := "uploads/sha256/" + s + "/" + name
	if _, err := store.PutIfAbsent(context.Background(), key, bytes.NewReader(data), int64(len(data)), blob.PutOptions{SHA256: s}); err != nil && !errors.Is(err, blob.ErrExists) {
		t.Fatal(err)
	}
	return events.PackageRef{Key: key, SHA256: s, Size: int64(len(data))}
}

func newTestPublisher(t testing.TB, store Store, c *clock, key *signing.Key) *Publisher {
	return &Publisher{Store: store, Key: key, WorkDir: t.TempDir(), Log: zerolog.Nop(), Now: c.Now}
}
