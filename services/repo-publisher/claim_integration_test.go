//go:build integration

package publisher

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/repo-publisher/apt"
)

// requestLog records the requests a proxy in front of the S3 server saw.
type requestLog struct {
	mu   sync.Mutex
	reqs []string // "METHOD path?query"
}

func (l *requestLog) reset() { l.mu.Lock(); l.reqs = nil; l.mu.Unlock() }

func (l *requestLog) matching(method, pathPart string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.reqs {
		m, rest, _ := strings.Cut(r, " ")
		if m == method && strings.Contains(rest, pathPart) {
			out = append(out, r)
		}
	}
	return out
}

// startCountedS3 starts the embedded S3 server and returns a store that
// talks to it through a proxy recording every request.
func startCountedS3(t *testing.T) (*blob.Store, *requestLog) {
	t.Helper()
	ctx, endpoint := startS3Server(t)
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	log := &requestLog{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	// VersityGW answers an empty PUT late on a kept-alive connection (see
	// kit/blob): blob sends those with Connection: close, which a proxy
	// does not pass on, so the proxy dials for every request.
	proxy.Transport = &http.Transport{DisableKeepAlives: true}
	ps := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.mu.Lock()
		log.reqs = append(log.reqs, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		log.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(ps.Close)
	store, err := blob.Open(ctx, blob.Config{Endpoint: ps.URL, AccessKey: "repotest", SecretKey: "repotest-secret-key"})
	if err != nil {
		t.Fatal(err)
	}
	return store, log
}

// TestClaimCheckOnS3: against the embedded S3 server (VersityGW), a publish
// with UploadBatch's claim check sends no GET of any package — the server's
// listing and HEADs report each pool object's size and an ETag that is its
// MD5 — and a claim that disagrees with what is stored (other bytes of the
// same size, a missing object, another size) is refused with nothing written.
func TestClaimCheckOnS3(t *testing.T) {
	ctx := context.Background()
	files := append(claimFiles(t, "ring", listMin+6), claimFiles(t, "zed", 4)...) // r/: listed, z/: HEADs
	store, log := startCountedS3(t)
	c := &clock{now: time.Now().UTC().Add(-time.Hour).Truncate(time.Second)}
	p := newTestPublisher(t, store, c, testKey(t))

	b, err := UploadBatch(ctx, store, files, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Inspected == "" {
		t.Fatal("no claim check")
	}
	debs := make([]apt.Package, len(files))
	for i, f := range files {
		if debs[i], err = apt.Inspect(f.Data); err != nil {
			t.Fatal(err)
		}
		if info, err := store.Stat(ctx, b.Refs[i].Key); err != nil || info.ETag != debs[i].MD5 {
			t.Fatalf("%s: ETag %q, %v; want the MD5 %s (the claim check relies on it)", b.Refs[i].Key, info.ETag, err, debs[i].MD5)
		}
	}

	// refuse publishes req and wants err and no write at all.
	refuse := func(t *testing.T, req *events.RepoPublishRequested, wantErr error, want string) {
		t.Helper()
		log.reset()
		_, err := p.Publish(ctx, req)
		if !errors.Is(err, wantErr) || !strings.Contains(err.Error(), want) {
			t.Fatalf("got %v, want %v with %q", err, wantErr, want)
		}
		if puts := log.matching(http.MethodPut, "/"); len(puts) != 0 {
			t.Fatalf("a refused publish sent %d PUTs, e.g. %s", len(puts), puts[0])
		}
		if pool := log.matching(http.MethodGet, "/pool/"); len(pool) != 0 {
			t.Errorf("the check read %d packages, e.g. %s", len(pool), pool[0])
		}
	}
	claim := func(f func(d []apt.Package, r []events.PackageRef)) *events.RepoPublishRequested {
		return claimRequest(t, ctx, store, debs, b.Refs, f)
	}
	// swap replaces a pool object with other bytes of the same size (one
	// byte past the ar archive's last member changed) and sha256 metadata
	// still saying the original's, and returns a function that restores it.
	swap := func(i int) func() {
		bad := bytes.Clone(files[i].Data)
		bad[len(bad)-1] ^= 0x20
		put := func(data []byte) {
			if _, err := store.Put(ctx, b.Refs[i].Key, bytes.NewReader(data), int64(len(data)), blob.PutOptions{SHA256: debs[i].SHA256}); err != nil {
				t.Fatal(err)
			}
		}
		put(bad)
		return func() { put(files[i].Data) }
	}
	req := &events.RepoPublishRequested{Channel: "nightly", Distros: []string{"debian-12"}, Packages: b.Refs, Inspected: b.Inspected}

	t.Run("other bytes of the same size, listed", func(t *testing.T) {
		defer swap(2)()
		refuse(t, req, ErrBadPackage, "the S3 server reports MD5")
	})
	t.Run("other bytes of the same size, HEAD", func(t *testing.T) {
		defer swap(len(files) - 1)()
		refuse(t, req, ErrBadPackage, "the S3 server reports MD5")
	})
	t.Run("missing object", func(t *testing.T) {
		refuse(t, claim(func(d []apt.Package, r []events.PackageRef) {
			d[0].Name, d[0].Fields = "ringgone", append([]apt.Field{{Name: "Package", Value: "ringgone"}}, d[0].Fields[1:]...)
			d[0].Filename = apt.PoolPath(d[0].Name, d[0].Version, d[0].Architecture)
			r[0].Key = AptRoot + d[0].Filename
		}), ErrBadRequest, "not in the blob store")
	})
	t.Run("another size", func(t *testing.T) {
		refuse(t, claim(func(d []apt.Package, r []events.PackageRef) { d[5].Size--; r[5].Size-- }), ErrBadPackage, "bytes")
	})
	t.Run("another MD5", func(t *testing.T) {
		refuse(t, claim(func(d []apt.Package, _ []events.PackageRef) { d[len(d)-2].MD5 = strings.Repeat("e", 32) }), ErrBadPackage, "MD5")
	})
	if _, err := store.Stat(ctx, ManifestKey("nightly")); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("manifest after refused publishes: %v", err)
	}

	// The real thing: no package is read, every one is indexed.
	log.reset()
	if _, err := p.Publish(ctx, req); err != nil {
		t.Fatal(err)
	}
	if pool := log.matching(http.MethodGet, "/pool/"); len(pool) != 0 {
		t.Errorf("publish with a claim check read %d packages, e.g. %s", len(pool), pool[0])
	}
	if heads := log.matching(http.MethodHead, "/pool/"); len(heads) != 4 {
		t.Errorf("%d HEADs of pool objects, want 4 (the z/ ones): %v", len(heads), heads)
	}
	if lists := log.matching(http.MethodGet, "list-type=2"); len(lists) != 1 {
		t.Errorf("%d listings, want 1 (the r/ directory): %v", len(lists), lists)
	}
	rc, _, err := store.Get(ctx, AptRoot+"dists/"+Suite("debian-12", "nightly")+"/main/binary-amd64/Packages")
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := io.ReadAll(rc)
	rc.Close()
	for _, d := range debs {
		if !bytes.Contains(idx, []byte("\nSHA256: "+d.SHA256+"\n")) || !bytes.Contains(idx, []byte("MD5sum: "+d.MD5+"\n")) {
			t.Fatalf("Packages lacks %s", d.Filename)
		}
	}
}
