package events

// WebhookReceived reports a webhook delivery the gateway verified and accepted.
type WebhookReceived struct {
	Stack    string `json:"stack"`
	Forge    string `json:"forge"`
	Event    string `json:"event" doc:"the forge's event name (push, Push Hook, pull_request, …)"`
	Delivery string `json:"delivery"`
	Ref      string `json:"ref,omitempty"`
	Commit   string `json:"commit,omitempty"`
	// Run is the pipeline run it started; empty when it starts none.
	Run string `json:"run,omitempty"`
	// Ignored says why a verified delivery starts nothing (a deleted branch, a ping).
	Ignored string `json:"ignored,omitempty"`
}

// WebhookRejected reports a delivery the gateway refused. It never carries
// the secret, the signature or the body.
type WebhookRejected struct {
	Stack    string `json:"stack"`
	Forge    string `json:"forge,omitempty"`
	Event    string `json:"event,omitempty"`
	Delivery string `json:"delivery,omitempty"`
	Status   int    `json:"status" doc:"the HTTP status answered"`
	Reason   string `json:"reason"`
	Remote   string `json:"remote" doc:"the client's address"`
}
