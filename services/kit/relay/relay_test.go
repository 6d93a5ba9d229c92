package relay

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/kit/blob"
)

type memStore map[string]string

func (m memStore) Get(_ context.Context, key string) (io.ReadCloser, blob.Info, error) {
	v, ok := m[key]
	if !ok {
		return nil, blob.Info{}, fmt.Errorf("get %s: %w", key, blob.ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader([]byte(v))), blob.Info{Key: key, Size: int64(len(v)), LastModified: time.Unix(1700000000, 0)}, nil
}

func (m memStore) Stat(ctx context.Context, key string) (blob.Info, error) {
	_, info, err := m.Get(ctx, key)
	return info, err
}

func TestRelay(t *testing.T) {
	r, err := Start("127.0.0.1", "repos/", memStore{"repos/apt/dists/x/InRelease": "signed", "secret": "no"}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, tc := range []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/apt/dists/x/InRelease", 200, "signed"},
		{"HEAD", "/apt/dists/x/InRelease", 200, ""},
		{"GET", "/apt/dists/x/Release", 404, ""},
		{"GET", "/../secret", 404, ""},
		{"GET", "/", 404, ""},
		{"PUT", "/apt/x", 405, ""},
	} {
		req, _ := http.NewRequest(tc.method, r.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.code)
		}
		if tc.code == 200 && string(b) != tc.body {
			t.Errorf("%s %s: body %q, want %q", tc.method, tc.path, b, tc.body)
		}
	}
}
