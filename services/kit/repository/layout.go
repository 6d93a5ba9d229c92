package repository

// Bucket layout. Everything under Root is public-read, so stock apt-get and
// dnf read it over plain HTTP.
//
//	repos/keys/ringmaster.asc, ringmaster.gpg      the public key, stable paths
//	repos/apt/pool/main/<l>/<name>/<file>.deb      one pool for every channel
//	repos/apt/dists/<distro>-<channel>/…           one suite per distro and channel
//	repos/yum/pool/<l>/<name>/<file>.rpm           one pool for every channel
//	repos/yum/<distro>-<channel>/repodata/…        hrefs "../pool/…"
const (
	Root       = "repos/"
	AptRoot    = Root + "apt/"
	YumTop     = Root + "yum/"
	YumPool    = YumTop + "pool/"
	KeyArmored = Root + "keys/ringmaster.asc"
	KeyBinary  = Root + "keys/ringmaster.gpg"
)

// Suite is the APT suite (and YUM repo directory) of a distro in a channel.
func Suite(distro, channel string) string { return distro + "-" + channel }

// Dists is the directory of a suite's indexes.
func Dists(distro, channel string) string { return AptRoot + "dists/" + Suite(distro, channel) + "/" }

// YumRoot is the directory holding repodata/ for a distro in a channel.
func YumRoot(distro, channel string) string { return YumTop + Suite(distro, channel) + "/" }
