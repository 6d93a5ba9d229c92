package forge

import (
	"context"
	"net/http"
	"strings"

	"code.gitea.io/sdk/gitea"
	"ringmaster.dev/kit/gitstack"
)

// giteaPoster creates statuses with the Gitea SDK:
// POST {api}/api/v1/repos/{owner}/{repo}/statuses/{sha},
// Authorization: token. Works with Forgejo.
type giteaPoster struct {
	base   string // the instance, without /api/v1
	token  string
	client *http.Client
}

func newGiteaPoster(base, token string, client *http.Client) Poster {
	base = strings.TrimSuffix(strings.TrimSuffix(base, "/"), "/api/v1")
	return &giteaPoster{base: base, token: token, client: client}
}

// Post creates s on Gitea. The SDK takes its context per client, so each
// post makes one; its server version probe is off (SetGiteaVersion("")).
func (p *giteaPoster) Post(ctx context.Context, s Status) error {
	s, err := s.checked(gitstack.Gitea, 0, 0)
	if err != nil {
		return err
	}
	owner, name, err := ownerName(gitstack.Gitea, s.Repo)
	if err != nil {
		return err
	}
	c, err := gitea.NewClient(p.base,
		gitea.SetToken(p.token),
		gitea.SetHTTPClient(p.client),
		gitea.SetGiteaVersion(""),
		gitea.SetContext(ctx))
	if err != nil {
		return &PostError{Forge: gitstack.Gitea, Err: scrub(err, p.token)}
	}
	_, resp, err := c.CreateStatus(owner, name, s.Commit, gitea.CreateStatusOption{
		State:       gitea.StatusState(s.State),
		TargetURL:   s.TargetURL,
		Description: s.Description,
		Context:     s.Context,
	})
	if err == nil {
		return nil
	}
	var r *http.Response
	if resp != nil {
		r = resp.Response
	}
	return failed(gitstack.Gitea, p.token, r, err)
}
