package events

// AuditRecorded reports one request to the gateway's chat-ops or REST API,
// allowed or not: who asked what, from where, and what was decided by
// which rule. It never carries a secret, a signature or a token.
type AuditRecorded struct {
	Platform string `json:"platform" doc:"slack, mattermost, github, gitlab, gitea, rest, cli or schedule"`
	Team     string `json:"team,omitempty" doc:"the workspace, team or organisation"`
	User     string `json:"user,omitempty" doc:"the platform's user id (REST: the token's user)"`
	Name     string `json:"name,omitempty" doc:"who, as the identity mapping names them"`
	Room     string `json:"room,omitempty" doc:"the channel, room, or repository and request it came from"`
	Remote   string `json:"remote,omitempty" doc:"the client's address"`
	Command  string `json:"command,omitempty" doc:"the request as written, cut to 200 characters"`
	Verb     string `json:"verb,omitempty" doc:"the verb understood, e.g. cluster destroy"`
	Target   string `json:"target,omitempty" doc:"what it acts on: stack, cluster, channel or realms"`
	Decision string `json:"decision" doc:"allow, deny (the authorization policy said no) or refused (unverified, replayed or malformed: never reached the policy)"`
	Rule     string `json:"rule,omitempty" doc:"the policy rule that decided, or why it was refused"`
	Reason   string `json:"reason,omitempty" doc:"the sentence the requester was answered"`
	Run      string `json:"run,omitempty" doc:"the run an allowed request started"`
}

// Decisions of an AuditRecorded.
const (
	DecisionAllow   = "allow"
	DecisionDeny    = "deny"
	DecisionRefused = "refused"
)

// ChatReplyRequested asks the gateway to follow the run a chat-ops or REST
// request started, keep its run record, and post its progress and result
// where the request came from — one message updated in place where the
// platform allows. Where to post (a Slack response_url, a forge comment)
// is kept in the gateway's KV bucket, not in the event. The CLI and the
// sweep scheduler ask it too (platform cli or schedule), for the record
// only: nothing is posted, and the record ends even if the CLI does not.
type ChatReplyRequested struct {
	Platform string `json:"platform" doc:"slack, mattermost, github, gitlab, gitea, rest, cli or schedule"`
	Command  string `json:"command" doc:"the request, as the grammar reads it back (e.g. build fixture --distro debian-12)"`
}

// RepoListRequested asks the repo-publisher what its channels publish.
type RepoListRequested struct {
	Channel string `json:"channel,omitempty" doc:"one channel; empty means every channel"`
}

// RepoListed answers RepoListRequested: each channel's packages per distro.
type RepoListed struct {
	Channels []ChannelListing `json:"channels"`
	// Truncated says the list was cut to keep the fact under 1 MiB.
	Truncated bool `json:"truncated,omitempty"`
}

// ChannelListing is what one channel publishes for one distro.
type ChannelListing struct {
	Channel  string   `json:"channel"`
	Distro   string   `json:"distro"`
	Revision int      `json:"revision"`
	Packages []string `json:"packages" doc:"name@version (architecture), sorted"`
}

// Triggers of the runs chat-ops, forge comments, the REST API, the `ring`
// CLI straight onto the bus and the sweeps `ring up --sweep-every`
// schedules start (runs.Record.Trigger); a comment's retest is a pipeline
// run with TriggerRetest.
const (
	TriggerChat     = "chat"
	TriggerComment  = "comment"
	TriggerREST     = "rest"
	TriggerCLI      = "cli"
	TriggerSchedule = "schedule"
)
