package gateway

import (
	"fmt"
	"regexp"
	"strings"

	"ringmaster.dev/events"
	"ringmaster.dev/gateway/forge"
	"ringmaster.dev/kit/gitstack"
)

// ReleaseChannel is where v* tags are promoted.
const ReleaseChannel = "stable"

var commitRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// errRefused is a delivery that is verified but cannot be acted on as sent
// (a malformed ref or commit): answered 400.
var errRefused = fmt.Errorf("refused")

// pipelineFor decides what a verified delivery for the stack rec starts:
// a pipeline run, or nothing (ignored says why).
//
//   - a push to the default branch publishes to the stack's own channel,
//     a push to another branch to branch-<name>;
//   - a pull (merge) request opened, updated or reopened to pr-<n>;
//   - a tag v* is built into the stack's channel (from the build cache, by
//     build key) and, once its suites pass, promoted to stable: the same
//     bytes, re-signed indexes;
//   - a deleted branch or tag, a closed request, other tags and other
//     events start nothing.
func pipelineFor(rec gitstack.Record, d forge.Delivery) (req events.PipelineRunRequested, ignored string, err error) {
	req = events.PipelineRunRequested{Stack: rec.Name, Forge: d.Forge, Delivery: d.ID, Sender: d.Sender, PR: d.PR,
		Git: events.GitRef{Repo: rec.Git, Commit: d.Commit, Ref: d.Ref, Path: rec.Path}}
	switch d.Kind {
	case "":
		return req, fmt.Sprintf("the %s event starts nothing", d.Event), nil
	case "ping":
		return req, "ping", nil
	}
	if err := gitstack.CheckRefName(d.Ref); err != nil {
		return req, "", fmt.Errorf("%w: %w", errRefused, err)
	}
	if d.Deleted {
		return req, fmt.Sprintf("%s was deleted: nothing to build", strings.TrimPrefix(strings.TrimPrefix(d.Ref, "refs/heads/"), "refs/tags/")), nil
	}
	if !commitRE.MatchString(d.Commit) {
		return req, "", fmt.Errorf("%w: commit %q is not 40 hex digits", errRefused, d.Commit)
	}
	switch d.Kind {
	case "push":
		req.Trigger = events.TriggerPush
		if d.Branch != rec.Branch {
			req.Channel = gitstack.BranchChannel(d.Branch)
		}
	case "tag":
		if !strings.HasPrefix(d.Tag, "v") {
			return req, fmt.Sprintf("tag %s is not a release tag (v*): nothing to promote", d.Tag), nil
		}
		req.Trigger, req.PromoteTo = events.TriggerTag, ReleaseChannel
	case "pull_request":
		switch d.PRAction {
		case "opened", "synchronize", "reopened":
			req.Trigger, req.Channel = events.TriggerPR, gitstack.PRChannel(d.PR)
		case "closed":
			return req, fmt.Sprintf("request %d closed: channel %s is retired by ring repo gc", d.PR, gitstack.PRChannel(d.PR)), nil
		default:
			return req, fmt.Sprintf("request %d %s: nothing to build", d.PR, d.PRAction), nil
		}
	default:
		return req, fmt.Sprintf("the %s delivery starts nothing", d.Kind), nil
	}
	return req, "", nil
}
