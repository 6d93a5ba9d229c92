//go:build integration

package main_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The sample deliveries of the forge package, recorded as GitHub documents
// them; the tests change only the repository, refs and commits in them.
const ghSamples = "../../services/gateway/forge/testdata/github"

// ghSampleRepo is the repository the samples name.
const ghSampleRepo = "git://github.com/Codertocat/Hello-World.git"

// ghDelivery is a GitHub webhook delivery: headers and body as GitHub sends them.
type ghDelivery struct {
	event, id string
	body      []byte
}

// ghSample reads a sample body and replaces what the test names (whole
// strings: commit ids, refs, URLs) in it.
func ghSample(t testing.TB, name, event string, replace ...string) ghDelivery {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ghSamples, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(s, replace[i]) {
			t.Fatalf("sample %s has no %q", name, replace[i])
		}
		s = strings.ReplaceAll(s, replace[i], replace[i+1])
	}
	return ghDelivery{event: event, id: uuid.NewString(), body: []byte(s)}
}

// ghPush is a push of after (over before) to ref of repo.
func ghPush(t testing.TB, repo, ref, before, after string) ghDelivery {
	t.Helper()
	return ghSample(t, "push", "push", ghSampleRepo, repo, `"ref": "refs/heads/main"`, `"ref": "`+ref+`"`,
		"6113728f27ae82c7b1a177c8d03f9e96e0adf246", before, "ec26c3e57ca3a959ca5aad62de7213c562f8c821", after)
}

// send delivers d to url with the signature of secret; it returns the
// status, the body and how long the answer took.
func (d ghDelivery) send(t testing.TB, url, secret string) (int, string, time.Duration) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(d.body))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(d.body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/044aadd")
	req.Header.Set("X-GitHub-Event", d.event)
	req.Header.Set("X-GitHub-Delivery", d.id)
	req.Header.Set("X-GitHub-Hook-ID", "109948940")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), time.Since(start)
}

// runOf reads the run id of a 202 answer.
func runOf(t testing.TB, status int, body string) string {
	t.Helper()
	var a struct{ Run string }
	if status != http.StatusAccepted || json.Unmarshal([]byte(body), &a) != nil || a.Run == "" {
		t.Fatalf("webhook answered %d %s, want 202 with a run", status, body)
	}
	return a.Run
}

// status is a commit status as GitHub's API takes it
// (POST /repos/{owner}/{repo}/statuses/{sha}).
type status struct {
	Repo, SHA   string
	State       string `json:"state"`
	TargetURL   string `json:"target_url"`
	Description string `json:"description"`
	Context     string `json:"context"`
}

// statusRecorder stands in for GitHub's commit status API: it checks the
// token and the body against the documented schema and records what it took.
type statusRecorder struct {
	t     testing.TB
	token string
	srv   *httptest.Server
	mu    sync.Mutex
	got   []status
	bad   []string
}

var statusPath = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/statuses/([0-9a-f]{40})$`)

func newStatusRecorder(t testing.TB, token string) *statusRecorder {
	r := &statusRecorder{t: t, token: token}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		m := statusPath.FindStringSubmatch(req.URL.Path)
		auth := req.Header.Get("Authorization")
		switch {
		case req.Method != http.MethodPost || m == nil:
			r.refuse(w, http.StatusNotFound, req.Method+" "+req.URL.Path)
			return
		case auth != "Bearer "+token && auth != "token "+token:
			r.refuse(w, http.StatusUnauthorized, "Authorization "+auth)
			return
		}
		var s status
		dec := json.NewDecoder(req.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			r.refuse(w, http.StatusUnprocessableEntity, "body: "+err.Error())
			return
		}
		switch {
		case s.State != "pending" && s.State != "success" && s.State != "failure" && s.State != "error":
			r.refuse(w, http.StatusUnprocessableEntity, "state "+s.State)
			return
		case s.Context == "" || utf8.RuneCountInString(s.Description) > 140:
			r.refuse(w, http.StatusUnprocessableEntity, "context or description: "+s.Context+" "+s.Description)
			return
		}
		s.Repo, s.SHA = m[1]+"/"+m[2], m[3]
		r.mu.Lock()
		r.got = append(r.got, s)
		id := len(r.got)
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "state": s.State, "context": s.Context})
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *statusRecorder) refuse(w http.ResponseWriter, code int, why string) {
	r.mu.Lock()
	r.bad = append(r.bad, why)
	r.mu.Unlock()
	http.Error(w, why, code)
}

// of returns the states posted for sha, in order, per context: e.g.
// "ringmaster/build: pending success; ringmaster/test: pending failure".
func (r *statusRecorder) of(sha string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var contexts []string
	states := map[string][]string{}
	for _, s := range r.got {
		if s.SHA == sha {
			if states[s.Context] == nil {
				contexts = append(contexts, s.Context)
			}
			states[s.Context] = append(states[s.Context], s.State)
		}
	}
	sort.Strings(contexts)
	var out []string
	for _, c := range contexts {
		out = append(out, c+": "+strings.Join(states[c], " "))
	}
	return strings.Join(out, "; ")
}

// last returns the last status of sha on context.
func (r *statusRecorder) last(sha, context string) (status, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.got) - 1; i >= 0; i-- {
		if s := r.got[i]; s.SHA == sha && s.Context == context {
			return s, true
		}
	}
	return status{}, false
}

// waitFor waits until sha has the statuses want (as of says them).
func (r *statusRecorder) waitFor(sha string, want string) {
	r.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if got := r.of(sha); got == want {
			return
		} else if time.Now().After(deadline) {
			r.mu.Lock()
			bad := r.bad
			r.mu.Unlock()
			r.t.Fatalf("statuses of %s: %v, want %v (refused: %v)", sha[:12], got, want, bad)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// run delivers d and returns the run id of its 202 answer.
func (d ghDelivery) run(t testing.TB, url, secret string) string {
	t.Helper()
	code, body, _ := d.send(t, url, secret)
	return runOf(t, code, body)
}
