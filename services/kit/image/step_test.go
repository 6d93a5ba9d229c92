package image

import (
	"strings"
	"testing"
)

// Lines as mmdebstrap 1.3.5 --verbose prints them (bookworm minbase plus
// ca-certificates), with the phase and detail each one leaves.
func TestStepperCountsPackages(t *testing.T) {
	steps := []struct{ line, phase, detail string }{
		{"I: chroot architecture amd64 is equal to the host's architecture", "", ""},
		{"I: running apt-get update...", PhaseUpdate, ""},
		{"Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]", PhaseUpdate, ""},
		{"I: downloading packages with apt...", PhaseDownloading, "0 packages"},
		{"0 upgraded, 69 newly installed, 0 to remove and 0 not upgraded.", PhaseDownloading, "0/69 packages"},
		{"Need to get 29.7 MB of archives.", PhaseDownloading, "0/69 packages"},
		{"Get:1 http://deb.debian.org/debian bookworm/main amd64 gcc-12-base amd64 12.2.0-14+deb12u1 [37.6 kB]", PhaseDownloading, "1/69 packages"},
		{"Get:2 http://deb.debian.org/debian bookworm/main amd64 libc6 amd64 2.36-9+deb12u14 [2759 kB]", PhaseDownloading, "2/69 packages"},
		{"Fetched 29.7 MB in 3s (8688 kB/s)", PhaseDownloading, "2/69 packages"},
		{"I: extracting archives...", PhaseExtracting, ""},
		{"I: installing essential packages...", PhaseInstalling, "essential 0/69 packages"},
		{"Unpacking gcc-12-base:amd64 (12.2.0-14+deb12u1) ...", PhaseInstalling, "essential 0/69 packages"},
		{"Setting up gcc-12-base:amd64 (12.2.0-14+deb12u1) ...", PhaseInstalling, "essential 1/69 packages"},
		{"I: installing remaining packages inside the chroot...", PhaseInstalling, "0 packages"},
		{"0 upgraded, 30 newly installed, 0 to remove and 0 not upgraded.", PhaseInstalling, "0/30 packages"},
		{"Get:1 http://deb.debian.org/debian bookworm/main amd64 libcom-err2 amd64 1.47.0-2+b2 [20.0 kB]", PhaseDownloading, "1/30 packages"},
		{"Unpacking libcom-err2:amd64 (1.47.0-2+b2) ...", PhaseInstalling, "0/30 packages"},
		{"Unpacking libcom-err2:amd64 (1.47.0-2+b2) ...", PhaseInstalling, "1/30 packages"},
		{"Setting up libcom-err2:amd64 (1.47.0-2+b2) ...", PhaseInstalling, "1/30 packages"},
		{"Setting up libcom-err2:amd64 (1.47.0-2+b2) ...", PhaseInstalling, "2/30 packages"},
		{"I: cleaning package lists and apt cache...", PhaseInstalling, "2/30 packages"},
		{"I: creating tarball...", PhaseImporting, "into Docker"},
	}
	var s stepper
	for i, st := range steps {
		changed := s.line(st.line)
		if s.phase != st.phase || s.detail() != st.detail {
			t.Fatalf("after line %d %q: %q %q, want %q %q", i, st.line, s.phase, s.detail(), st.phase, st.detail)
		}
		if i > 0 && changed != (st.phase != steps[i-1].phase || st.detail != steps[i-1].detail) {
			t.Errorf("line %d %q: changed = %v", i, st.line, changed)
		}
	}
}

// With every .deb in the cache apt fetches nothing: installing counts on.
func TestStepperWithEverythingCached(t *testing.T) {
	var s stepper
	for _, l := range []string{
		"I: installing remaining packages inside the chroot...",
		"0 upgraded, 2 newly installed, 0 to remove and 0 not upgraded.",
		"Need to get 0 B/13.2 MB of archives.",
		"Unpacking a (1) ...", "Unpacking b (1) ...",
		"Setting up a (1) ...", "Setting up b (1) ...",
	} {
		s.line(l)
	}
	if s.phase != PhaseInstalling || s.detail() != "2/2 packages" {
		t.Fatalf("%q %q", s.phase, s.detail())
	}
	if got := (Step{Spec: Spec{Name: "node", Distro: "debian-12"}, Phase: s.phase, Detail: s.detail()}).String(); !strings.HasPrefix(got, "node debian-12: installing 2/2 packages") {
		t.Errorf("String() = %q", got)
	}
}
