package forge

import "errors"

// Errors of Detect and Parse, matched with errors.Is. Each is wrapped with
// what was wrong and, where it helps, what to do; none carries the secret.
var (
	// ErrUnknownForge: the headers name no forge Ringmaster knows, or a
	// caller asked for one that is not github, gitlab or gitea (HTTP 400).
	ErrUnknownForge = errors.New("unknown forge")
	// ErrSignature: the signature (GitLab: the token) is missing or does not
	// match the body under the stack's secret (HTTP 401).
	ErrSignature = errors.New("webhook signature does not verify")
	// ErrMissingHeader: the event or delivery-id header is missing, not a
	// usable value, or two spellings of it (X-Gitea-*, X-Forgejo-*)
	// disagree (HTTP 400).
	ErrMissingHeader = errors.New("webhook header missing or unusable")
	// ErrMalformed: the verified body is empty, not JSON of the event's
	// shape, or names a ref, commit or repository URL Ringmaster refuses
	// (HTTP 400).
	ErrMalformed = errors.New("malformed webhook payload")
	// ErrInvalidStatus: a Status that no forge would accept (bad state,
	// commit, repository or URL); Post returns it inside a *PostError that
	// is not retryable.
	ErrInvalidStatus = errors.New("invalid commit status")
)
