package forge

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-playground/webhooks/v6/gitlab"
	gitlabapi "gitlab.com/gitlab-org/api/client-go/v2"
)

// gitlabRefusals are go-playground's GitLab errors that come before or from
// verification (it compares the token first, in constant time). Every
// other error, ErrEventNotFound included, comes after it.
var gitlabRefusals = []refusal{
	{gitlab.ErrGitLabTokenVerificationFailed, ErrSignature, "X-Gitlab-Token is missing or is not the stack's secret: set the webhook's Secret token to the secret given to ring stack add"},
	{gitlab.ErrMissingGitLabEventHeader, ErrMissingHeader, "no X-Gitlab-Event header"},
	{gitlab.ErrParsingPayload, ErrMalformed, "empty body"},
	{gitlab.ErrInvalidHTTPMethod, ErrMalformed, "not a POST (a bug)"},
	{gitlab.ErrEventNotSpecifiedToParse, ErrMalformed, "no event to parse (a bug)"},
}

// gitlabIDs are the headers a GitLab delivery id is read from, best first:
// Idempotency-Key is the same on a retry, X-Gitlab-Event-UUID is not.
var gitlabIDs = []string{"Idempotency-Key", "X-Gitlab-Event-UUID"}

// parseGitLab verifies and decodes a GitLab delivery. Push Hook, Tag Push
// Hook and Merge Request Hook are decoded; other verified events are
// ignored.
func parseGitLab(d *Delivery, h http.Header, body []byte, secret string) error {
	hook, err := gitlab.New(gitlab.Options.Secret(secret))
	if err != nil {
		return err
	}
	payload, decodeErr, err := d.verify(h, body, "X-Gitlab-Event", gitlabIDs, gitlabRefusals,
		func(r *http.Request) (any, error) {
			return hook.Parse(r, gitlab.PushEvents, gitlab.TagEvents, gitlab.MergeRequestEvents, gitlab.CommentEvents)
		})
	switch {
	case err != nil:
		return err
	case errors.Is(decodeErr, gitlab.ErrEventNotFound):
		return nil // verified, not an event Ringmaster acts on
	case decodeErr != nil:
		return malformed(d, decodeErr)
	}
	switch p := payload.(type) {
	case gitlab.PushEventPayload:
		d.Sender, d.RepoName = p.UserUsername, p.Project.PathWithNamespace
		d.gitlabURLs(p.Project, p.Repository)
		d.setPush(p.Ref, gitlabCommit(p.CheckoutSHA, p.After), zeroSHA(p.After))
	case gitlab.TagEventPayload:
		d.Sender, d.RepoName = p.UserUsername, p.Project.PathWithNamespace
		d.gitlabURLs(p.Project, p.Repository)
		d.setPush(p.Ref, gitlabCommit(p.CheckoutSHA, p.After), zeroSHA(p.After))
	case gitlab.CommentEventPayload:
		d.gitlabComment(p)
	case gitlab.MergeRequestEventPayload:
		a := p.ObjectAttributes
		d.Sender, d.RepoName = p.User.UserName, p.Project.PathWithNamespace
		d.gitlabURLs(p.Project, p.Repository)
		d.HeadRepoName = a.Source.PathWithNamespace
		if d.HeadRepoName == "" {
			d.HeadRepoName = d.RepoName
		}
		action, err := gitlabAction(a.Action, body)
		if err != nil {
			return malformed(d, err)
		}
		d.setPR(a.IID, action, a.Action == "merge", a.SourceBranch, a.LastCommit.ID,
			fmt.Sprintf("refs/merge-requests/%d/head", a.IID))
	}
	return nil
}

// gitlabURLs adds the project's and repository's URLs.
func (d *Delivery) gitlabURLs(p gitlab.Project, r gitlab.Repository) {
	d.addURLs(p.GitHTTPURL, p.GitSSHURL, p.WebURL, p.HTTPURL, p.SSHURL, p.URL, p.Homepage,
		r.GitHTTPURL, r.GitSSHURL, r.URL, r.Homepage)
}

// gitlabCommit is the commit a push checks out: checkout_sha (for a tag,
// the commit it points to), else after.
func gitlabCommit(checkout, after string) string {
	if checkout != "" {
		return checkout
	}
	return after
}

// gitlabAction normalizes a merge request action. An update is new commits
// only when object_attributes.oldrev is present, which go-playground does
// not decode: GitLab's own client types do.
func gitlabAction(action string, body []byte) (string, error) {
	switch action {
	case "open":
		return ActionOpened, nil
	case "reopen":
		return ActionReopened, nil
	case "close", "merge":
		return ActionClosed, nil
	case "update":
		var ev gitlabapi.MergeEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			return "", err
		}
		if ev.ObjectAttributes.OldRev != "" {
			return ActionSynchronize, nil
		}
	}
	return ActionOther, nil
}
