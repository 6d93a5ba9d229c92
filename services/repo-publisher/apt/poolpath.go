package apt

import (
	"fmt"
	"strings"
)

// PoolPath is the Debian pool path of a .deb:
// pool/main/<prefix>/<name>/<name>_<version>_<arch>.deb, where prefix is the
// name's first letter, or "lib" plus the next letter for lib* names (libc6 →
// libc), and version drops the epoch ("1:2.0-1" → "2.0-1"), as dak, reprepro
// and dpkg-name do. A colon left after the epoch (Debian allows it in the
// upstream version when an epoch is present) is written as "%3a" so that the
// name is safe in URLs and S3 keys.
func PoolPath(name, version, arch string) string {
	return "pool/main/" + poolPrefix(name) + "/" + name + "/" + DebFileName(name, version, arch)
}

// DebFileName is the .deb's base name, <name>_<version-without-epoch>_<arch>.deb.
func DebFileName(name, version, arch string) string {
	return name + "_" + strings.ReplaceAll(withoutEpoch(version), ":", "%3a") + "_" + arch + ".deb"
}

func poolPrefix(name string) string {
	if strings.HasPrefix(name, "lib") && len(name) > 3 {
		return name[:4]
	}
	if name == "" {
		return "_"
	}
	return name[:1]
}

// withoutEpoch drops a leading "<digits>:".
func withoutEpoch(v string) string {
	i := strings.IndexByte(v, ':')
	if i <= 0 {
		return v
	}
	for _, c := range v[:i] {
		if c < '0' || c > '9' {
			return v
		}
	}
	return v[i+1:]
}

// PoolPathOf reads only a .deb's ar members and control file (not the data
// member, no hashes: Inspect checks the rest) and returns its PoolPath.
func PoolPathOf(debData []byte) (string, error) {
	members, err := readAr(debData)
	if err != nil {
		return "", err
	}
	para, err := readControl(members.control)
	if err != nil {
		return "", err
	}
	field := func(k string) string { return strings.TrimRight(para.Values[k], "\n") }
	name, version, arch := field("Package"), field("Version"), field("Architecture")
	if err := checkIdentity(name, version, arch); err != nil {
		return "", fmt.Errorf("%w: control file: %w", ErrBadPackage, err)
	}
	return PoolPath(name, version, arch), nil
}
