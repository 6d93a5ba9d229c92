package provisioner

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/kit/image"
)

func TestImageSteps(t *testing.T) {
	var got []string
	report := imageSteps(func(node, name, format string, args ...any) {
		got = append(got, name+": "+fmt.Sprintf(format, args...))
	})
	spec := image.Spec{Name: "node", Distro: "debian-12"}
	report(image.Step{Spec: spec, Phase: image.PhaseReady, Detail: "present"})
	if len(got) != 0 {
		t.Fatalf("a present image is a step: %q", got)
	}
	for _, s := range []image.Step{
		{Phase: image.PhaseUpdate},
		{Phase: image.PhaseDownloading, Detail: "1/40 packages"},
		{Phase: image.PhaseDownloading, Detail: "2/40 packages"}, // within 5 s of the last: dropped
		{Phase: image.PhaseInstalling, Detail: "1/40 packages"},
		{Phase: image.PhaseReady, Detail: "built in 1m2s", Elapsed: time.Minute, Built: true},
	} {
		s.Spec = spec
		report(s)
	}
	want := []string{
		"image: node image for debian-12: apt-get update",
		"image: node image for debian-12: downloading 1/40 packages",
		"image: node image for debian-12: installing 1/40 packages",
		"image: node image for debian-12: ready built in 1m2s",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
