package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"
	"ringmaster.dev/kit/blob"
)

// memBlobs is an in-memory stand-in for the blob store port (the store has
// its own integration tests against the embedded S3 server).
type memBlobs struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (b *memBlobs) Stat(_ context.Context, key string) (blob.Info, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[key]
	if !ok {
		return blob.Info{}, blob.ErrNotFound
	}
	return blob.Info{Key: key, Size: int64(len(v))}, nil
}

func (b *memBlobs) PutIfAbsent(_ context.Context, key string, r io.Reader, _ int64, _ blob.PutOptions) (blob.Info, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return blob.Info{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.m[key]; ok {
		return blob.Info{}, blob.ErrExists
	}
	b.m[key] = data
	return blob.Info{Key: key, Size: int64(len(data))}, nil
}

func TestFetch(t *testing.T) {
	body := []byte("upstream tarball bytes")
	h := sha256.Sum256(body)
	sum := hex.EncodeToString(h[:])
	for _, tc := range []struct {
		name     string
		url      string
		sum      string
		statuses []int // served in order, then 200
		cached   bool
		err      error
		requests int32
	}{
		{name: "ok", sum: sum, requests: 1},
		{name: "already cached", sum: sum, cached: true, requests: 0},
		{name: "retried 503", sum: sum, statuses: []int{503, 502}, requests: 3},
		{name: "404 is final", sum: sum, statuses: []int{404}, err: ErrMissing, requests: 1},
		{name: "wrong checksum", sum: "0000000000000000000000000000000000000000000000000000000000000000", err: ErrChecksum, requests: 1},
		{name: "bad checksum form", sum: "abc", err: ErrBadRequest},
		{name: "bad url", url: "ftp://example/x.tgz", sum: sum, err: ErrBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				if i < len(tc.statuses) {
					w.WriteHeader(tc.statuses[i])
					return
				}
				_, _ = w.Write(body)
			}))
			defer srv.Close()
			blobs := &memBlobs{m: map[string][]byte{}}
			if tc.cached {
				blobs.m[Key(sum)] = body
			}
			f := &Fetcher{Blobs: blobs, WorkDir: t.TempDir(), Log: zerolog.Nop()}
			url := tc.url
			if url == "" {
				url = srv.URL + "/x.tar.gz"
			}
			res, err := f.Fetch(context.Background(), url, tc.sum)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if n.Load() != tc.requests {
				t.Fatalf("requests = %d, want %d", n.Load(), tc.requests)
			}
			if err != nil {
				if len(blobs.m) != 0 && !tc.cached {
					t.Fatal("a failed fetch wrote to the cache")
				}
				return
			}
			if res.Cached != tc.cached || res.Key != Key(sum) || !bytes.Equal(blobs.m[Key(sum)], body) {
				t.Fatalf("result %+v", res)
			}
		})
	}
}
