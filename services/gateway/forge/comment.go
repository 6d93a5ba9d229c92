package forge

import (
	"github.com/go-playground/webhooks/v6/gitea"
	"github.com/go-playground/webhooks/v6/github"
	"github.com/go-playground/webhooks/v6/gitlab"
)

// KindComment is a comment on a pull/merge request, an issue or a commit:
// chat-ops through the forge (a line starting /ring).
const KindComment = "comment"

// Comment is a verified comment delivery's comment.
type Comment struct {
	// ID is the forge's id of the comment.
	ID int64
	// Body is the comment's text, as written.
	Body string
	// Author is the login of who wrote it.
	Author string
	// Created is false for an edit or a deletion: only new comments ask.
	Created bool
	// Issue is the pull/merge request or issue number (GitLab: iid); 0 on
	// a commit.
	Issue int
	// PullRequest tells a pull/merge request from an issue.
	PullRequest bool
	// Commit is the commit a GitLab commit note is on, or a merge
	// request's last commit.
	Commit string
	// URL is the comment's page.
	URL string
}

// githubComment reads an issue_comment delivery (on an issue or a pull request).
func (d *Delivery) githubComment(p github.IssueCommentPayload) {
	d.Kind, d.Sender, d.RepoName = KindComment, p.Comment.User.Login, p.Repository.FullName
	repo := p.Repository
	d.addURLs(repo.CloneURL, repo.SSHURL, repo.HTMLURL, repo.GitURL, repo.SvnURL)
	d.Comment = &Comment{ID: p.Comment.ID, Body: p.Comment.Body, Author: p.Comment.User.Login, Created: p.Action == "created",
		Issue: int(p.Issue.Number), PullRequest: p.Issue.PullRequest != nil, URL: p.Comment.HTMLURL}
	d.PR = d.Comment.prNumber()
}

// gitlabComment reads a Note Hook delivery: a note on a merge request, a
// commit or an issue. GitLab sends no action before 16.x: a note without
// one is new.
func (d *Delivery) gitlabComment(p gitlab.CommentEventPayload) {
	a := p.ObjectAttributes
	d.Kind, d.Sender, d.RepoName = KindComment, p.User.UserName, p.Project.PathWithNamespace
	d.gitlabURLs(p.Project, p.Repository)
	c := &Comment{ID: a.ID, Body: a.Note, Author: p.User.UserName, Created: a.Action == "" || a.Action == "create", URL: a.URL}
	switch a.NotebookType {
	case "MergeRequest":
		c.Issue, c.PullRequest, c.Commit = int(p.MergeRequest.IID), true, p.MergeRequest.LastCommit.ID
	case "Commit":
		c.Commit = a.CommitID
		if c.Commit == "" {
			c.Commit = p.Commit.ID
		}
	case "Issue":
		c.Issue = int(p.Issue.IID)
	}
	d.Comment = c
	d.PR = c.prNumber()
}

// giteaComment reads a Gitea or Forgejo issue_comment delivery.
func (d *Delivery) giteaComment(p gitea.IssueCommentPayload) error {
	if p.Repository == nil || p.Comment == nil || p.Issue == nil {
		return malformed(d, errNoCommentParts)
	}
	d.Kind, d.RepoName = KindComment, p.Repository.FullName
	d.Sender = login(p.Comment.Poster)
	d.addURLs(p.Repository.CloneURL, p.Repository.SSHURL, p.Repository.HTMLURL)
	d.Comment = &Comment{ID: p.Comment.ID, Body: p.Comment.Body, Author: d.Sender, Created: p.Action == "created",
		Issue: int(p.Issue.Index), PullRequest: p.IsPull, URL: p.Comment.HTMLURL}
	d.PR = d.Comment.prNumber()
	return nil
}

func (c *Comment) prNumber() int {
	if c.PullRequest {
		return c.Issue
	}
	return 0
}

type commentErr string

func (e commentErr) Error() string { return string(e) }

const errNoCommentParts = commentErr("no repository, comment or issue")
