// Package repofile is what the APT and YUM index builders hand to the
// publisher: files to write, each with the stage it belongs to. The
// publisher writes stage by stage, in order, so a reader never sees an index
// that lists a file not yet written (S3 has no rename).
package repofile

// Stage orders uploads for readers: everything of a stage is written before
// anything of the next.
type Stage int

const (
	// Pool holds packages.
	Pool Stage = iota
	// ByHash holds content-addressed index copies (APT by-hash, YUM <sha>-primary.xml.gz).
	ByHash
	// Index holds plain-named index files (Packages, Packages.gz, …).
	Index
	// Release holds Release and its detached signature (Release.gpg, repomd.xml.asc).
	Release
	// Top holds the file readers start from, written last (InRelease, repomd.xml).
	Top
)

func (s Stage) String() string {
	return [...]string{"pool", "by-hash", "index", "release", "top"}[s]
}

// File is one object to write, relative to the repository root.
type File struct {
	Path        string
	Data        []byte
	Stage       Stage
	ContentType string
	// SHA256 is the hex sha256 of Data when the builder computed it
	// already; empty: the writer computes it.
	SHA256 string
}
