package apt

// Field is one control field. Value is the decoded value: continuation
// lines are separated by "\n" without their leading space, and a " ." line
// is an empty line.
type Field struct {
	Name  string
	Value string
}

// Package is one .deb as the index describes it.
type Package struct {
	Name         string
	Version      string
	Architecture string
	// Fields are the control paragraph's fields in their original order
	// (Package, Version and Architecture included). Build writes Name,
	// Version and Architecture from the struct fields above.
	Fields []Field
	// Size and the hex digests are of the whole .deb file.
	Size   int64
	MD5    string
	SHA1   string
	SHA256 string
	// Filename is the .deb's path relative to the repository root (PoolPath).
	Filename string
}

// Field returns the value of the named control field (case-insensitive, as
// in deb822) and whether it is present.
func (p Package) Field(name string) (string, bool) {
	for _, f := range p.Fields {
		if equalFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
