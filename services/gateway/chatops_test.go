package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/bus/bustest"
	"ringmaster.dev/kit/chatconf"
	"ringmaster.dev/kit/command"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/inventory"
	"ringmaster.dev/kit/service"
	"ringmaster.dev/kit/tokens"
)

const slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// fakeClusters stands in for Docker's clusters: the inventory is not what
// these tests test (the integration tests use Docker).
type fakeClusters map[string]inventory.Cluster

func (f fakeClusters) List(context.Context) ([]inventory.Cluster, error) {
	var out []inventory.Cluster
	for _, c := range f {
		out = append(out, c)
	}
	return out, nil
}

func (f fakeClusters) Get(_ context.Context, name string) (inventory.Cluster, error) {
	if c, ok := f[name]; ok {
		return c, nil
	}
	return inventory.Cluster{}, fmt.Errorf("cluster %s: %w", name, inventory.ErrNotFound)
}

type chatEnv struct {
	g    *Gateway
	conn *bus.Conn
	srv  *httptest.Server
	keys string
	// replies records what is posted to response_urls.
	replies *recorder
}

// recorder stands in for a response_url: it records each JSON post.
type recorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []map[string]any
	hits int
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(req.Body).Decode(&m)
		r.mu.Lock()
		r.got = append(r.got, m)
		r.hits++
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) posts() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.got...)
}

