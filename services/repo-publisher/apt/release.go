package apt

import (
	"fmt"
	"strings"
	"time"
)

// indexEntry is one file that Release lists, by its path under dists/<suite>/.
type indexEntry struct {
	path   string
	size   int
	sha256 string
}

// releaseDate is the format of Release's Date and Valid-Until fields.
const releaseDate = "Mon, 02 Jan 2006 15:04:05 UTC"

// releaseText renders dists/<suite>/Release. It lists SHA256 only (see the
// package documentation) and announces Acquire-By-Hash.
func releaseText(s Suite, entries []indexEntry, now time.Time) []byte {
	var b strings.Builder
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%s: %s\n", name, value)
		}
	}
	now = now.UTC()
	field("Origin", s.Origin)
	field("Label", s.Label)
	field("Suite", s.Name)
	field("Codename", s.Codename)
	field("Date", now.Format(releaseDate))
	if s.ValidFor > 0 {
		field("Valid-Until", now.Add(s.ValidFor).Format(releaseDate))
	}
	field("Architectures", strings.Join(s.Architectures, " "))
	field("Components", s.Component)
	field("Description", s.Description)
	field("Acquire-By-Hash", "yes")
	// Architecture: all packages are in every architecture's Packages; there
	// is no binary-all index (the field dak writes for this layout).
	field("No-Support-for-Architecture-all", "Packages")
	b.WriteString("SHA256:\n")
	for _, e := range entries {
		fmt.Fprintf(&b, " %s %16d %s\n", e.sha256, e.size, e.path)
	}
	return []byte(b.String())
}
