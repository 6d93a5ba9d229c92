package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"ringmaster.dev/kit/gitstack"
)

// Commit status states, as Ringmaster says them; each poster maps them to
// its forge's own.
const (
	StatePending = "pending" // the stage runs (GitLab: running)
	StateSuccess = "success"
	StateFailure = "failure" // the stage failed (GitLab: failed)
	StateError   = "error"   // Ringmaster could not run the stage (GitLab: failed)
)

// Status is one commit status; a Poster sets it on a forge.
type Status struct {
	// Repo is owner/name, or a GitLab project path (group/sub/project).
	Repo string
	// Commit is the commit's 40- or 64-digit lowercase hex id.
	Commit string
	// Ref is the branch or tag the status is about (full or short), or a
	// merge request's ref; only GitLab records it (short branch/tag names).
	Ref string
	// State is StatePending, StateSuccess, StateFailure or StateError.
	State string
	// Context names the check (GitLab: name), e.g. ringmaster/build.
	Context string
	// Description is cut to what the forge accepts (GitHub 140 characters,
	// GitLab 255), ending in "…" when cut.
	Description string
	// TargetURL is an absolute http(s) link, or "" (GitLab: at most 255
	// bytes).
	TargetURL string
}

// Poster sets commit statuses on one forge. Post may be called from
// several goroutines; every error it returns is a *PostError.
type Poster interface {
	Post(ctx context.Context, s Status) error
}

// defaultTimeout bounds one status post when NewPoster makes the client.
const defaultTimeout = 10 * time.Second

// NewPoster returns the status client of forge (github, gitlab or gitea)
// with token authentication against api, the API base URL: "" means
// https://api.github.com/ for github, and is an error for gitlab and gitea
// (pass DefaultAPI(forge, repoURL) or the stack's --api). GitHub: the REST
// root (GitHub Enterprise Server: https://HOST/api/v3/); GitLab: the
// instance (api/v4/ is added when missing); Gitea: the instance (a trailing
// api/v1 is dropped). client may be nil: a client with a 10 s timeout.
// Redirects are not followed (unless client has a CheckRedirect), so the
// token goes to api's host only. Errors: ErrUnknownForge, or a missing or
// unusable token or API URL.
func NewPoster(forge, api string, token []byte, client *http.Client) (Poster, error) {
	if forge != gitstack.GitHub && forge != gitstack.GitLab && forge != gitstack.Gitea {
		return nil, fmt.Errorf("%w %q: want github, gitlab or gitea", ErrUnknownForge, printable(forge))
	}
	if len(token) == 0 {
		return nil, fmt.Errorf("%s commit statuses need the stack's forge token: ring stack add --token-file", forge)
	}
	if strings.IndexFunc(string(token), func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return nil, errors.New("the forge token holds spaces or control characters: store the token alone in the token file")
	}
	base, err := apiBase(forge, api)
	if err != nil {
		return nil, err
	}
	c := noRedirects(client)
	switch forge {
	case gitstack.GitHub:
		return newGitHubPoster(base, string(token), c)
	case gitstack.GitLab:
		return newGitLabPoster(base, string(token), c)
	}
	return newGiteaPoster(base, string(token), c), nil
}

// apiBase checks api and gives it a trailing "/".
func apiBase(forge, api string) (string, error) {
	if api == "" {
		if forge == gitstack.GitHub {
			return "https://api.github.com/", nil
		}
		return "", fmt.Errorf("%s commit statuses need the API URL: give ring stack add --api, e.g. https://gitlab.example.org/api/v4", forge)
	}
	u, err := url.Parse(api)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%s API URL %q: want http(s)://host/path without credentials, query or fragment", forge, gitstack.Redact(api))
	}
	return strings.TrimSuffix(api, "/") + "/", nil
}

// noRedirects returns a copy of client (nil: a new one with a 10 s
// timeout) that does not follow redirects unless client says how to.
func noRedirects(client *http.Client) *http.Client {
	c := &http.Client{Timeout: defaultTimeout}
	if client != nil {
		copied := *client
		c = &copied
	}
	if c.CheckRedirect == nil {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

// repoRE is a forge repository path: owner/name, GitLab group/…/project.
var repoRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$`)

// checked validates s and cuts its description to maxDesc characters
// (0: no limit); TargetURL may have at most maxURL bytes (0: no limit).
func (s Status) checked(forge string, maxDesc, maxURL int) (Status, error) {
	bad := func(format string, a ...any) (Status, error) {
		return s, &PostError{Forge: forge, Err: fmt.Errorf("%w: %s", ErrInvalidStatus, fmt.Sprintf(format, a...))}
	}
	switch {
	case s.State != StatePending && s.State != StateSuccess && s.State != StateFailure && s.State != StateError:
		return bad("state %q: want pending, success, failure or error", printable(s.State))
	case !commitRE.MatchString(s.Commit):
		return bad("commit %q is not a 40- or 64-digit lowercase hex id", printable(s.Commit))
	case !repoRE.MatchString(s.Repo) || strings.Contains("/"+s.Repo+"/", "/./") || strings.Contains("/"+s.Repo+"/", "/../"):
		return bad("repository %q: want owner/name (GitLab: group/…/project)", printable(s.Repo))
	case s.Ref != "" && gitstack.CheckRefName(s.Ref) != nil:
		return bad("%v", gitstack.CheckRefName(s.Ref))
	case s.Context == "" || strings.IndexFunc(s.Context, isControl) >= 0:
		return bad("context %q: want a name such as ringmaster/build", printable(s.Context))
	}
	if s.TargetURL != "" {
		u, err := url.Parse(s.TargetURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return bad("target URL %q: want an absolute http(s) URL", printable(s.TargetURL))
		}
		if maxURL > 0 && len(s.TargetURL) > maxURL {
			return bad("target URL has %d bytes, %s takes %d", len(s.TargetURL), forge, maxURL)
		}
	}
	s.Description = cut(s.Description, maxDesc)
	return s, nil
}

// ownerName splits owner/name (GitHub, Gitea).
func ownerName(forge, repo string) (string, string, error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", "", &PostError{Forge: forge, Err: fmt.Errorf("%w: repository %q: want owner/name", ErrInvalidStatus, printable(repo))}
	}
	return owner, name, nil
}

// cut shortens s to at most n characters, the last one "…" (n 0: s).
func cut(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }
