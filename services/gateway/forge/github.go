package forge

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-playground/webhooks/v6/github"
)

// githubRefusals are go-playground's GitHub errors that come before or from
// verification. Every other error comes after it (the library checks the
// signature before it decodes).
var githubRefusals = []refusal{
	{github.ErrMissingGithubEventHeader, ErrMissingHeader, "no X-GitHub-Event header"},
	{github.ErrMissingHubSignatureHeader, ErrSignature, "no X-Hub-Signature-256 header: give the webhook the stack's secret (repository Settings → Webhooks → Secret)"},
	{github.ErrHMACVerificationFailed, ErrSignature, "X-Hub-Signature-256 is not the body's HMAC-SHA256 under the stack's secret: the webhook's secret differs from the one given to ring stack add"},
	{github.ErrParsingPayload, ErrMalformed, "empty body"},
	{github.ErrEventNotFound, ErrMalformed, "event not parsed (a bug)"},
	{github.ErrInvalidHTTPMethod, ErrMalformed, "not a POST (a bug)"},
	{github.ErrEventNotSpecifiedToParse, ErrMalformed, "no event to parse (a bug)"},
}

// githubActs are the GitHub events Ringmaster acts on.
var githubActs = map[string]bool{"push": true, "ping": true, "pull_request": true, "issue_comment": true}

// parseGitHub verifies and decodes a GitHub delivery. The library filters
// events before it verifies, so it is handed the event that was sent: every
// event, known to it or not, is verified.
func parseGitHub(d *Delivery, h http.Header, body []byte, secret string) error {
	hook, err := github.New(github.Options.Secret(secret))
	if err != nil {
		return err
	}
	event := h.Get("X-GitHub-Event")
	payload, decodeErr, err := d.verify(h, body, "X-GitHub-Event", []string{"X-GitHub-Delivery"}, githubRefusals,
		func(r *http.Request) (any, error) { return hook.Parse(r, github.Event(event)) })
	switch {
	case err != nil:
		return err
	case decodeErr != nil && githubActs[event]:
		return malformed(d, decodeErr)
	case decodeErr != nil:
		return nil // an event the library does not decode: verified, ignored
	}
	switch p := payload.(type) {
	case github.PushPayload:
		d.Sender, d.RepoName = p.Sender.Login, p.Repository.FullName
		repo := p.Repository
		d.addURLs(repo.CloneURL, repo.SSHURL, repo.HTMLURL, repo.GitURL, repo.SvnURL)
		commit := p.After
		if strings.HasPrefix(p.Ref, "refs/tags/") && p.HeadCommit.ID != "" {
			commit = p.HeadCommit.ID // after is the tag object for an annotated tag
		}
		d.setPush(p.Ref, commit, p.Deleted)
	case github.PingPayload:
		d.Kind, d.Sender, d.RepoName = KindPing, p.Sender.Login, p.Repository.FullName
		repo := p.Repository
		d.addURLs(repo.CloneURL, repo.SSHURL, repo.HTMLURL, repo.GitURL, repo.SvnURL)
	case github.IssueCommentPayload:
		d.githubComment(p)
	case github.PullRequestPayload:
		d.Sender, d.RepoName = p.Sender.Login, p.Repository.FullName
		repo, pr := p.Repository, p.PullRequest
		d.addURLs(repo.CloneURL, repo.SSHURL, repo.HTMLURL, repo.GitURL, repo.SvnURL)
		d.HeadRepoName = pr.Head.Repo.FullName
		if d.HeadRepoName == "" {
			d.HeadRepoName = d.RepoName
		}
		d.setPR(p.Number, githubAction(p.Action), pr.Merged, pr.Head.Ref, pr.Head.Sha,
			fmt.Sprintf("refs/pull/%d/head", p.Number))
	}
	return nil
}

// githubAction normalizes a pull_request action.
func githubAction(a string) string {
	switch a {
	case "opened", "synchronize", "reopened", "closed":
		return a
	}
	return ActionOther
}
