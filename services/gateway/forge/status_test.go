package forge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

const (
	testToken  = "rm_T0ken-that-must-not-leak"
	testCommit = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
)

// statusAPI is a forge's documented "create a commit status" endpoint.
type statusAPI struct {
	forge, repo string
	api         func(serverURL string) string // the API URL a user would give
	path        string                        // the escaped request path
	token       func(*http.Request) string    // the token as the request carries it
	fields      []string                      // the body's documented fields
	states      []string                      // the state values the forge accepts
	stateOf     map[string]string             // Ringmaster's state → the forge's
	name        string                        // the field naming the check
	maxDesc     int                           // the description's limit (0: none)
}

var statusAPIs = []statusAPI{
	{ // https://docs.github.com/en/rest/commits/statuses#create-a-commit-status
		forge: "github", repo: "Codertocat/Hello-World",
		api:  func(u string) string { return u + "/" },
		path: "/repos/Codertocat/Hello-World/statuses/" + testCommit,
		token: func(r *http.Request) string {
			return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		},
		fields:  []string{"state", "target_url", "description", "context"},
		states:  []string{"error", "failure", "pending", "success"},
		stateOf: map[string]string{"pending": "pending", "success": "success", "failure": "failure", "error": "error"},
		name:    "context", maxDesc: 140,
	},
	{ // https://docs.gitlab.com/api/commits/#set-the-pipeline-status-of-a-commit
		forge: "gitlab", repo: "group/sub/proj",
		api:     func(u string) string { return u },
		path:    "/api/v4/projects/group%2Fsub%2Fproj/statuses/" + testCommit,
		token:   func(r *http.Request) string { return r.Header.Get("PRIVATE-TOKEN") },
		fields:  []string{"state", "ref", "name", "context", "target_url", "description", "coverage", "pipeline_id"},
		states:  []string{"pending", "running", "success", "failed", "canceled", "skipped"},
		stateOf: map[string]string{"pending": "running", "success": "success", "failure": "failed", "error": "failed"},
		name:    "name", maxDesc: 255,
	},
	{ // https://gitea.com/api/swagger#/repository/repoCreateStatus
		forge: "gitea", repo: "gitea/webhooks",
		api:  func(u string) string { return u + "/api/v1" },
		path: "/api/v1/repos/gitea/webhooks/statuses/" + testCommit,
		token: func(r *http.Request) string {
			return strings.TrimPrefix(r.Header.Get("Authorization"), "token ")
		},
		fields:  []string{"state", "target_url", "description", "context"},
		states:  []string{"pending", "success", "error", "failure", "warning"},
		stateOf: map[string]string{"pending": "pending", "success": "success", "failure": "failure", "error": "error"},
		name:    "context",
	},
}

// seenRequest is what the recording server saw.
type seenRequest struct {
	method, path string
	header       http.Header
	body         []byte
}

// recorder is a forge API on 127.0.0.1 that records each request and
// answers with answer (nil: 201 and a status).
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []seenRequest
}

