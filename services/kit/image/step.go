package image

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"ringmaster.dev/events"
)

// Phases of an image build, in the order they come.
const (
	PhaseWaiting     = "waiting" // for another build of the same distro's package cache
	PhaseUpdate      = "apt-get update"
	PhaseDownloading = "downloading" // detail: fetched/total packages
	PhaseExtracting  = "extracting"
	PhaseInstalling  = "installing" // detail: set up/total packages
	PhaseImporting   = "importing"  // the rootfs streams into docker import
	PhaseReady       = "ready"      // built now (Step.Built) or present already
	PhaseFailed      = "failed"
)

// Step is where one image build stands, reported when it changes.
type Step struct {
	Spec   Spec
	Phase  string
	Detail string
	// Elapsed is the time since Build began.
	Elapsed time.Duration
	// Built is set with PhaseReady when this call built the image (false:
	// it existed).
	Built bool
}

// String is a one-line description, e.g. "toolchain debian-12: installing 40/99 packages (1m2s)".
func (s Step) String() string {
	d := s.Phase
	if s.Detail != "" {
		d += " " + s.Detail
	}
	return fmt.Sprintf("%s %s: %s (%s)", s.Spec.Name, s.Spec.Distro, d, s.Elapsed.Round(time.Second))
}

// Fact is the step as the image.progress fact reports it.
func (s Step) Fact() *events.ImageProgress {
	return &events.ImageProgress{Image: s.Spec.Name, Distro: s.Spec.Distro, Tag: s.Spec.Tag, Step: s.Phase,
		Detail: s.Detail, Seconds: s.Elapsed.Seconds(), Built: s.Built}
}

// stepper turns mmdebstrap --verbose output into phases with package
// counts: apt says how many packages it fetches ("N newly installed"), then
// prints one "Get:" line per download, and dpkg an "Unpacking" line per
// package unpacked and a "Setting up" line per package configured (most
// unpack before any is set up, so each counts half a package). The essential set is downloaded, extracted and
// installed first; the recipe's packages are then downloaded and installed
// by apt inside the chroot.
type stepper struct {
	phase     string
	remaining bool // past the essential set
	total     int  // packages apt announced for the current stage
	got       int  // "Get:" lines since
	unpacked  int  // "Unpacking" lines since
	setUp     int  // "Setting up" lines since
}

// line reads one line of output and reports whether phase or detail changed.
func (s *stepper) line(l string) bool {
	before := s.phase + "|" + s.detail()
	switch {
	case strings.HasPrefix(l, "I: running apt-get update"):
		s.phase = PhaseUpdate
	case strings.HasPrefix(l, "I: downloading packages"):
		s.phase, s.total, s.got = PhaseDownloading, 0, 0
	case strings.HasPrefix(l, "I: extracting archives"):
		s.phase = PhaseExtracting
	case strings.HasPrefix(l, "I: installing essential packages"):
		s.phase, s.unpacked, s.setUp = PhaseInstalling, 0, 0
	case strings.HasPrefix(l, "I: installing remaining packages"):
		s.phase, s.remaining, s.total, s.got, s.unpacked, s.setUp = PhaseInstalling, true, 0, 0, 0, 0
	case strings.HasPrefix(l, "I: creating tarball"):
		s.phase = PhaseImporting
	case strings.Contains(l, " newly installed, "):
		// "0 upgraded, 69 newly installed, 0 to remove and 0 not upgraded."
		if f := strings.Fields(l); len(f) > 2 {
			s.total, _ = strconv.Atoi(f[2])
		}
		s.got, s.unpacked, s.setUp = 0, 0, 0
	case strings.HasPrefix(l, "Get:") && (s.phase == PhaseDownloading || s.phase == PhaseInstalling && s.remaining):
		s.phase = PhaseDownloading
		s.got++
	case strings.HasPrefix(l, "Unpacking "):
		s.unpacked++
		if s.phase == PhaseDownloading && s.remaining {
			s.phase = PhaseInstalling
		}
	case strings.HasPrefix(l, "Setting up "):
		s.setUp++
	}
	return s.phase+"|"+s.detail() != before
}

// detail says how far the current phase is, e.g. "12/69 packages".
func (s *stepper) detail() string {
	switch s.phase {
	case PhaseDownloading:
		return s.count(s.got)
	case PhaseInstalling:
		n := (s.unpacked + s.setUp) / 2
		if !s.remaining {
			return "essential " + s.count(n)
		}
		return s.count(n)
	case PhaseImporting:
		return "into Docker"
	}
	return ""
}

// count says n of the packages apt announced.
func (s *stepper) count(n int) string {
	if s.total > 0 {
		return fmt.Sprintf("%d/%d packages", min(n, s.total), s.total)
	}
	return fmt.Sprintf("%d packages", n)
}
