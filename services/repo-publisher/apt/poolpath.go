package apt

import "strings"

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
