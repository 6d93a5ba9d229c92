package forge

import (
	"fmt"
	"regexp"
	"strings"

	"ringmaster.dev/kit/gitstack"
)

// Kinds of Delivery: what a verified delivery asks Ringmaster to do.
const (
	KindPush        = "push"         // a branch was pushed (or deleted)
	KindTag         = "tag"          // a tag was pushed (or deleted)
	KindPullRequest = "pull_request" // a pull or merge request changed
	KindPing        = "ping"         // the forge checks the hook (GitHub)
	KindIgnored     = ""             // verified, but nothing to do
)

// Normalized PRAction values.
const (
	ActionOpened      = "opened"
	ActionSynchronize = "synchronize" // new commits on the head branch
	ActionReopened    = "reopened"
	ActionClosed      = "closed" // closed, merged or not (see Merged)
	ActionOther       = "other"  // edited, labelled, approved, …: nothing to build
)

// Delivery is a verified webhook delivery, in the same terms whatever the
// forge. Only Forge, Event, ID and Digest are set for a Kind Ringmaster
// ignores.
type Delivery struct {
	// Forge is github, gitlab or gitea (Forgejo included).
	Forge string
	// Event is the event header's value as sent (X-GitHub-Event,
	// X-Gitlab-Event, X-Gitea-Event or X-Forgejo-Event).
	Event string
	// ID identifies the delivery for deduplication: X-GitHub-Delivery;
	// GitLab's Idempotency-Key (17.4+, the same on a retry), else
	// X-Gitlab-Event-UUID; X-Gitea-Delivery or X-Forgejo-Delivery.
	ID string
	// Digest is the hex SHA-256 of the body: a body replayed under a fresh
	// delivery id has the same one (the forges sign the body, not the id).
	Digest string
	// Kind is KindPush, KindTag, KindPullRequest, KindPing or KindIgnored.
	Kind string
	// RepoURLs is every URL the payload gives for its repository (clone,
	// ssh, html, git_http…), for gitstack.SameRepo; for a pull request, the
	// base (target) repository's. Each passed gitstack.CheckURL.
	RepoURLs []string
	// RepoName is owner/name (GitLab: path_with_namespace).
	RepoName string
	// HeadRepoName is, for a pull request, the repository of its head
	// branch (a fork's owner/name, or RepoName); GitLab takes a merge
	// request's commit statuses on that project.
	HeadRepoName string
	// Ref is the full ref: refs/heads/x, refs/tags/v1; for a pull request
	// the head ref the base repository serves: refs/pull/N/head (GitHub,
	// Gitea) or refs/merge-requests/N/head (GitLab). It passed
	// gitstack.CheckRefName.
	Ref string
	// Branch is the short branch name of a push, or a pull request's head
	// branch; Tag the short name of a tag push.
	Branch, Tag string
	// Commit is the commit to build, 40 (or, SHA-256 repositories, 64)
	// lowercase hex: a push's new head, the commit a tag points to where
	// the forge says (GitHub head_commit, GitLab checkout_sha; Gitea gives
	// only the ref's value, which for an annotated tag is the tag object:
	// peel it), a pull request's head. Empty when Deleted.
	Commit string
	// Deleted tells that the branch or tag was deleted: build nothing.
	Deleted bool
	// PR is the pull request number (GitLab: the merge request's iid).
	PR int
	// PRAction is one of the Action constants.
	PRAction string
	// Merged tells that a closed pull request was merged.
	Merged bool
	// Sender is the login of who caused the event.
	Sender string
	// Comment is a KindComment delivery's comment.
	Comment *Comment
}

var (
	commitRE = regexp.MustCompile(`^(?:[0-9a-f]{40}|[0-9a-f]{64})$`)
	// headerRE bounds what an event or delivery-id header may hold: these
	// values reach facts and message ids before anything else is known.
	eventRE    = regexp.MustCompile(`^[A-Za-z0-9 _.-]{1,64}$`)
	deliveryRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
)

// setPush fills in a push of ref to commit: a branch, a tag, or (another
// kind of ref) nothing to do.
func (d *Delivery) setPush(ref, commit string, deleted bool) {
	switch {
	case strings.HasPrefix(ref, "refs/heads/"):
		d.Kind, d.Branch = KindPush, strings.TrimPrefix(ref, "refs/heads/")
	case strings.HasPrefix(ref, "refs/tags/"):
		d.Kind, d.Tag = KindTag, strings.TrimPrefix(ref, "refs/tags/")
	default:
		d.Kind = KindIgnored
		return
	}
	d.Ref, d.Deleted = ref, deleted || zeroSHA(commit)
	if !d.Deleted {
		d.Commit = commit
	}
}

// setPR fills in pull request n whose head is branch at commit, served by
// the base repository as ref.
func (d *Delivery) setPR(n int64, action string, merged bool, branch, commit, ref string) {
	d.Kind, d.PR, d.PRAction, d.Merged = KindPullRequest, int(n), action, merged
	d.Branch, d.Commit, d.Ref = branch, commit, ref
}

// zeroSHA tells the all-zero id forges send for a deleted ref.
func zeroSHA(s string) bool { return len(s) >= 40 && strings.Trim(s, "0") == "" }

// addURLs appends the non-empty, not yet listed URLs to d.RepoURLs.
func (d *Delivery) addURLs(urls ...string) {
	for _, u := range urls {
		if u != "" && !contains(d.RepoURLs, u) {
			d.RepoURLs = append(d.RepoURLs, u)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// check refuses a delivery whose refs, commit or URLs could not safely
// reach a channel name, a git command or a log line.
func (d *Delivery) check() error {
	if d.Kind == KindIgnored {
		return nil
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s %s: %s", ErrMalformed, d.Forge, d.Event, fmt.Sprintf(format, a...))
	}
	for _, u := range d.RepoURLs {
		if err := gitstack.CheckURL(u); err != nil {
			return bad("repository URL: %v", err)
		}
	}
	if d.Kind == KindPing {
		return nil
	}
	if d.Kind == KindComment {
		if len(d.RepoURLs) == 0 {
			return bad("the payload names no repository URL")
		}
		if c := d.Comment.Commit; c != "" && !commitRE.MatchString(c) {
			return bad("commit %q is not a 40- or 64-digit lowercase hex id", printable(c))
		}
		return nil
	}
	if len(d.RepoURLs) == 0 {
		return bad("the payload names no repository URL")
	}
	if err := gitstack.CheckRefName(d.Ref); err != nil {
		return bad("%v", err)
	}
	if d.Kind == KindPullRequest {
		if d.PR <= 0 {
			return bad("pull request number %d", d.PR)
		}
		if err := gitstack.CheckRefName(d.Branch); err != nil {
			return bad("head branch: %v", err)
		}
	}
	if !d.Deleted && !commitRE.MatchString(d.Commit) {
		return bad("commit %q is not a 40- or 64-digit lowercase hex id", printable(d.Commit))
	}
	return nil
}

// printable cuts s and quotes its control characters for an error message.
func printable(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	q := fmt.Sprintf("%q", s)
	return q[1 : len(q)-1]
}
