package publisher

import (
	"path"
	"strings"

	"ringmaster.dev/kit/repository"
)

// Bucket layout: the public part is kit/repository's (what readers and the
// other services rely on); the channel manifests under StateRoot are the
// publisher's own state, not public.
//
//	state/repos/<channel>.json                      the channel manifest
const (
	Root       = repository.Root
	AptRoot    = repository.AptRoot
	YumTop     = repository.YumTop
	YumPool    = repository.YumPool
	KeyArmored = repository.KeyArmored
	KeyBinary  = repository.KeyBinary
	StateRoot  = "state/repos/"
)

// Suite is the APT suite (and YUM repo directory) of a distro in a channel.
func Suite(distro, channel string) string { return repository.Suite(distro, channel) }

// YumRoot is the directory holding repodata/ for a distro in a channel.
func YumRoot(distro, channel string) string { return repository.YumRoot(distro, channel) }

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
