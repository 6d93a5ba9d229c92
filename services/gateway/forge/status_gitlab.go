package forge

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
	"ringmaster.dev/kit/gitstack"
)

// GitLab's limits on a commit status (docs.gitlab.com/api/commits).
const (
	gitlabDescription = 255
	gitlabTargetURL   = 255
)

// gitlabStates maps Ringmaster's states to GitLab's (which has no
// "error", and whose "pending" means queued).
var gitlabStates = map[string]gitlab.BuildStateValue{
	StatePending: gitlab.Running,
	StateSuccess: gitlab.Success,
	StateFailure: gitlab.Failed,
	StateError:   gitlab.Failed,
}

// gitlabPoster sets statuses with GitLab's client-go:
// POST {api}/api/v4/projects/{url-encoded path}/statuses/{sha},
// PRIVATE-TOKEN. The client's own retries are off: the caller retries.
type gitlabPoster struct {
	c     *gitlab.Client
	token string
}

func newGitLabPoster(base, token string, client *http.Client) (Poster, error) {
	c, err := gitlab.NewClient(token,
		gitlab.WithBaseURL(base),
		gitlab.WithHTTPClient(client),
		gitlab.WithoutRetries(),
		gitlab.WithURLWarningLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		return nil, &PostError{Forge: gitstack.GitLab, Err: scrub(err, token)}
	}
	return &gitlabPoster{c: c, token: token}, nil
}

// Post sets s on GitLab. Setting the state a status already has (a
// retried post whose answer was lost) is no error.
func (p *gitlabPoster) Post(ctx context.Context, s Status) error {
	s, err := s.checked(gitstack.GitLab, gitlabDescription, gitlabTargetURL)
	if err != nil {
		return err
	}
	state := gitlabStates[s.State]
	opt := &gitlab.SetCommitStatusOptions{
		State:       state,
		Name:        gitlab.Ptr(s.Context),
		Ref:         optional(shortRef(s.Ref)),
		Description: optional(s.Description),
		TargetURL:   optional(s.TargetURL),
	}
	_, resp, err := p.c.Commits.SetCommitStatus(s.Repo, s.Commit, opt, gitlab.WithContext(ctx))
	if err == nil || alreadySet(err, state) {
		return nil
	}
	var r *http.Response
	if resp != nil {
		r = resp.Response
	}
	return failed(gitstack.GitLab, p.token, r, err)
}

// alreadySet tells GitLab's refusal to move a status to the state it has:
// 400 "Cannot transition status via :run from :running".
func alreadySet(err error, state gitlab.BuildStateValue) bool {
	var e *gitlab.ErrorResponse
	return errors.As(err, &e) && e.StatusCode == http.StatusBadRequest &&
		strings.Contains(e.Message, "Cannot transition status") &&
		strings.Contains(e.Message, "from :"+string(state))
}

// shortRef is the branch or tag name GitLab records for a full ref.
func shortRef(ref string) string {
	for _, p := range []string{"refs/heads/", "refs/tags/"} {
		if strings.HasPrefix(ref, p) {
			return strings.TrimPrefix(ref, p)
		}
	}
	return ref
}
