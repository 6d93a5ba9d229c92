package forge

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	giteasdk "code.gitea.io/sdk/gitea"
	gh "github.com/google/go-github/v84/github"
	gl "gitlab.com/gitlab-org/api/client-go/v2"
	"ringmaster.dev/kit/gitstack"
)

// Thread is where a reply comment goes: a pull/merge request or issue of
// a repository, or (GitLab) a commit.
type Thread struct {
	// Repo is owner/name, or a GitLab project path.
	Repo string
	// Issue is the pull/merge request or issue number; 0 for a commit.
	Issue       int
	PullRequest bool
	Commit      string
}

// Replier posts a reply comment and edits it in place as the run goes on.
// Every error is a *PostError.
type Replier interface {
	// Create posts body and returns the comment's id.
	Create(ctx context.Context, t Thread, body string) (int64, error)
	// Edit replaces the body of comment id. editable is false where the
	// forge cannot edit it (a GitLab commit comment): post a new one.
	Edit(ctx context.Context, t Thread, id int64, body string) (editable bool, err error)
}

// NewReplier is the reply-comment client of forge with token
// authentication against api, as NewPoster takes them (the same clients,
// the same checks: no redirects, the token to api's host only).
func NewReplier(forge, api string, token []byte, client *http.Client) (Replier, error) {
	p, err := NewPoster(forge, api, token, client)
	if err != nil {
		return nil, err
	}
	switch p := p.(type) {
	case *githubPoster:
		return githubReplier{p}, nil
	case *gitlabPoster:
		return gitlabReplier{p}, nil
	case *giteaPoster:
		return giteaReplier{p}, nil
	}
	return nil, fmt.Errorf("%w %q: no reply comments", ErrUnknownForge, printable(forge))
}

type githubReplier struct{ p *githubPoster }

func (r githubReplier) Create(ctx context.Context, t Thread, body string) (int64, error) {
	owner, name, err := ownerName(gitstack.GitHub, t.Repo)
	if err != nil {
		return 0, err
	}
	c, resp, err := r.p.c.Issues.CreateComment(ctx, owner, name, t.Issue, &gh.IssueComment{Body: &body})
	if err != nil {
		return 0, failed(gitstack.GitHub, r.p.token, httpResp(resp), err)
	}
	return c.GetID(), nil
}

func (r githubReplier) Edit(ctx context.Context, t Thread, id int64, body string) (bool, error) {
	owner, name, err := ownerName(gitstack.GitHub, t.Repo)
	if err != nil {
		return true, err
	}
	_, resp, err := r.p.c.Issues.EditComment(ctx, owner, name, id, &gh.IssueComment{Body: &body})
	if err != nil {
		return true, failed(gitstack.GitHub, r.p.token, httpResp(resp), err)
	}
	return true, nil
}

func httpResp(r *gh.Response) *http.Response {
	if r == nil {
		return nil
	}
	return r.Response
}

type gitlabReplier struct{ p *gitlabPoster }

func (r gitlabReplier) Create(ctx context.Context, t Thread, body string) (int64, error) {
	var id int64
	var resp *gl.Response
	var err error
	switch {
	case t.Issue > 0 && t.PullRequest:
		var n *gl.Note
		n, resp, err = r.p.c.Notes.CreateMergeRequestNote(t.Repo, int64(t.Issue), &gl.CreateMergeRequestNoteOptions{Body: &body}, gl.WithContext(ctx))
		if n != nil {
			id = n.ID
		}
	case t.Issue > 0:
		var n *gl.Note
		n, resp, err = r.p.c.Notes.CreateIssueNote(t.Repo, int64(t.Issue), &gl.CreateIssueNoteOptions{Body: &body}, gl.WithContext(ctx))
		if n != nil {
			id = n.ID
		}
	default:
		_, resp, err = r.p.c.Commits.PostCommitComment(t.Repo, t.Commit, &gl.PostCommitCommentOptions{Note: &body}, gl.WithContext(ctx))
	}
	if err != nil {
		return 0, failed(gitstack.GitLab, r.p.token, glResp(resp), err)
	}
	return id, nil
}

func (r gitlabReplier) Edit(ctx context.Context, t Thread, id int64, body string) (bool, error) {
	var resp *gl.Response
	var err error
	switch {
	case t.Issue > 0 && t.PullRequest:
		_, resp, err = r.p.c.Notes.UpdateMergeRequestNote(t.Repo, int64(t.Issue), id, &gl.UpdateMergeRequestNoteOptions{Body: &body}, gl.WithContext(ctx))
	case t.Issue > 0:
		_, resp, err = r.p.c.Notes.UpdateIssueNote(t.Repo, int64(t.Issue), id, &gl.UpdateIssueNoteOptions{Body: &body}, gl.WithContext(ctx))
	default:
		return false, nil // commit comments cannot be edited through the API
	}
	if err != nil {
		return true, failed(gitstack.GitLab, r.p.token, glResp(resp), err)
	}
	return true, nil
}

func glResp(r *gl.Response) *http.Response {
	if r == nil {
		return nil
	}
	return r.Response
}

type giteaReplier struct{ p *giteaPoster }

func (r giteaReplier) client(ctx context.Context) (*giteasdk.Client, error) {
	c, err := giteasdk.NewClient(r.p.base, giteasdk.SetToken(r.p.token), giteasdk.SetHTTPClient(r.p.client),
		giteasdk.SetGiteaVersion(""), giteasdk.SetContext(ctx))
	if err != nil {
		return nil, &PostError{Forge: gitstack.Gitea, Err: scrub(err, r.p.token)}
	}
	return c, nil
}

func (r giteaReplier) Create(ctx context.Context, t Thread, body string) (int64, error) {
	owner, name, err := ownerName(gitstack.Gitea, t.Repo)
	if err != nil {
		return 0, err
	}
	c, err := r.client(ctx)
	if err != nil {
		return 0, err
	}
	cm, resp, err := c.CreateIssueComment(owner, name, int64(t.Issue), giteasdk.CreateIssueCommentOption{Body: body})
	if err != nil {
		return 0, failed(gitstack.Gitea, r.p.token, giteaResp(resp), err)
	}
	return cm.ID, nil
}

func (r giteaReplier) Edit(ctx context.Context, t Thread, id int64, body string) (bool, error) {
	owner, name, err := ownerName(gitstack.Gitea, t.Repo)
	if err != nil {
		return true, err
	}
	c, err := r.client(ctx)
	if err != nil {
		return true, err
	}
	_, resp, err := c.EditIssueComment(owner, name, id, giteasdk.EditIssueCommentOption{Body: body})
	if err != nil {
		return true, failed(gitstack.Gitea, r.p.token, giteaResp(resp), err)
	}
	return true, nil
}

func giteaResp(r *giteasdk.Response) *http.Response {
	if r == nil {
		return nil
	}
	return r.Response
}

// ReplyBody is a reply comment: the requester, the command and what came
// of it. It never starts a line with /ring, so a reply asks nothing.
func ReplyBody(author, command, text string) string {
	text = strings.ReplaceAll(text, "\n/ring", "\n /ring")
	return fmt.Sprintf("@%s `%s`\n\n%s", author, strings.ReplaceAll(command, "`", "'"), text)
}
