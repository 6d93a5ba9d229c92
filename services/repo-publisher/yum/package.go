package yum

// Package is the metadata of one RPM as the repository indexes need it.
// Inspect fills it from an .rpm file; benchmarks and tests may build one by
// hand.
type Package struct {
	Name    string
	Arch    string // "src" for source packages
	Epoch   string // decimal, "0" when the header has none
	Version string
	Release string

	// Checksum is the hex SHA-256 of the whole .rpm file; it is the pkgid.
	Checksum string
	// Href is the location of the .rpm relative to the repository root
	// (the directory that holds repodata/).
	Href string

	Summary     string
	Description string
	Packager    string
	URL         string
	License     string
	Vendor      string
	Group       string
	BuildHost   string
	SourceRPM   string

	// FileTime is the mtime createrepo_c takes from the file system;
	// Inspect sets it to BuildTime, callers may override it.
	FileTime  int64
	BuildTime int64

	PackageSize   uint64 // size of the .rpm file
	InstalledSize uint64
	ArchiveSize   uint64

	// HeaderStart and HeaderEnd are the byte range of the main header
	// (rpm:header-range).
	HeaderStart uint64
	HeaderEnd   uint64

	Provides    []Dependency
	Requires    []Dependency
	Conflicts   []Dependency
	Obsoletes   []Dependency
	Recommends  []Dependency
	Suggests    []Dependency
	Supplements []Dependency
	Enhances    []Dependency

	Files     []File
	Changelog []ChangelogEntry // oldest first, as other.xml lists them
}

// Dependency is one rpm:entry of provides, requires, ….
type Dependency struct {
	Name    string
	Flags   string // "", "EQ", "LT", "GT", "LE", "GE"
	Epoch   string
	Version string
	Release string
	Pre     bool // requires only: needed by a pre/post scriptlet
}

// FileType is the type attribute of a <file> element.
type FileType uint8

// File types as filelists.xml and primary.xml write them.
const (
	FileRegular FileType = iota
	FileDir
	FileGhost
)

func (t FileType) String() string {
	switch t {
	case FileDir:
		return "dir"
	case FileGhost:
		return "ghost"
	}
	return ""
}

// File is one path the package owns.
type File struct {
	Path string
	Type FileType
}

// ChangelogEntry is one changelog record of other.xml.
type ChangelogEntry struct {
	Author string
	Date   int64
	Text   string
}

// NEVRA returns name-[epoch:]version-release.arch.
func (p *Package) NEVRA() string {
	evr := p.Version + "-" + p.Release
	if p.Epoch != "" && p.Epoch != "0" {
		evr = p.Epoch + ":" + evr
	}
	return p.Name + "-" + evr + "." + p.Arch
}
