package forge

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-playground/webhooks/v6/gitea"
)

// giteaRefusals are go-playground's Gitea errors that come before or from
// verification. Every other error comes after it.
var giteaRefusals = []refusal{
	{gitea.ErrMissingGiteaEventHeader, ErrMissingHeader, "no X-Gitea-Event or X-Forgejo-Event header"},
	{gitea.ErrMissingGiteaSignatureHeader, ErrSignature, "no X-Gitea-Signature or X-Forgejo-Signature header: give the webhook the stack's secret (repository Settings → Webhooks → Secret)"},
	{gitea.ErrHMACVerificationFailed, ErrSignature, "the signature is not the body's HMAC-SHA256 under the stack's secret: the webhook's secret differs from the one given to ring stack add"},
	{gitea.ErrParsingPayload, ErrMalformed, "empty body"},
	{gitea.ErrEventNotFound, ErrMalformed, "event not parsed (a bug)"},
	{gitea.ErrInvalidHTTPMethod, ErrMalformed, "not a POST (a bug)"},
	{gitea.ErrEventNotSpecifiedToParse, ErrMalformed, "no event to parse (a bug)"},
}

// giteaActs are the Gitea events Ringmaster acts on (pull_request_sync is
// the event type of new commits on a pull request; Gitea sends it as
// pull_request, and some versions as itself).
var giteaActs = map[string]bool{"push": true, "pull_request": true, "pull_request_sync": true, "issue_comment": true}

// parseGitea verifies and decodes a Gitea or Forgejo delivery. Forgejo's
// X-Forgejo-Event, -Delivery and -Signature stand for the X-Gitea-* ones
// when those are absent; when both are sent they must agree. Like GitHub's,
// the library filters events before it verifies, so it is handed the event
// that was sent.
func parseGitea(d *Delivery, h http.Header, body []byte, secret string) error {
	h, err := forgejoHeaders(h)
	if err != nil {
		return err
	}
	hook, err := gitea.New(gitea.Options.Secret(secret))
	if err != nil {
		return err
	}
	event := h.Get("X-Gitea-Event")
	payload, decodeErr, err := d.verify(h, body, "X-Gitea-Event", []string{"X-Gitea-Delivery"}, giteaRefusals,
		func(r *http.Request) (any, error) { return hook.Parse(r, gitea.Event(event)) })
	switch {
	case err != nil:
		return err
	case decodeErr != nil && giteaActs[event]:
		return malformed(d, decodeErr)
	case decodeErr != nil:
		return nil // verified, not an event the library decodes
	}
	switch p := payload.(type) {
	case gitea.PushPayload:
		if p.Repo == nil {
			return malformed(d, fmt.Errorf("no repository"))
		}
		d.Sender, d.RepoName = login(p.Sender), p.Repo.FullName
		d.addURLs(p.Repo.CloneURL, p.Repo.SSHURL, p.Repo.HTMLURL)
		commit := p.After
		if strings.HasPrefix(p.Ref, "refs/tags/") && p.HeadCommit != nil && p.HeadCommit.ID != "" {
			commit = p.HeadCommit.ID
		}
		d.setPush(p.Ref, commit, zeroSHA(p.After))
	case gitea.IssueCommentPayload:
		return d.giteaComment(p)
	case gitea.PullRequestPayload:
		pr := p.PullRequest
		if p.Repository == nil || pr == nil || pr.Head == nil {
			return malformed(d, fmt.Errorf("no repository, pull_request or pull_request.head"))
		}
		d.Sender, d.RepoName = login(p.Sender), p.Repository.FullName
		d.addURLs(p.Repository.CloneURL, p.Repository.SSHURL, p.Repository.HTMLURL)
		d.HeadRepoName = d.RepoName
		if pr.Head.Repository != nil && pr.Head.Repository.FullName != "" {
			d.HeadRepoName = pr.Head.Repository.FullName
		}
		n := p.Index
		if n == 0 {
			n = pr.Index
		}
		d.setPR(n, giteaAction(string(p.Action)), pr.HasMerged, pr.Head.Ref, pr.Head.Sha,
			fmt.Sprintf("refs/pull/%d/head", n))
	}
	return nil
}

// forgejoHeaders returns h with each X-Forgejo-{Event,Delivery,Signature}
// copied to its X-Gitea-* name where that is absent (h is not changed).
// Both present and different is refused: one of them was not sent by the
// forge.
func forgejoHeaders(h http.Header) (http.Header, error) {
	var out http.Header // a copy of h, made at the first change
	for _, name := range []string{"Event", "Delivery", "Signature"} {
		g, f := h.Get("X-Gitea-"+name), h.Get("X-Forgejo-"+name)
		switch {
		case f == "" || f == g:
			continue
		case g != "" && name == "Signature":
			return nil, fmt.Errorf("%w: gitea: X-Gitea-Signature and X-Forgejo-Signature differ", ErrSignature)
		case g != "":
			return nil, fmt.Errorf("%w: gitea: X-Gitea-%s and X-Forgejo-%s differ", ErrMissingHeader, name, name)
		}
		if out == nil {
			out = h.Clone()
		}
		out.Set("X-Gitea-"+name, f)
	}
	if out == nil {
		return h, nil
	}
	return out, nil
}

// login is a user's login, "" for none.
func login(u *gitea.User) string {
	if u == nil {
		return ""
	}
	return u.UserName
}

// giteaAction normalizes a pull request action.
func giteaAction(a string) string {
	switch a {
	case "opened", "reopened", "closed":
		return a
	case "synchronized":
		return ActionSynchronize
	}
	return ActionOther
}
