package packaging

// Artifact is one package file.
type Artifact struct {
	Path     string // OutDir/Filename; empty when Options.OutDir is empty
	Bytes    []byte // the package, when Options.OutDir is empty
	Filename string // conventional name: name_version-release_arch.deb, name-version-release.arch.rpm
	Name     string
	Version  string
	Release  string // the component's release with the distro tag, e.g. 1+deb12, 1.el9
	Arch     string // in the format's terms: amd64 / x86_64
	Format   Format
	SHA256   string
	Size     int64
}
