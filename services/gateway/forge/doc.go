// Package forge is everything the gateway knows about GitHub, GitLab and
// Gitea/Forgejo: which forge a webhook delivery comes from (Detect), whether
// it is genuine and what it asks for (Parse, turning it into a Delivery), and
// how a commit status is reported back (NewPoster, DefaultAPI).
//
// Verification and payload decoding are go-playground/webhooks'; statuses
// are posted with go-github, GitLab's client-go and the Gitea SDK. Nothing
// here logs, and no error carries a webhook secret or an API token.
package forge
