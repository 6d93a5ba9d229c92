package publisher

import (
	"path"
	"strings"
)

// Bucket layout. Everything under Root is public-read, so stock apt-get and
// dnf read it over plain HTTP; the channel manifests under StateRoot are not.
//
//	repos/keys/ringmaster.asc, ringmaster.gpg      the public key, stable paths
//	repos/apt/pool/main/<l>/<name>/<file>.deb      one pool for every channel
//	repos/apt/dists/<distro>-<channel>/…           one suite per distro and channel
//	repos/yum/pool/<l>/<name>/<file>.rpm           one pool for every channel
//	repos/yum/<distro>-<channel>/repodata/…        hrefs "../pool/…"
//	state/repos/<channel>.json                      the channel manifest
const (
	Root       = "repos/"
	AptRoot    = Root + "apt/"
	YumTop     = Root + "yum/"
	YumPool    = YumTop + "pool/"
	KeyArmored = Root + "keys/ringmaster.asc"
	KeyBinary  = Root + "keys/ringmaster.gpg"
	StateRoot  = "state/repos/"
)

// Suite is the APT suite (and YUM repo directory) of a distro in a channel.
func Suite(distro, channel string) string { return distro + "-" + channel }

// YumRoot is the directory holding repodata/ for a distro in a channel.
func YumRoot(distro, channel string) string { return YumTop + Suite(distro, channel) + "/" }

// ManifestKey is where a channel's manifest lives.
func ManifestKey(channel string) string { return StateRoot + channel + ".json" }

// rpmPoolPath is the pool key of an RPM file name.
func rpmPoolPath(name, file string) string {
	first := name[:1]
	if strings.HasPrefix(name, "lib") && len(name) > 3 {
		first = name[:4]
	}
	return path.Join(strings.TrimSuffix(YumPool, "/"), first, name, file)
}

// Format is the package format a distro takes.
type Format string

const (
	Deb Format = "deb"
	RPM Format = "rpm"
)

var rpmFamilies = []string{"rockylinux-", "rocky-", "almalinux-", "alma-", "centos-", "rhel-", "fedora-", "el-", "opensuse-"}
var debFamilies = []string{"debian-", "ubuntu-"}

// FormatOf tells which format a distro takes ("" if unknown).
func FormatOf(distro string) Format {
	for _, p := range debFamilies {
		if strings.HasPrefix(distro, p) {
			return Deb
		}
	}
	for _, p := range rpmFamilies {
		if strings.HasPrefix(distro, p) {
			return RPM
		}
	}
	return ""
}
