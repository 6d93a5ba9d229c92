//go:build integration

package main_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUpServesDashboard: the dashboard of `ring up`'s gateway — the runs
// page, the compatibility page from the project's infra/compat/compat.json,
// the embedded script — and a dead letter made by the real builder (an
// archive from a local server whose checksum does not match) retried from
// the dead-letter page's form with a developer's token: the builder takes
// it again and, the checksum being still wrong, dead-letters it again.
func TestUpServesDashboard(t *testing.T) {
	projectEnv(t)
	root, _ := filepath.Abs("../..")
	t.Setenv("RING_AUTHZ_ROLES", filepath.Join(root, "infra/authz/roles.yaml"))
	home := t.TempDir()
	_, upOut, e := up(t, home)
	if e.HTTP == "" {
		t.Fatalf("ring up serves no gateway:\n%s", upOut.String())
	}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(e.HTTP + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct{ path, want string }{
		{"/", "<h1>Runs</h1>"},
		{"/compat", "redis × zookeeper"},
		{"/compat", "✓ works"},
		{"/static/live.js", "EventSource"},
		{"/deadletters", "✓ No dead letters."},
	} {
		if code, body := get(c.path); code != 200 || !strings.Contains(body, c.want) {
			t.Errorf("GET %s: %d, lacks %q:\n%s", c.path, code, c.want, body)
		}
	}

	archive := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "not the archive\n") }))
	t.Cleanup(archive.Close)
	_, _ = ringLong(t, home, time.Minute, "source", "fetch", archive.URL+"/x.tar.gz", "--sha256", strings.Repeat("0", 64))
	letters := func() string {
		_, body := get("/deadletters")
		return body
	}
	waitFor := func(what string, ok func(string) bool) string {
		t.Helper()
		var body string
		for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
			if body = letters(); ok(body) {
				return body
			}
		}
		t.Fatalf("%s:\n%s\n%s", what, body, upOut.String())
		return ""
	}
	waitFor("the checksum mismatch is not dead-lettered", func(b string) bool {
		return strings.Contains(b, `action="/deadletters/1/retry"`) && strings.Contains(b, "sha256")
	})

	tokenFile := filepath.Join(t.TempDir(), "carol.token")
	mustRing(t, home, time.Minute, "token", "create", "carol", "--role", "developer", "--out", tokenFile)
	token, err := os.ReadFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	var resp *http.Response
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) { // the gateway's token cache follows the bucket
		resp, err = http.PostForm(e.HTTP+"/deadletters/1/retry", url.Values{"token": {strings.TrimSpace(string(token))}})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusUnauthorized || time.Now().After(end) {
			break
		}
		resp.Body.Close()
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "dead letter 1 is back on its subject") {
		t.Fatalf("retry: %d\n%s", resp.StatusCode, b)
	}
	waitFor("the retried command did not reach the builder again", func(b string) bool {
		return !strings.Contains(b, `action="/deadletters/1/retry"`) && strings.Contains(b, `/retry"`)
	})
}
