package gateway

import (
	"strings"

	"ringmaster.dev/events"
)

// pipelineFacts are the facts a pipeline run is derived from.
var pipelineFacts = []string{"build.finished", "repo.published", "cluster.ready", "cluster.rejected", "cluster.failed",
	"cluster.destroyed", "test.finished", "command.failed", "forge.status.posted"}

// state is where a pipeline run stands, folded from its facts: after a
// crash the coordinator replays them and continues from there.
type state struct {
	build *events.BuildFinished
	// published are the distros whose publish command (the builder's, one
	// per distro) was answered by repo.published; promoted says the
	// promote was. (A repo.published names every distro of the channel,
	// so the answer is told by the id it derives from its command's.)
	published map[string]bool
	promoted  bool
	ready     *events.ClusterReady
	// clusterFail is why no cluster came up (rejected or failed).
	clusterFail string
	test        *events.TestFinished
	destroyed   bool
	// failed maps a command type ("build.requested") to why a service
	// gave up on it.
	failed map[string]string
	// posted are the commit statuses the forge took ("<context>/<state>").
	posted map[string]bool
}

func newState() *state {
	return &state{published: map[string]bool{}, failed: map[string]string{}, posted: map[string]bool{}}
}

// apply folds one fact of the run into the state.
func (s *state) apply(env events.Envelope) {
	_, payload, err := env.Decode()
	if err != nil {
		return
	}
	switch p := payload.(type) {
	case *events.BuildFinished:
		s.build = p
	case *events.RepoPublished:
		if _, rest, ok := strings.Cut(env.ID, "/repo.publish.requested/publish/"); ok {
			d, _, _ := strings.Cut(rest, "/")
			s.published[d] = true
		} else if strings.Contains(env.ID, "/repo.promote.requested/promote/") {
			s.promoted = true
		}
	case *events.ClusterReady:
		s.ready = p
	case *events.ClusterRejected:
		s.clusterFail = "denied by the compatibility policy: " + reasons(p.Reasons)
	case *events.ClusterFailed:
		s.clusterFail = p.Reason
	case *events.ClusterDestroyed:
		s.destroyed = true
	case *events.TestFinished:
		s.test = p
	case *events.CommandFailed:
		if name, _, err := events.ParseType(p.CommandType); err == nil {
			s.failed[name] = strings.TrimPrefix(p.Reason, "permanent: ")
			// A status given up on: nothing more will come of it.
			if _, key, ok := strings.Cut(p.CommandID, "/forge.status.requested/"); ok {
				s.posted[key] = true
			}
		}
	case *events.ForgeStatusPosted:
		s.posted[p.Context+"/"+p.State] = true
	}
}

func reasons(rs []events.DenyReason) string {
	out := ""
	for i, r := range rs {
		if i > 0 {
			out += "; "
		}
		out += r.Message + " (" + r.Rule + ")"
	}
	return out
}
