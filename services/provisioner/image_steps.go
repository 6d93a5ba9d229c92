package provisioner

import (
	"time"

	"ringmaster.dev/kit/image"
)

// imageSteps reports the node image's build as "image" steps of the
// create: nothing when the image exists, else each phase as it starts,
// progress within a phase at most every 5 seconds, and how it ended.
func imageSteps(step func(node, name, format string, args ...any)) func(image.Step) {
	var phase string
	var last time.Time
	return func(s image.Step) {
		if s.Phase == image.PhaseReady && !s.Built {
			return // present: nothing to wait for
		}
		if s.Phase == phase && time.Since(last) < 5*time.Second {
			return
		}
		phase, last = s.Phase, time.Now()
		detail := s.Phase
		if s.Detail != "" {
			detail += " " + s.Detail
		}
		step("", "image", "%s image for %s: %s", s.Spec.Name, s.Spec.Distro, detail)
	}
}
