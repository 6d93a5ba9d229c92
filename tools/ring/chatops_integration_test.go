//go:build integration

package main_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/image"
)

// slackSigningSecret is the test app's signing secret (Slack's example).
const slackSigningSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// responseRecorder stands in for Slack's response_url: it records every
// message posted to it.
type responseRecorder struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []map[string]any
}

func newResponseRecorder(t *testing.T) *responseRecorder {
	r := &responseRecorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var m map[string]any
		if err := json.NewDecoder(req.Body).Decode(&m); err == nil {
			m["path"] = req.URL.Path
			r.mu.Lock()
			r.got = append(r.got, m)
			r.mu.Unlock()
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// result waits for the message that ends the run posted to path.
func (r *responseRecorder) result(t *testing.T, path string, timeout time.Duration) (string, int) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r.mu.Lock()
		n := 0
		var last string
		for _, m := range r.got {
			if m["path"] == path {
				n++
				last = fmt.Sprint(m["text"])
				if m["replace_original"] != true {
					t.Errorf("a reply to %s does not replace the answer: %v", path, m)
				}
			}
		}
		r.mu.Unlock()
		if strings.HasPrefix(last, "✅") || strings.HasPrefix(last, "❌") {
			return last, n
		}
		if time.Now().After(deadline) {
			t.Fatalf("no result posted to %s within %s (last: %q)", path, timeout, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// slash sends a slash command signed as Slack documents it and returns the
// ephemeral answer's text.
func slash(t *testing.T, gateway, user, text, responseURL string) (int, string) {
	t.Helper()
	v := url.Values{}
	for k, x := range map[string]string{"token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": "T1", "team_domain": "acme", "channel_id": "C1",
		"channel_name": "ci", "user_id": user, "user_name": strings.ToLower(user), "command": "/ring", "text": text,
		"response_url": responseURL, "trigger_id": strconv.FormatInt(time.Now().UnixNano(), 10)} {
		v.Set(k, x)
	}
	form := v.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(slackSigningSecret))
	mac.Write([]byte("v0:" + ts + ":" + form))
	req, _ := http.NewRequest(http.MethodPost, gateway+"/chat/slack", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var a struct{ Text string }
	_ = json.Unmarshal(b, &a)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("%q answered in %s: Slack gives up after 3 s", text, took)
	}
	if a.Text == "" {
		a.Text = string(b)
	}
	return resp.StatusCode, a.Text
}

// TestChatOpsEndToEnd: chat-ops on the embedded platform with the real
// things — ring up, signed Slack requests, a recorder standing in for the
// response_url — a build of the fixture, a 1-node cluster, a test run and
// the cluster's removal, each answered at once and then its result posted
// in place; the same request denied for a reader; ring --server through
// the REST API with tokens; the audit trail.
func TestChatOpsEndToEnd(t *testing.T) {
	projectEnv(t)
	root, _ := filepath.Abs("../..")
	t.Setenv("RING_AUTHZ_ROLES", filepath.Join(root, "infra/authz/roles.yaml"))
	dc, err := image.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cleanupClusters(t, cluster.New(dc), "chat-")
	home := t.TempDir()
	_, upOut, e := up(t, home)
	rec := newResponseRecorder(t)
	files := t.TempDir()
	secretFile := filepath.Join(files, "slack")
	if err := os.WriteFile(secretFile, []byte(slackSigningSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustRing(t, home, time.Minute, "chat", "setup", "--slack-secret-file", secretFile, "--slack-origin", rec.srv.URL,
		"--map", "slack:T1/UDEV=chat:developers", "--map", "slack:T1/UREL=rita:release-engineers", "--map", "slack:T1/*=:readers")
	if !strings.Contains(out, "/chat/slack") {
		t.Fatalf("chat setup:\n%s", out)
	}
	for _, f := range []string{"keys/chat/slack.secret", "keys/chat/chat.yaml", "keys/authz/identities.yaml"} {
		if fi, err := os.Stat(filepath.Join(home, f)); err != nil || fi.Mode().Perm() != 0o400 {
			t.Fatalf("%s: %v %v", f, fi, err)
		}
	}
	gw := e.HTTP
	verb := func(user, text, path string, timeout time.Duration) string {
		t.Helper()
		code, answer := slash(t, gw, user, text, rec.srv.URL+path)
		if code != 200 || !strings.HasPrefix(answer, "accepted, run ") {
			t.Fatalf("%q: %d %q\n%s", text, code, answer, upOut.String())
		}
		result, _ := rec.result(t, path, timeout)
		t.Logf("%s → %s", text, result)
		return result
	}

	// The same request: denied for a reader, allowed for a developer.
	if code, answer := slash(t, gw, "UREADER", "build fixture --channel chatops", rec.srv.URL+"/r0"); code != 200 ||
		!strings.Contains(answer, "denied by rule role-required: build needs role developer; you have reader") {
		t.Fatalf("a reader's build: %d %q", code, answer)
	}
	if r := verb("UDEV", "build fixture --distro debian-12 --channel chatops", "/r1", 30*time.Minute); !strings.HasPrefix(r, "✅") ||
		!strings.Contains(r, "published to chatops for debian-12") {
		t.Fatalf("build: %s\n%s", r, upOut.String())
	}
	if code, answer := slash(t, gw, "UREADER", "repo list --channel chatops", rec.srv.URL+"/rl"); code != 200 ||
		!strings.Contains(answer, "chatops/debian-12") || !strings.Contains(answer, "ringhello@1.0.0") {
		t.Errorf("repo list: %d %q", code, answer)
	}
	if code, answer := slash(t, gw, "UREADER", "status", rec.srv.URL+"/st"); code != 200 || !strings.Contains(answer, "services up: builder") {
		t.Errorf("status: %d %q", code, answer)
	}
	if code, answer := slash(t, gw, "UDEV", "cluster create zk-other -n 1 --stack fixture", rec.srv.URL+"/r2"); code != 200 ||
		!strings.Contains(answer, "cluster-prefix") {
		t.Fatalf("a cluster without the prefix: %q", answer)
	}
	if r := verb("UDEV", "cluster create chat-one -n 1 --stack fixture --channel chatops --distro debian-12 --role ringhello=1", "/r3", 15*time.Minute); !strings.HasPrefix(r, "✅") ||
		!strings.Contains(r, "cluster chat-one ready") {
		t.Fatalf("cluster create: %s\n%s", r, upOut.String())
	}
	if r := verb("UDEV", "test run chat-one --suite ringhello", "/r4", 15*time.Minute); !strings.HasPrefix(r, "✅") || !strings.Contains(r, "0 failed") {
		t.Fatalf("test run: %s", r)
	}
	if code, answer := slash(t, gw, "UDEV", "cluster list", rec.srv.URL+"/r5"); code != 200 || !strings.Contains(answer, "chat-one: running, 1/1 nodes running, stack fixture") {
		t.Fatalf("cluster list: %q", answer)
	}
	if r := verb("UDEV", "cluster destroy chat-one", "/r6", 5*time.Minute); !strings.HasPrefix(r, "✅") || !strings.Contains(r, "cluster chat-one destroyed") {
		t.Fatalf("cluster destroy: %s", r)
	}
	if out := mustRing(t, home, time.Minute, "runs", "list"); !strings.Contains(out, "chat") {
		t.Errorf("runs list does not show the chat runs:\n%s", out)
	}

	// Bad input through Slack: refused, recorded, nothing started.
	for text, want := range map[string]string{
		"cluster create 'chat-x;reboot'":     `cluster name "chat-x;reboot"`,
		"frobnicate":                         "unknown command",
		"build " + strings.Repeat("a", 1500): "at most 1000",
	} {
		if code, answer := slash(t, gw, "UDEV", text, rec.srv.URL+"/bad"); code != 200 || !strings.Contains(answer, want) {
			t.Errorf("%q: %d %q, want %q", text, code, answer, want)
		}
	}
	if code, answer := slash(t, gw, "UDEV", "build fixture", "https://127.0.0.2:9/steal"); code != 400 || !strings.Contains(answer, "response_url") {
		t.Errorf("a response_url elsewhere: %d %q", code, answer)
	}

	// REST, with tokens: ring --server.
	tokenFile := filepath.Join(files, "reader.token")
	mustRing(t, home, time.Minute, "token", "create", "bob", "--role", "reader", "--out", tokenFile)
	if fi, err := os.Stat(tokenFile); err != nil || fi.Mode().Perm() != 0o400 {
		t.Fatalf("token file: %v %v", fi, err)
	}
	if out := mustRing(t, home, time.Minute, "token", "list"); !strings.Contains(out, "bob") || strings.Contains(out, "ring_") {
		t.Errorf("token list:\n%s", out)
	}
	remote := func(args ...string) (string, int) {
		cmd := exec.Command(ringBin, append([]string{"--server", gw, "--token-file", tokenFile}, args...)...)
		cmd.Env = append(os.Environ(), "RING_HOME="+t.TempDir()) // a laptop: no NATS, no RING_HOME of the platform
		b, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return string(b), code
	}
	if out, code := remote("status"); code != 0 || !strings.Contains(out, "services up:") {
		t.Errorf("remote status: %d\n%s", code, out)
	}
	if out, code := remote("cluster", "create", "chat-two", "-n", "1", "--stack", "fixture"); code != 1 ||
		!strings.Contains(out, "denied by rule role-required: cluster create needs role developer; you have reader") {
		t.Errorf("remote denied create: %d\n%s", code, out)
	}
	if out, code := remote("runs", "list"); code != 0 || !strings.Contains(out, "cluster destroy chat-one") {
		t.Errorf("remote runs list: %d\n%s", code, out)
	}
	relToken := filepath.Join(files, "release.token")
	mustRing(t, home, time.Minute, "token", "create", "rita", "--role", "release", "--out", relToken)
	cmd := exec.Command(ringBin, "--server", gw, "--token-file", relToken, "audit", "--since", "1h", "--decision", "deny", "--output", "json")
	b, err := cmd.CombinedOutput()
	var entries []map[string]any
	if err != nil || json.Unmarshal(b, &entries) != nil || len(entries) < 3 {
		t.Errorf("remote audit: %v\n%s", err, b)
	}
	out = mustRing(t, home, time.Minute, "audit", "--since", "1h")
	for _, want := range []string{"slack:chat", "allow", "deny", "refused", "role-required", "cluster-prefix", "rest:bob"} {
		if !strings.Contains(out, want) {
			t.Errorf("ring audit lacks %q:\n%s", want, out)
		}
	}
}
