package packaging

import (
	"os"
	"strconv"
	"time"
)

// Options are the packaging settings that do not come from the stack.
type Options struct {
	// OutDir receives the package file; empty keeps it in Artifact.Bytes.
	OutDir string
	// Epoch is the SOURCE_DATE_EPOCH: the mtime of every entry and the
	// build time. Zero: $SOURCE_DATE_EPOCH, else the Unix epoch.
	Epoch time.Time
	// RPMSigningKeyFile is an armored (or binary) OpenPGP private key that
	// signs the RPM header; RPMSigningPassphrase unlocks it (may be empty).
	RPMSigningKeyFile    string
	RPMSigningPassphrase string
	// Vendor is the RPM vendor; empty: "Ringmaster".
	Vendor string
	// BuildHost is the RPM build host; empty: "ringmaster" (never the
	// machine's name, which would break reproducibility).
	BuildHost string
	// Rebuild is the build number of this version: 1 or less packages the
	// version as the stack says; N > 1 ends the release with "+bN" (deb)
	// or ".bN" (rpm), as Debian's binary rebuilds do, so a build of the
	// same version from other inputs has a version of its own that sorts
	// above the earlier ones (published versions are immutable).
	Rebuild int
}

// rebuildSuffix is what Rebuild adds to a release of format f.
func (o Options) rebuildSuffix(f Format) string {
	if o.Rebuild <= 1 {
		return ""
	}
	if f == RPM {
		return ".b" + strconv.Itoa(o.Rebuild)
	}
	return "+b" + strconv.Itoa(o.Rebuild)
}

// epoch resolves Options.Epoch.
func (o Options) epoch() (time.Time, error) {
	if !o.Epoch.IsZero() {
		return o.Epoch.UTC(), nil
	}
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil || sec < 0 {
			return time.Time{}, errorf(ErrInvalid, "SOURCE_DATE_EPOCH=%q is not a number of seconds", v)
		}
		return time.Unix(sec, 0).UTC(), nil
	}
	return time.Unix(0, 0).UTC(), nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
