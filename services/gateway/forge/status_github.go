package forge

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/google/go-github/v84/github"
	"ringmaster.dev/kit/gitstack"
)

// githubDescription is the longest description GitHub takes (longer is 422).
const githubDescription = 140

// githubPoster creates statuses with go-github:
// POST {api}repos/{owner}/{repo}/statuses/{sha}, Authorization: Bearer.
type githubPoster struct {
	c     *github.Client
	token string
}

func newGitHubPoster(base, token string, client *http.Client) (Poster, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	c := github.NewClient(client).WithAuthToken(token)
	c.BaseURL = u
	return &githubPoster{c: c, token: token}, nil
}

// Post creates s on GitHub. The states are GitHub's own.
func (p *githubPoster) Post(ctx context.Context, s Status) error {
	s, err := s.checked(gitstack.GitHub, githubDescription, 0)
	if err != nil {
		return err
	}
	owner, name, err := ownerName(gitstack.GitHub, s.Repo)
	if err != nil {
		return err
	}
	_, resp, err := p.c.Repositories.CreateStatus(ctx, owner, name, s.Commit, github.RepoStatus{
		State:       github.Ptr(s.State),
		Context:     github.Ptr(s.Context),
		Description: optional(s.Description),
		TargetURL:   optional(s.TargetURL),
	})
	if err == nil {
		return nil
	}
	var r *http.Response
	if resp != nil {
		r = resp.Response
	}
	fail := failed(gitstack.GitHub, p.token, r, err)
	var pe *PostError
	if !errors.As(fail, &pe) {
		return fail
	}
	var rate *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	switch {
	case errors.As(err, &rate):
		pe.Retryable = true
		if wait := time.Until(rate.Rate.Reset.Time); wait > 0 {
			pe.RetryAfter = wait.Round(time.Second)
		}
	case errors.As(err, &abuse):
		pe.Retryable = true
		if abuse.RetryAfter != nil {
			pe.RetryAfter = *abuse.RetryAfter
		}
	}
	return pe
}

// optional is nil for "", so the field is left out.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
