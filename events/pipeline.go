package events

// Pipeline triggers (PipelineRunRequested.Trigger).
const (
	TriggerPush   = "push"
	TriggerPR     = "pull_request"
	TriggerTag    = "tag"
	TriggerManual = "manual"
	TriggerRetest = "retest"
)

// PipelineRunRequested asks the gateway to take one commit of a stack from
// git through build, publish, a test cluster, the suites and its removal,
// reporting each stage to the forge as a commit status. The run id of the
// command is the pipeline's: every command and fact it causes carries it.
type PipelineRunRequested struct {
	Stack   string `json:"stack"`
	Git     GitRef `json:"git"`
	Trigger string `json:"trigger" doc:"push, pull_request, tag, manual or retest"`
	// Channel is where the packages go: the stack's channel for the default
	// branch (empty: the stack's), branch-<name>, pr-<n>.
	Channel string `json:"channel,omitempty" doc:"channel to publish into (empty: the stack's own)"`
	// PromoteTo is set for a v* tag: the build's packages are promoted from
	// Channel into it (same bytes, re-signed indexes) instead of rebuilt there.
	PromoteTo string `json:"promote_to,omitempty" doc:"for a v* tag: promote the built packages from channel to this one"`
	PR        int    `json:"pr,omitempty" doc:"pull/merge request number"`
	Forge     string `json:"forge,omitempty" doc:"github, gitlab or gitea: where commit statuses go"`
	Delivery  string `json:"delivery,omitempty" doc:"the webhook delivery id that caused it"`
	Sender    string `json:"sender,omitempty" doc:"who pushed, as the forge names them"`
}

// PipelineStage reports one stage of a pipeline run changing state.
type PipelineStage struct {
	Stack  string `json:"stack"`
	Commit string `json:"commit"`
	Stage  string `json:"stage" doc:"build, publish, promote, cluster, test, destroy"`
	State  string `json:"state" doc:"running, success, failure or skipped"`
	Detail string `json:"detail,omitempty"`
}

// PipelineFinished reports how a pipeline run ended.
type PipelineFinished struct {
	Stack   string  `json:"stack"`
	Commit  string  `json:"commit"`
	Channel string  `json:"channel"`
	State   string  `json:"state" doc:"success or failure"`
	Reason  string  `json:"reason,omitempty" doc:"why it failed, in a sentence"`
	Cluster string  `json:"cluster,omitempty"`
	JUnit   string  `json:"junit_key,omitempty" doc:"object key of the JUnit XML"`
	Seconds float64 `json:"seconds"`
}

// ForgeStatusRequested asks the gateway to set a commit status on the forge.
type ForgeStatusRequested struct {
	Stack       string `json:"stack"`
	Forge       string `json:"forge" doc:"github, gitlab or gitea"`
	Commit      string `json:"commit"`
	Ref         string `json:"ref,omitempty"`
	Context     string `json:"context" doc:"the status's name, e.g. ringmaster/build"`
	State       string `json:"state" doc:"pending, success, failure or error"`
	Description string `json:"description"`
	TargetURL   string `json:"target_url,omitempty" doc:"link to the run"`
}

// ForgeStatusPosted reports a commit status the forge accepted.
type ForgeStatusPosted struct {
	Stack   string `json:"stack"`
	Forge   string `json:"forge"`
	Commit  string `json:"commit"`
	Context string `json:"context"`
	State   string `json:"state"`
}
