//go:build integration

package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus/bustest"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/runs"
	"ringmaster.dev/kit/service"
)

// The stacks the forge package's recorded samples belong to, and a secret each.
var hookStacks = []struct {
	rec    gitstack.Record
	secret string
}{
	{gitstack.Record{Name: "hello", Git: "https://github.com/Codertocat/Hello-World.git", Forge: gitstack.GitHub}, "github secret"},
	{gitstack.Record{Name: "diaspora", Git: "git@example.com:mike/diaspora.git", Forge: gitstack.GitLab}, "gitlab token"},
	{gitstack.Record{Name: "webhooks", Git: "http://localhost:3000/gitea/webhooks.git", Forge: gitstack.Gitea}, "gitea secret"},
	{gitstack.Record{Name: "forgejo", Git: "http://localhost:3000/forgejo/webhooks.git"}, "forgejo secret"},
	{gitstack.Record{Name: "gitlab-test", Git: "http://example.com/gitlabhq/gitlab-test.git", Forge: gitstack.GitLab}, "gitlab token 2"},
}

// request is a sample delivery of the forge package's testdata, its
// delivery id made new and its signature made with secret.
func request(t *testing.T, base, stack, forge, name, secret string, change func(h http.Header, body []byte) []byte) *http.Request {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("forge", "testdata", forge, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("forge", "testdata", forge, name+".headers"))
	if err != nil {
		t.Fatal(err)
	}
	mime, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(raw, '\n')))).ReadMIMEHeader()
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header(mime)
	id := uuid.NewString()
	for _, k := range []string{"X-GitHub-Delivery", "X-Gitea-Delivery", "X-Forgejo-Delivery", "X-Gogs-Delivery", "X-Gitlab-Event-UUID", "Idempotency-Key"} {
		if h.Get(k) != "" {
			h.Set(k, id)
		}
	}
	if change != nil {
		body = change(h, body)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	sum := hex.EncodeToString(mac.Sum(nil))
	for k, v := range map[string]string{"X-Hub-Signature-256": "sha256=" + sum, "X-Gitea-Signature": sum, "X-Forgejo-Signature": sum, "X-Gogs-Signature": sum, "X-Gitlab-Token": secret} {
		if h.Get(k) != "" {
			h.Set(k, v)
		}
	}
	h.Del("X-Hub-Signature")
	h.Del("Content-Length")
	req, err := http.NewRequest(http.MethodPost, base+"/hooks/"+stack, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	return req
}

// TestWebhookIntake sends the recorded deliveries of every forge, and bad
// ones, to a gateway on an embedded NATS: each accepted one is answered 202
// with a run within a second, its pipeline command stored once; each bad
// one is a clear 4xx, stores no command and is a webhook.rejected fact
// that never holds the secret.
func TestWebhookIntake(t *testing.T) {
	ctx := context.Background()
	conn := bustest.Embedded(t)
	if err := conn.EnsureTopology(ctx); err != nil {
		t.Fatal(err)
	}
	keys := t.TempDir()
	g, err := Open(ctx, service.Deps{Bus: conn, KeyDir: keys, Log: zerolog.Nop()}, Options{HTTP: "127.0.0.1:0", MaxBody: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go g.Serve(sctx)
	reg, err := gitstack.Open(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range hookStacks {
		if err := reg.Put(ctx, s.rec); err != nil {
			t.Fatal(err)
		}
		if err := gitstack.WriteSecret(gitstack.SecretPath(keys, s.rec.Name), []byte(s.secret)); err != nil {
			t.Fatal(err)
		}
	}
	base := "http://" + g.Addr()
	send := func(req *http.Request) (int, hookAnswer, time.Duration) {
		t.Helper()
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		took := time.Since(start)
		var a hookAnswer
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("answer %d is not JSON: %s", resp.StatusCode, b)
		}
		return resp.StatusCode, a, took
	}
	gh, gl, gt, fj, glt := hookStacks[0], hookStacks[1], hookStacks[2], hookStacks[3], hookStacks[4]

	// Accepted: a push from each forge (Forgejo's own headers too).
	accepted := 0
	var redeliver *http.Request
	for _, tc := range []struct {
		stack, forge, name, secret string
	}{
		{gh.rec.Name, "github", "push", gh.secret},
		{gh.rec.Name, "github", "pull_request_opened", gh.secret},
		{gl.rec.Name, "gitlab", "push", gl.secret},
		{glt.rec.Name, "gitlab", "merge_request_open", glt.secret},
		{gt.rec.Name, "gitea", "push", gt.secret},
		{fj.rec.Name, "gitea", "forgejo_push", fj.secret},
	} {
		req := request(t, base, tc.stack, tc.forge, tc.name, tc.secret, nil)
		replay, _ := http.NewRequest(http.MethodPost, req.URL.String(), nil)
		body, _ := io.ReadAll(req.Body)
		req.Body, replay.Body = io.NopCloser(bytes.NewReader(body)), io.NopCloser(bytes.NewReader(body))
		replay.Header = req.Header.Clone()
		code, a, took := send(req)
		if code != http.StatusAccepted || a.Run == "" || took > time.Second {
			t.Fatalf("%s %s: %d %+v in %s, want 202 with a run within 1s", tc.forge, tc.name, code, a, took)
		}
		accepted++
		r, err := g.Runs.Get(ctx, a.Run)
		if err != nil || r.State != runs.Queued || r.Stack != tc.stack || len(r.Commit) != 40 {
			t.Errorf("%s %s: run record %+v %v", tc.forge, tc.name, r, err)
		}
		if redeliver == nil {
			redeliver = replay
		}
	}
	// The forge delivers the same again: the same run, no second command.
	if code, a, _ := send(redeliver); code != http.StatusAccepted || !a.Duplicate {
		t.Errorf("redelivery: %d %+v, want 202 duplicate", code, a)
	}
	// Verified, but nothing to build.
	for _, name := range []string{"ping", "branch_delete", "pull_request_closed"} {
		if code, a, _ := send(request(t, base, gh.rec.Name, "github", name, gh.secret, nil)); code != http.StatusOK || a.Ignored == "" {
			t.Errorf("%s: %d %+v, want 200 ignored", name, code, a)
		}
	}

	// The closed request's channel is to be retired.
	if closed, err := g.Requests.List(ctx); err != nil || len(closed) != 1 || closed[0].Channel != "pr-2" || closed[0].Stack != gh.rec.Name {
		t.Errorf("closed requests: %+v %v, want pr-2 of %s", closed, err, gh.rec.Name)
	}

	// Refused.
	setJSON := func(field, value string) func(http.Header, []byte) []byte {
		return func(_ http.Header, b []byte) []byte {
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			m[field] = value
			out, _ := json.Marshal(m)
			return out
		}
	}
	setRepo := func(url string) func(http.Header, []byte) []byte {
		return func(_ http.Header, b []byte) []byte {
			return bytes.ReplaceAll(b, []byte("https://github.com/Codertocat/Hello-World.git"), []byte(url))
		}
	}
	big := func(_ http.Header, b []byte) []byte { return append(b, bytes.Repeat([]byte(" "), 70<<10)...) }
	replayed := request(t, base, gh.rec.Name, "github", "push", gh.secret, nil)
	replayed.Header.Set("X-GitHub-Delivery", uuid.NewString()) // the first push's body under a new id
	for _, tc := range []struct {
		name string
		req  *http.Request
		code int
		says string
	}{
		{"wrong HMAC", request(t, base, gh.rec.Name, "github", "push", "not the secret", nil), 401, "signature"},
		{"no signature", func() *http.Request {
			r := request(t, base, gh.rec.Name, "github", "push", gh.secret, nil)
			r.Header.Del("X-Hub-Signature-256")
			return r
		}(), 401, "signature"},
		{"wrong GitLab token", request(t, base, gl.rec.Name, "gitlab", "push", "not the token", nil), 401, "signature"},
		{"no delivery id", func() *http.Request {
			r := request(t, base, gh.rec.Name, "github", "push", gh.secret, setJSON("after", "0123456789abcdef0123456789abcdef01234567"))
			r.Header.Del("X-GitHub-Delivery")
			return r
		}(), 400, "X-GitHub-Delivery"},
		{"no event header", func() *http.Request {
			r := request(t, base, gh.rec.Name, "github", "push", gh.secret, nil)
			r.Header.Del("X-GitHub-Event")
			return r
		}(), 400, "forge"},
		{"replayed delivery", replayed, 409, "replayed"},
		{"oversized body", request(t, base, gh.rec.Name, "github", "push", gh.secret, big), 413, "body over"},
		{"malformed JSON", request(t, base, gh.rec.Name, "github", "push", gh.secret, func(_ http.Header, b []byte) []byte { return b[:len(b)/2] }), 400, "JSON"},
		{"unknown stack", request(t, base, "nope", "github", "push", gh.secret, nil), 404, "no stack from git"},
		{"unknown repository", request(t, base, gh.rec.Name, "github", "push", gh.secret, func(h http.Header, b []byte) []byte {
			return bytes.ReplaceAll(b, []byte("Codertocat/Hello-World"), []byte("mallory/other"))
		}), 404, "is not stack hello's"},
		{"credentials in the repository URL", request(t, base, gh.rec.Name, "github", "push", gh.secret, setRepo("https://mallory:ghp_leak@github.com/Codertocat/Hello-World.git")), 400, "credentials"},
		{"a ref with ../", request(t, base, gh.rec.Name, "github", "push", gh.secret, setJSON("ref", "refs/heads/../../etc/passwd")), 400, "ref"},
		{"a ref with ;", request(t, base, gh.rec.Name, "github", "push", gh.secret, setJSON("ref", "refs/heads/x;reboot")), 400, "ref"},
		{"a ref with a newline", request(t, base, gh.rec.Name, "github", "push", gh.secret, setJSON("ref", "refs/heads/x\nid")), 400, "ref"},
		{"another forge than the stack's", request(t, base, gh.rec.Name, "gitlab", "push", gh.secret, nil), 400, "is on github"},
	} {
		code, a, _ := send(tc.req)
		if code != tc.code || !strings.Contains(a.Error, tc.says) {
			t.Errorf("%s: %d %q, want %d saying %q", tc.name, code, a.Error, tc.code, tc.says)
		}
	}

	// Exactly the accepted deliveries are commands.
	stream, err := conn.JS.Stream(ctx, events.CommandStream(Name))
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != uint64(accepted) {
		t.Errorf("CMD_GATEWAY holds %d commands, want %d", info.State.Msgs, accepted)
	}
	// Every refusal is a fact, and none holds a secret.
	facts, err := conn.JS.OrderedConsumer(ctx, events.FactStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{"ringmaster.fact.webhook.rejected"}})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := facts.Fetch(100, jetstream.FetchMaxWait(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	for m := range batch.Messages() {
		rejected++
		for _, s := range append([]string{"ghp_leak"}, gh.secret, gl.secret, gt.secret) {
			if strings.Contains(string(m.Data()), s) {
				t.Errorf("a rejection fact holds a secret: %s", m.Data())
			}
		}
	}
	if rejected != 15 {
		t.Errorf("%d webhook.rejected facts, want 15", rejected)
	}
}
