//go:build integration

package blob

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
)

// TestGetIsOneRequest: Get sends one GET and no HEAD, and returns the
// object's bytes and metadata (counted by a proxy in front of the server).
func TestGetIsOneRequest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		target, err := url.Parse(e.endpoint())
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		seen := map[string]int{}
		proxy := httputil.NewSingleHostReverseProxy(target)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[r.Method]++
			mu.Unlock()
			proxy.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		s, err := Open(t.Context(), Config{Endpoint: srv.URL, AccessKey: testAccess, SecretKey: testSecret, Bucket: "onerequest"})
		if err != nil {
			t.Fatal(err)
		}
		data := []byte("one request")
		if _, err := s.Put(t.Context(), "a/b", bytes.NewReader(data), int64(len(data)), PutOptions{ContentType: "text/plain", SHA256: sum(data)}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		clear(seen)
		mu.Unlock()
		rc, info, err := s.Get(t.Context(), "a/b")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read %q, %v", got, err)
		}
		if info.Key != "a/b" || info.Size != int64(len(data)) || info.SHA256 != sum(data) || info.ContentType != "text/plain" || info.ETag == "" {
			t.Fatalf("info %+v", info)
		}
		mu.Lock()
		defer mu.Unlock()
		if seen[http.MethodGet] != 1 || seen[http.MethodHead] != 0 {
			t.Fatalf("Get sent %v, want one GET", seen)
		}
	})
}