func newChatEnv(t *testing.T) *chatEnv {
	t.Helper()
	conn := bustest.Embedded(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := conn.EnsureTopology(ctx); err != nil {
		t.Fatal(err)
	}
	keys := t.TempDir()
	rec := newRecorder(t)
	must(t, gitstack.WriteSecret(chatconf.SlackSecretPath(keys), []byte(slackSecret)))
	must(t, gitstack.WriteSecret(chatconf.MattermostTokenPath(keys), []byte("mm-token")))
	must(t, chatconf.WriteYAML(chatconf.ConfigPath(keys), "", chatconf.Config{
		Slack: chatconf.Platform{ResponseOrigins: []string{rec.srv.URL}}, Mattermost: chatconf.Platform{ResponseOrigins: []string{rec.srv.URL}}}))
	must(t, chatconf.WriteYAML(chatconf.IdentitiesPath(keys), "", chatconf.Identities{Version: 1, Identities: []chatconf.Identity{
		{ID: "slack:T1/UDEV", Name: "alice", Groups: []string{"developers"}},
		{ID: "slack:T1/UREL", Name: "rita", Groups: []string{"release-engineers"}},
		{ID: "slack:T1/*", Groups: []string{"readers"}},
		{ID: "mattermost:team1/mmdev", Name: "alice", Groups: []string{"developers"}},
	}}))
	clusters := fakeClusters{"alice-zk": {Name: "alice-zk", Nodes: 1, Running: 1}, "alice-prod": {Name: "alice-prod", Nodes: 1, Running: 1, Protected: true}}
	g, err := Open(ctx, service.Deps{Bus: conn, KeyDir: keys, Log: zerolog.Nop()},
		Options{HTTP: "127.0.0.1:0", RolesFile: "../../infra/authz/roles.yaml", Clusters: clusters})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(srv.Close)
	return &chatEnv{g: g, conn: conn, srv: srv, keys: keys, replies: rec}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// slackRequest is a slash command as Slack sends it: the form, signed with
// v0=hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)).
func slackRequest(t *testing.T, url, user, text, responseURL string, at time.Time, secret string) *http.Request {
	t.Helper()
	form := urlValues(map[string]string{"token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": "T1", "team_domain": "acme",
		"channel_id": "C1", "channel_name": "ci", "user_id": user, "user_name": strings.ToLower(user), "command": "/ring",
		"text": text, "response_url": responseURL, "trigger_id": strconv.FormatInt(time.Now().UnixNano(), 10)})
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, form)
	req, err := http.NewRequest(http.MethodPost, url+"/chat/slack", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return req
}

func urlValues(m map[string]string) string {
	v := url.Values{}
	for k, x := range m {
		v.Set(k, x)
	}
	return v.Encode()
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// commands counts the commands stored for service.
func (e *chatEnv) commands(t *testing.T, service string) int {
	t.Helper()
	s, err := e.conn.JS.Stream(context.Background(), events.CommandStream(service))
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(info.State.Msgs)
}

// audits waits until n audit facts are stored and returns them.
func (e *chatEnv) audits(t *testing.T, n int) []AuditEntry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := ReadAudit(context.Background(), e.conn, command.Request{Verb: command.Audit, Since: "1h"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				t.Fatalf("%d audit facts, want %d: %+v", len(got), n, got)
			}
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSlackCommands(t *testing.T) {
	e := newChatEnv(t)
	url, respURL := e.srv.URL, e.replies.srv.URL+"/commands/T1/1/x"
	text := func(body string) string {
		var a chatAnswer
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatalf("answer %q: %v", body, err)
		}
		return a.Text
	}
	// A developer's build is accepted; a reader's is denied naming the rule.
	code, body := do(t, slackRequest(t, url, "UDEV", "build fixture --distro debian-12", respURL, time.Now(), slackSecret))
	if code != 200 || !strings.HasPrefix(text(body), "accepted, run ") || !strings.Contains(text(body), "build fixture --distro debian-12") {
		t.Fatalf("developer's build: %d %s", code, body)
	}
	code, body = do(t, slackRequest(t, url, "UREADER", "build fixture", respURL, time.Now(), slackSecret))
	if code != 200 || text(body) != "⛔ denied by rule role-required: build needs role developer; you have reader (what would allow it: a group with role developer for slack:T1/UREADER (ring chat setup --map; groups in roles.yaml))" {
		t.Fatalf("reader's build: %d %q", code, text(body))
	}
	if n := e.commands(t, "builder"); n != 1 {
		t.Fatalf("%d build commands, want the developer's only", n)
	}
	// Bad input: each refused with a clear message, recorded, nothing started.
	stale := slackRequest(t, url, "UDEV", "build fixture", respURL, time.Now().Add(-6*time.Minute), slackSecret)
	if code, body := do(t, stale); code != 401 || !strings.Contains(body, "more than 5 minutes") {
		t.Errorf("stale: %d %s", code, body)
	}
	once := slackRequest(t, url, "UDEV", "status", respURL, time.Now(), slackSecret)
	again := once.Clone(context.Background())
	b, _ := io.ReadAll(once.Body)
	once.Body, again.Body = io.NopCloser(strings.NewReader(string(b))), io.NopCloser(strings.NewReader(string(b)))
	if code, _ := do(t, once); code != 200 {
		t.Errorf("status: %d", code)
	}
	if code, body := do(t, again); code != 409 || !strings.Contains(body, "replay") {
		t.Errorf("replay: %d %s", code, body)
	}
	if code, body := do(t, slackRequest(t, url, "UDEV", "build fixture", respURL, time.Now(), "another secret")); code != 401 || !strings.Contains(body, "does not verify") {
		t.Errorf("wrong signature: %d %s", code, body)
	}
	for line, want := range map[string]string{
		"deploy prod":                           `unknown command "deploy prod"`,
		"build " + strings.Repeat("x", 2000):    "at most 1000",
		"cluster create 'alice-x;rm -rf /'":     `cluster name "alice-x;rm -rf /": want 1-40 lowercase`,
		"cluster destroy ../../etc":             `cluster name "../../etc"`,
		"test run":                              "usage: test run CLUSTER",
		"cluster destroy alice-prod":            "denied by rule cluster-protected: cluster alice-prod is labelled protected",
		"cluster destroy alice-gone":            "there is no cluster alice-gone",
		"cluster destroy bob-zk":                "denied by rule cluster-prefix",
		"promote ringhello@1.0.0-1 --to stable": "denied by rule release-channel: promote to stable needs role release; you have developer, reader",
	} {
		code, body := do(t, slackRequest(t, url, "UDEV", line, respURL, time.Now(), slackSecret))
		if code != 200 || !strings.Contains(text(body), want) {
			t.Errorf("%q: %d %q, want %q", line, code, body, want)
		}
	}
	if code, body := do(t, slackRequest(t, url, "UDEV", "build fixture", "https://169.254.169.254/latest/meta-data", time.Now(), slackSecret)); code != 400 || !strings.Contains(body, "response_url") {
		t.Errorf("response_url elsewhere: %d %s", code, body)
	}
	if n := e.commands(t, "builder") + e.commands(t, "provisioner") + e.commands(t, "repo-publisher"); n != 1 {
		t.Fatalf("bad input started %d commands", n-1)
	}
	got := e.audits(t, 16)
	decisions := map[string]int{}
	for _, a := range got {
		decisions[a.Decision+"/"+a.Rule]++
		if a.Platform != "slack" || strings.Contains(a.Command, slackSecret) {
			t.Errorf("audit fact %+v", a)
		}
	}
	for k, n := range map[string]int{"allow/role-developer": 1, "deny/role-required": 1, "refused/stale": 1, "refused/replay": 1, "refused/signature": 1,
		"allow/role-reader": 1, "refused/unknown-verb": 1, "refused/syntax": 4, "deny/cluster-protected": 1, "refused/no-such-cluster": 1,
		"deny/release-channel": 1, "refused/response-url": 1, "deny/cluster-prefix": 1} {
		if decisions[k] != n {
			t.Errorf("audit: %d × %s, want %d (all: %v)", decisions[k], k, n, decisions)
		}
	}
}

func TestMattermostCommand(t *testing.T) {
	e := newChatEnv(t)
	post := func(token, trigger, text string) (int, string) {
		form := urlValues(map[string]string{"token": token, "team_id": "team1", "channel_id": "ch1", "channel_name": "town-square",
			"user_id": "mmdev", "user_name": "alice", "command": "/ring", "text": text, "response_url": e.replies.srv.URL + "/hooks/commands/1", "trigger_id": trigger})
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/chat/mattermost", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return do(t, req)
	}
	if code, body := post("mm-token", "t1", "cluster create alice-new -n 1 --stack fixture"); code != 200 || !strings.Contains(body, "accepted, run") {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, _ := post("mm-token", "t1", "status"); code != 409 {
		t.Errorf("replayed trigger_id: %d", code)
	}
	if code, _ := post("wrong", "t2", "status"); code != 401 {
		t.Errorf("wrong token: %d", code)
	}
	if n := e.commands(t, "provisioner"); n != 1 {
		t.Errorf("%d cluster commands", n)
	}
}

func TestREST(t *testing.T) {
	e := newChatEnv(t)
	store, err := tokens.Open(context.Background(), e.conn.JS)
	must(t, err)
	devToken, _, err := store.Create(context.Background(), "alice", "developer")
	must(t, err)
	readerToken, _, err := store.Create(context.Background(), "bob", "reader")
	must(t, err)
	waitToken(t, e.g, devToken)
	waitToken(t, e.g, readerToken)
	call := func(method, path, token, body string) (int, string) {
		req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Content-Type", "application/json")
		return do(t, req)
	}
	if code, body := call("POST", "/api/v1/builds", devToken, `{"stack":"fixture","distros":["debian-12"]}`); code != 202 || !strings.Contains(body, `"events": "/api/v1/runs/`) {
		t.Fatalf("developer's build: %d %s", code, body)
	}
	if code, body := call("POST", "/api/v1/builds", readerToken, `{"stack":"fixture"}`); code != 403 || !strings.Contains(body, `"rule": "role-required"`) {
		t.Errorf("reader's build: %d %s", code, body)
	}
	if code, body := call("POST", "/api/v1/builds", "", `{"stack":"fixture"}`); code != 401 || !strings.Contains(body, "ring token create") {
		t.Errorf("no token: %d %s", code, body)
	}
	if code, body := call("POST", "/api/v1/builds", devToken, `{"stack":"fixture","packages":["a@1"]}`); code != 400 || !strings.Contains(body, `field \"packages\" does not apply`) {
		t.Errorf("a field of another verb: %d %s", code, body)
	}
	if code, body := call("POST", "/api/v1/builds", devToken, `{"stack":"fix;ture"}`); code != 400 || !strings.Contains(body, "usage: build STACK") {
		t.Errorf("a bad stack name: %d %s", code, body)
	}
	if code, body := call("DELETE", "/api/v1/clusters/alice-prod", devToken, ""); code != 403 || !strings.Contains(body, "cluster-protected") {
		t.Errorf("protected: %d %s", code, body)
	}
	if code, body := call("GET", "/api/v1/clusters", readerToken, ""); code != 200 || !strings.Contains(body, `"alice-prod"`) {
		t.Errorf("cluster list: %d %s", code, body)
	}
	if code, body := call("GET", "/api/v1/audit?since=1h", devToken, ""); code != 403 || !strings.Contains(body, "audit needs role release") {
		t.Errorf("audit by a developer: %d %s", code, body)
	}
	if _, err := store.Revoke(context.Background(), "bob"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _ := call("GET", "/api/v1/status", readerToken, "")
		if code == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a revoked token still works: %d", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := e.commands(t, "builder") + e.commands(t, "provisioner"); n != 1 {
		t.Errorf("%d commands, want the one build", n)
	}
}

func waitToken(t *testing.T, g *Gateway, token string) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := g.ops.tokens.Lookup(token); err == nil {
			return
		} else if !errors.Is(err, tokens.ErrNotFound) || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReplyToResponseURL: a run's result replaces the Slack answer at the
// response_url (replace_original), from its facts.
func TestReplyToResponseURL(t *testing.T) {
	e := newChatEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_ = service.Run(ctx, service.Deps{Bus: e.conn, Log: zerolog.Nop()}, service.Definition{Name: Name, Handlers: map[string]bus.Handler{
			"chat.reply.requested": e.g.handleReply}}, service.Options{Concurrency: 4})
	}()
	code, body := do(t, slackRequest(t, e.srv.URL, "UDEV", "cluster destroy alice-zk", e.replies.srv.URL+"/x", time.Now(), slackSecret))
	var a chatAnswer
	_ = json.Unmarshal([]byte(body), &a)
	run := strings.TrimSuffix(strings.Fields(a.Text + " x x")[2], ":")
	if code != 200 || !strings.HasPrefix(a.Text, "accepted, run ") {
		t.Fatalf("%d %s", code, body)
	}
	rec := e.runOf(t, run)
	if _, err := e.conn.Publish(ctx, &events.ClusterDestroyed{Name: "alice-zk"}, bus.WithRunID(rec)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for len(e.replies.posts()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no reply posted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	p := e.replies.posts()[0]
	if p["replace_original"] != true || !strings.Contains(fmt.Sprint(p["text"]), "cluster alice-zk destroyed") {
		t.Fatalf("reply %v", p)
	}
	r, err := e.g.Runs.Get(ctx, rec)
	if err != nil || r.State != "success" || r.Command != "cluster destroy alice-zk" || r.Sender != "alice" {
		t.Fatalf("record %+v %v", r, err)
	}
}

// runOf finds the full run id of a short one.
func (e *chatEnv) runOf(t *testing.T, short string) string {
	r, err := e.g.Runs.Get(context.Background(), short)
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func TestMain(m *testing.M) {
	// The roles file is the repository's.
	if _, err := os.Stat(filepath.Join("..", "..", "infra", "authz", "roles.yaml")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
