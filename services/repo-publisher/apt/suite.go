package apt

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Suite is one distribution of the repository: dists/<Name>/.
type Suite struct {
	// Name is the suite and its directory name, e.g. debian-12-nightly.
	Name string
	// Codename is written to Release (defaults to Name).
	Codename string
	// Component defaults to "main".
	Component string
	// Architectures are the binary architectures to index (not "all":
	// Architecture: all packages go into every architecture's Packages).
	Architectures []string
	// Origin, Label and Description are written to Release when set.
	Origin, Label, Description string
	// ValidFor, when positive, adds Valid-Until: Date+ValidFor to Release;
	// apt then refuses the Release after that time.
	ValidFor time.Duration
}

// normalized returns s with defaults filled in and sorted architectures.
func (s Suite) normalized() (Suite, error) {
	if s.Component == "" {
		s.Component = "main"
	}
	if s.Codename == "" {
		s.Codename = s.Name
	}
	for what, v := range map[string]string{"name": s.Name, "codename": s.Codename, "component": s.Component} {
		if !validSuiteWord(v) {
			return s, fmt.Errorf("%w: %s %q: want [A-Za-z0-9._-]+", ErrInvalidSuite, what, v)
		}
	}
	for what, v := range map[string]string{"origin": s.Origin, "label": s.Label, "description": s.Description} {
		if strings.ContainsAny(v, "\r\n") {
			return s, fmt.Errorf("%w: %s has a line break", ErrInvalidSuite, what)
		}
	}
	if len(s.Architectures) == 0 {
		return s, fmt.Errorf("%w: no architectures", ErrInvalidSuite)
	}
	s.Architectures = slices.Clone(s.Architectures)
	slices.Sort(s.Architectures)
	for i, a := range s.Architectures {
		if !validArch(a) || a == "all" || a == "source" {
			return s, fmt.Errorf("%w: architecture %q", ErrInvalidSuite, a)
		}
		if i > 0 && s.Architectures[i-1] == a {
			return s, fmt.Errorf("%w: architecture %q listed twice", ErrInvalidSuite, a)
		}
	}
	return s, nil
}

func validSuiteWord(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
