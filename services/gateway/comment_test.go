package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/chatconf"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/runs"
)

// commentAPI stands in for GitHub's issue comment API: it checks the token
// and records each comment created or edited.
type commentAPI struct {
	srv  *httptest.Server
	mu   sync.Mutex
	made []string // "POST path body" / "PATCH path body"
}

func newCommentAPI(t *testing.T, token string) *commentAPI {
	c := &commentAPI{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		var b struct{ Body string }
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.Body == "" {
			http.Error(w, "no body", http.StatusUnprocessableEntity)
			return
		}
		c.mu.Lock()
		c.made = append(c.made, r.Method+" "+r.URL.Path+" "+b.Body)
		n := len(c.made)
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
		}
		fmt.Fprintf(w, `{"id": %d, "body": %q}`, 1000+n, b.Body)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *commentAPI) wait(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		got := append([]string(nil), c.made...)
		c.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d comments made, want %d: %q", len(got), n, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// deliverComment sends GitHub's issue_comment sample with its comment body
// replaced, signed with secret.
func deliverComment(t *testing.T, url, secret, id, text string) (int, string) {
	t.Helper()
	b, err := os.ReadFile("forge/testdata/github/issue_comment.json")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(string(b), `"body": "Looks good to me.\n/ring retest"`, fmt.Sprintf(`"body": %q`, text), 1)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	req, _ := http.NewRequest(http.MethodPost, url+"/hooks/hello", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "issue_comment")
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	return do(t, req)
}

// TestForgeComments: /ring lines in pull request comments, verified like
// the push webhooks, decided by the same policy, answered by a reply
// comment; retest runs the request's last pipeline again.
func TestForgeComments(t *testing.T) {
	e := newChatEnv(t)
	ctx := context.Background()
	api := newCommentAPI(t, "ghs_comment-token")
	reg, err := gitstack.Open(ctx, e.conn.JS)
	must(t, err)
	must(t, reg.Put(ctx, gitstack.Record{Name: "hello", Git: "https://github.com/Codertocat/Hello-World.git", Branch: "main",
		Forge: gitstack.GitHub, API: api.srv.URL + "/", Token: true}))
	const secret = "hook secret"
	must(t, gitstack.WriteSecret(gitstack.SecretPath(e.keys, "hello"), []byte(secret)))
	must(t, gitstack.WriteSecret(gitstack.TokenPath(e.keys, "hello"), []byte("ghs_comment-token")))

	// Codertocat is in no group yet: a retest is denied, in a reply comment.
	code, body := deliverComment(t, e.srv.URL, secret, "c-1", "/ring retest")
	if code != 200 || !strings.Contains(body, "role-required") {
		t.Fatalf("unmapped retest: %d %s", code, body)
	}
	got := api.wait(t, 1)
	if !strings.HasPrefix(got[0], "POST /repos/Codertocat/Hello-World/issues/2/comments @Codertocat `/ring retest`") ||
		!strings.Contains(got[0], "retest needs role developer; you have none") {
		t.Fatalf("reply: %q", got[0])
	}
	// Mapped as a developer, with a pipeline run of the request to retest.
	must(t, chatconf.WriteYAML(chatconf.IdentitiesPath(e.keys), "", chatconf.Identities{Version: 1, Identities: []chatconf.Identity{
		{ID: "github:Codertocat", Name: "coder", Groups: []string{"developers"}}}}))
	commit := strings.Repeat("c", 40)
	_, err = e.g.Runs.Create(ctx, &runs.Record{ID: "11111111-2222-3333-4444-555555555555", Kind: "pipeline", Trigger: events.TriggerPR,
		State: runs.Success, Stack: "hello", Repo: "https://github.com/Codertocat/Hello-World.git", Ref: "refs/pull/2/head",
		Commit: commit, Channel: "pr-2", PR: 2, Forge: "github", Created: time.Now().Add(-time.Hour)})
	must(t, err)
	code, body = deliverComment(t, e.srv.URL, secret, "c-2", "LGTM\n/ring retest")
	if code != 202 || !strings.Contains(body, `"run"`) {
		t.Fatalf("retest: %d %s", code, body)
	}
	// A redelivery of the same delivery starts nothing more.
	if code, _ := deliverComment(t, e.srv.URL, secret, "c-2", "LGTM\n/ring retest"); code != 202 {
		t.Errorf("redelivery: %d", code)
	}
	s, err := e.conn.JS.Stream(ctx, events.CommandStream(Name))
	must(t, err)
	msg, err := s.GetLastMsgForSubject(ctx, "ringmaster.cmd.gateway.pipeline.run.requested")
	must(t, err)
	var p events.PipelineRunRequested
	must(t, json.Unmarshal(msg.Data, &p))
	if p.Trigger != events.TriggerRetest || p.Git.Commit != commit || p.Channel != "pr-2" || p.PR != 2 {
		t.Errorf("retest command %+v", p)
	}
	info, err := s.Info(ctx)
	must(t, err)
	if info.State.Msgs != 2 { // the pipeline and its follow-up, once
		t.Errorf("%d gateway commands, want 2", info.State.Msgs)
	}
	// A comment without /ring, and an edit, ask nothing; a bad signature is 401.
	if code, body := deliverComment(t, e.srv.URL, secret, "c-3", "just a comment"); code != 200 || !strings.Contains(body, "no line starting /ring") {
		t.Errorf("plain comment: %d %s", code, body)
	}
	if code, _ := deliverComment(t, e.srv.URL, "wrong", "c-4", "/ring retest"); code != 401 {
		t.Errorf("bad signature: %d", code)
	}
	got = api.wait(t, 2)
	if !strings.Contains(got[1], "accepted, run ") {
		t.Errorf("accepted reply: %q", got[1])
	}
}