func newRecorder(t *testing.T, answer http.HandlerFunc) *recorder {
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.seen = append(rec.seen, seenRequest{r.Method, r.URL.EscapedPath(), r.Header.Clone(), body})
		rec.mu.Unlock()
		if answer != nil {
			answer(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id": 1, "status": "success", "state": "success", "context": "ringmaster/build"}`)
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (rec *recorder) requests() []seenRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seenRequest(nil), rec.seen...)
}

func newTestPoster(t *testing.T, a statusAPI, url string) Poster {
	t.Helper()
	p, err := NewPoster(a.forge, a.api(url), []byte(testToken), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func testStatus(a statusAPI, state string) Status {
	return Status{
		Repo: a.repo, Commit: testCommit, Ref: "refs/heads/main", State: state, Context: "ringmaster/build",
		Description: strings.Repeat("build ✓ ", 40), // 320 characters
		TargetURL:   "https://ring.example.org/runs/r-1",
	}
}

// TestPostDocumentedRequest: each state goes to the forge's documented
// endpoint with the token, and the body holds only documented fields and
// state values.
func TestPostDocumentedRequest(t *testing.T) {
	for _, a := range statusAPIs {
		for _, state := range []string{StatePending, StateSuccess, StateFailure, StateError} {
			t.Run(a.forge+"/"+state, func(t *testing.T) {
				rec := newRecorder(t, nil)
				s := testStatus(a, state)
				if err := newTestPoster(t, a, rec.URL).Post(context.Background(), s); err != nil {
					t.Fatal(err)
				}
				seen := rec.requests()
				if len(seen) != 1 {
					t.Fatalf("%d requests, want 1", len(seen))
				}
				r := seen[0]
				if r.method != http.MethodPost || r.path != a.path {
					t.Errorf("%s %s, want POST %s", r.method, r.path, a.path)
				}
				if got := a.token(&http.Request{Header: r.header}); got != testToken {
					t.Errorf("token sent as %q", got)
				}
				if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q", ct)
				}
				var body map[string]any
				if err := json.Unmarshal(r.body, &body); err != nil {
					t.Fatalf("body %s: %v", r.body, err)
				}
				for k := range body {
					if !contains(a.fields, k) {
						t.Errorf("field %q is not in the documented schema %v", k, a.fields)
					}
				}
				st, _ := body["state"].(string)
				if !contains(a.states, st) || st != a.stateOf[state] {
					t.Errorf("state %q, want %q (one of %v)", st, a.stateOf[state], a.states)
				}
				if body[a.name] != "ringmaster/build" || body["target_url"] != s.TargetURL {
					t.Errorf("%s %v, target_url %v", a.name, body[a.name], body["target_url"])
				}
				desc, _ := body["description"].(string)
				switch {
				case a.maxDesc == 0 && desc != s.Description:
					t.Errorf("description changed: %q", desc)
				case a.maxDesc > 0 && (utf8.RuneCountInString(desc) != a.maxDesc || !strings.HasSuffix(desc, "…")):
					t.Errorf("description of %d characters, want %d ending in …", utf8.RuneCountInString(desc), a.maxDesc)
				}
				if a.forge == "gitlab" && body["ref"] != "main" {
					t.Errorf("ref %v, want main", body["ref"])
				}
			})
		}
	}
}

// TestPostConcurrent: one Poster serves many goroutines (run with -race).
func TestPostConcurrent(t *testing.T) {
	for _, a := range statusAPIs {
		rec := newRecorder(t, nil)
		p := newTestPoster(t, a, rec.URL)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- p.Post(context.Background(), testStatus(a, StatePending))
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("%s: %v", a.forge, err)
			}
		}
		if n := len(rec.requests()); n != 8 {
			t.Errorf("%s: %d requests, want 8", a.forge, n)
		}
	}
}

// TestPostRefused: the forge's refusals become PostErrors, retryable for
// 429 and 5xx only, and no error shows the token even when the forge
// echoes it.
func TestPostRefused(t *testing.T) {
	for _, a := range statusAPIs {
		for _, code := range []int{401, 403, 404, 422, 429, 500, 502, 503} {
			t.Run(fmt.Sprintf("%s/%d", a.forge, code), func(t *testing.T) {
				rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					if code == 429 {
						w.Header().Set("Retry-After", "7")
					}
					w.WriteHeader(code)
					fmt.Fprintf(w, `{"message": "refused: you sent %s"}`, a.token(r))
				})
				err := newTestPoster(t, a, rec.URL).Post(context.Background(), testStatus(a, StateSuccess))
				var pe *PostError
				if !errors.As(err, &pe) {
					t.Fatalf("Post = %v, want a *PostError", err)
				}
				retry := code == 429 || code >= 500
				if pe.Forge != a.forge || pe.Status != code || pe.Retryable != retry {
					t.Errorf("PostError{Forge %q Status %d Retryable %v}, want %s %d %v: %v", pe.Forge, pe.Status, pe.Retryable, a.forge, code, retry, err)
				}
				if code == 429 && pe.RetryAfter != 7*time.Second {
					t.Errorf("RetryAfter %v, want 7s", pe.RetryAfter)
				}
				if strings.Contains(err.Error(), testToken) || strings.Contains(fmt.Sprintf("%+v", pe.Err), testToken) {
					t.Errorf("the error shows the token: %v", err)
				}
				t.Log(err)
			})
		}
	}
}

