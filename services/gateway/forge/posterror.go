package forge

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// PostError is a refused or failed status post. Retryable is true for
// network errors and timeouts, 429, 5xx and GitHub's rate limits (403 with
// X-RateLimit-Remaining: 0); false for other answers (bad token 401, unknown
// repository 404, invalid state 422, a redirect) and invalid statuses.
// Error() never contains the token.
type PostError struct {
	Forge string
	// Status is the HTTP status of the forge's answer; 0 when there was none.
	Status    int
	Retryable bool
	// RetryAfter is how long the forge asked to wait (Retry-After, or
	// GitHub's rate-limit reset); 0 when it did not say.
	RetryAfter time.Duration
	Err        error
}

func (e *PostError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("post %s commit status: %v", e.Forge, e.Err)
	}
	msg := fmt.Sprintf("post %s commit status: HTTP %d: %v", e.Forge, e.Status, e.Err)
	if hint := postHints[e.Status]; hint != "" && !e.Retryable {
		msg += " (" + hint + ")"
	}
	return msg
}

// postHints say what to do about the refusals a user can fix.
var postHints = map[int]string{
	http.StatusUnauthorized: "the forge refuses the stack's token: store a valid one with ring stack add --token-file",
	http.StatusForbidden:    "the token may not set commit statuses here: GitHub needs commit statuses write, GitLab the api scope and Developer role, Gitea write:repository",
	http.StatusNotFound:     "no such repository or commit, or the token cannot see it: check the stack's --git URL and token",
}

func (e *PostError) Unwrap() error { return e.Err }

// failed classifies the answer to a post that returned err. A 2xx answer
// whose body did not decode is no error: the status was set.
func failed(forge, token string, resp *http.Response, err error) error {
	e := &PostError{Forge: forge, Err: scrub(err, token)}
	if resp != nil {
		e.Status = resp.StatusCode
		e.RetryAfter = retryAfter(resp.Header)
	}
	if e.Status >= 200 && e.Status < 300 {
		return nil
	}
	e.Retryable = e.Status == 0 || e.Status == http.StatusTooManyRequests || e.Status >= 500
	return e
}

// scrub replaces the token wherever an error message carries it (a server
// may echo the request's headers in its answer, which the clients quote).
func scrub(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "***"))
}

// retryAfter reads Retry-After: delay seconds or an HTTP date.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && time.Until(t) > 0 {
		return time.Until(t).Round(time.Second)
	}
	return 0
}