// TestPostGitHubRateLimit: GitHub's primary rate limit is a 403 with
// X-RateLimit-Remaining: 0: retry after the reset.
func TestPostGitHubRateLimit(t *testing.T) {
	reset := time.Now().Add(90 * time.Second).Unix()
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"message": "API rate limit exceeded for user ID 1."}`)
	})
	err := newTestPoster(t, statusAPIs[0], rec.URL).Post(context.Background(), testStatus(statusAPIs[0], StatePending))
	var pe *PostError
	if !errors.As(err, &pe) || !pe.Retryable || pe.Status != 403 || pe.RetryAfter < 60*time.Second {
		t.Fatalf("Post = %#v", err)
	}
}

// TestPostUnreachable: no answer at all is retryable.
func TestPostUnreachable(t *testing.T) {
	for _, a := range statusAPIs {
		rec := newRecorder(t, nil)
		url := rec.URL
		rec.Close()
		err := newTestPoster(t, a, url).Post(context.Background(), testStatus(a, StateSuccess))
		var pe *PostError
		if !errors.As(err, &pe) || !pe.Retryable || pe.Status != 0 || strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: Post = %v", a.forge, err)
		}
	}
}

// TestPostCancelled: a cancelled context ends the post; retryable.
func TestPostCancelled(t *testing.T) {
	for _, a := range statusAPIs {
		rec := newRecorder(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := newTestPoster(t, a, rec.URL).Post(ctx, testStatus(a, StateSuccess))
		var pe *PostError
		if !errors.As(err, &pe) || !pe.Retryable || !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Post = %v", a.forge, err)
		}
	}
}

// TestPostNoRedirect: a redirect is not followed, so the token never
// reaches another host; the post fails for good.
func TestPostNoRedirect(t *testing.T) {
	for _, a := range statusAPIs {
		elsewhere := newRecorder(t, nil)
		rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
		})
		err := newTestPoster(t, a, rec.URL).Post(context.Background(), testStatus(a, StateSuccess))
		var pe *PostError
		if !errors.As(err, &pe) || pe.Retryable || pe.Status != http.StatusTemporaryRedirect {
			t.Errorf("%s: Post = %v", a.forge, err)
		}
		if n := len(elsewhere.requests()); n != 0 {
			t.Errorf("%s: the redirect target got %d requests", a.forge, n)
		}
	}
}

// TestGitLabSameStateAgain: GitLab refuses to set a status to the state it
// has (a retry whose first answer was lost): that is success. Another 400
// is not.
func TestGitLabSameStateAgain(t *testing.T) {
	a := statusAPIs[1]
	for msg, ok := range map[string]bool{
		`{"message": "Cannot transition status via :run from :running"}`:     true,
		`{"message": "Cannot transition status via :drop from :success"}`:    false,
		`{"message": {"state": ["is not included in the list"]}}`:            false,
		`{"message": "Cannot transition status via :success from :running"}`: false,
	} {
		rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, msg)
		})
		s := testStatus(a, StatePending)
		if strings.Contains(msg, ":drop") || strings.Contains(msg, ":success from") {
			s.State = StateFailure
		}
		err := newTestPoster(t, a, rec.URL).Post(context.Background(), s)
		var pe *PostError
		if ok && err != nil || !ok && (!errors.As(err, &pe) || pe.Retryable || pe.Status != 400) {
			t.Errorf("%s: Post = %v", msg, err)
		}
	}
}

// TestPostInvalidStatus: a status no forge takes is refused before any
// request, for good.
func TestPostInvalidStatus(t *testing.T) {
	for _, a := range statusAPIs {
		for _, bad := range []func(*Status){
			func(s *Status) { s.State = "done" },
			func(s *Status) { s.State = "" },
			func(s *Status) { s.Commit = "main" },
			func(s *Status) { s.Commit = strings.ToUpper(testCommit) },
			func(s *Status) { s.Repo = "" },
			func(s *Status) { s.Repo = "../x" },
			func(s *Status) { s.Repo = "acme/.." },
			func(s *Status) { s.Repo = "acme/stacks?x=1" },
			func(s *Status) { s.Repo = "noslash" },
			func(s *Status) { s.Ref = "refs/heads/a;b" },
			func(s *Status) { s.Context = "" },
			func(s *Status) { s.Context = "a\nb" },
			func(s *Status) { s.TargetURL = "ftp://ring.example.org/runs/1" },
			func(s *Status) { s.TargetURL = "/runs/1" },
		} {
			rec := newRecorder(t, nil)
			s := testStatus(a, StateSuccess)
			bad(&s)
			err := newTestPoster(t, a, rec.URL).Post(context.Background(), s)
			var pe *PostError
			if !errors.As(err, &pe) || pe.Retryable || !errors.Is(err, ErrInvalidStatus) || len(rec.requests()) != 0 {
				t.Errorf("%s %+v: Post = %v after %d requests", a.forge, s, err, len(rec.requests()))
			}
		}
	}
	for _, forge := range []string{"github", "gitea"} { // owner/name only
		rec := newRecorder(t, nil)
		a := statusAPIs[0]
		if forge == "gitea" {
			a = statusAPIs[2]
		}
		s := testStatus(a, StateSuccess)
		s.Repo = "group/sub/proj"
		if err := newTestPoster(t, a, rec.URL).Post(context.Background(), s); !errors.Is(err, ErrInvalidStatus) {
			t.Errorf("%s group/sub/proj: %v", forge, err)
		}
	}
	rec := newRecorder(t, nil)
	s := testStatus(statusAPIs[1], StateSuccess)
	s.TargetURL = "https://ring.example.org/" + strings.Repeat("x", 250)
	if err := newTestPoster(t, statusAPIs[1], rec.URL).Post(context.Background(), s); !errors.Is(err, ErrInvalidStatus) {
		t.Errorf("gitlab target URL over 255: %v", err)
	}
}

func TestNewPosterRefuses(t *testing.T) {
	for _, tc := range []struct {
		forge, api, token string
	}{
		{"github", "", ""},
		{"github", "", "tok en"},
		{"github", "", "token\n"},
		{"gitlab", "", testToken},
		{"gitea", "", testToken},
		{"github", "ftp://api.example.org/", testToken},
		{"gitlab", "https://user:pw@gitlab.example.org/", testToken},
		{"gitea", "https://gitea.example.org/?x=1", testToken},
		{"bitbucket", "https://api.bitbucket.org/", testToken},
		{"bitbucket", "", testToken},
	} {
		p, err := NewPoster(tc.forge, tc.api, []byte(tc.token), nil)
		if err == nil || p != nil {
			t.Errorf("NewPoster(%q, %q, %q) = %v, %v", tc.forge, tc.api, tc.token, p, err)
		} else if strings.Contains(err.Error(), "pw@") || tc.token != "" && strings.Contains(err.Error(), tc.token) {
			t.Errorf("NewPoster error shows a secret: %v", err)
		}
	}
	if _, err := NewPoster("bitbucket", "", []byte(testToken), nil); !errors.Is(err, ErrUnknownForge) {
		t.Errorf("bitbucket: %v", err)
	}
	if p, err := NewPoster("github", "", []byte(testToken), nil); err != nil || p == nil {
		t.Errorf("github with the public API: %v", err)
	}
}

func TestPostErrorMessage(t *testing.T) {
	e := &PostError{Forge: "github", Status: 401, Err: errors.New("Bad credentials")}
	if e.Error() != "post github commit status: HTTP 401: Bad credentials (the forge refuses the stack's token: store a valid one with ring stack add --token-file)" {
		t.Error(e.Error())
	}
	e = &PostError{Forge: "gitlab", Status: 503, Retryable: true, Err: errors.New("Service Unavailable")}
	if e.Error() != "post gitlab commit status: HTTP 503: Service Unavailable" {
		t.Error(e.Error())
	}
	e = &PostError{Forge: "gitea", Err: context.DeadlineExceeded}
	if e.Error() != "post gitea commit status: context deadline exceeded" || !errors.Is(e, context.DeadlineExceeded) {
		t.Error(e.Error())
	}
}

func TestDefaultAPI(t *testing.T) {
	for _, tc := range []struct{ forge, repo, want string }{
		{"github", "https://github.com/acme/stacks.git", "https://api.github.com/"},
		{"github", "git@github.com:acme/stacks.git", "https://api.github.com/"},
		{"github", "ssh://git@GitHub.com/acme/stacks.git", "https://api.github.com/"},
		{"github", "https://ghe.example.org/acme/stacks.git", "https://ghe.example.org/api/v3/"},
		{"gitlab", "https://gitlab.example.org/group/sub/proj.git", "https://gitlab.example.org/api/v4/"},
		{"gitlab", "git@gitlab.example.org:group/proj.git", "https://gitlab.example.org/api/v4/"},
		{"gitlab", "ssh://git@gitlab.example.org:2222/group/proj.git", "https://gitlab.example.org/api/v4/"},
		{"gitea", "http://127.0.0.1:3000/gitea/webhooks.git", "http://127.0.0.1:3000/"},
		{"gitea", "https://codeberg.org/forgejo/forgejo", "https://codeberg.org/"},
		{"gitea", "gitea@[::1]:gitea/webhooks.git", ""},
		{"gitea", "ssh://git@[::1]:2222/gitea/webhooks.git", "https://[::1]/"},
		{"gitea", "git://127.0.0.1:9418/stacks.git", ""},
		{"gitea", "file:///srv/git/stacks.git", ""},
		{"gitea", "", ""},
		{"gitea", "/srv/git/stacks.git", ""},
		{"bitbucket", "https://bitbucket.org/acme/stacks.git", ""},
	} {
		if got := DefaultAPI(tc.forge, tc.repo); got != tc.want {
			t.Errorf("DefaultAPI(%q, %q) = %q, want %q", tc.forge, tc.repo, got, tc.want)
		}
	}
}
