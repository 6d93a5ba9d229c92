package apt

import (
	"errors"
	"fmt"
	"strings"

	"pault.ag/go/debian/version"
)

// CheckIdentity checks a package's name, version and architecture as
// Inspect does (for metadata that did not come from Inspect here).
func CheckIdentity(name, ver, arch string) error { return checkIdentity(name, ver, arch) }

// checkIdentity checks a package's name, version and architecture against
// Debian policy (§5.6.1, §5.6.12) closely enough that they are safe in
// Packages stanzas, pool paths and URLs.
func checkIdentity(name, ver, arch string) error {
	if !validName(name) {
		return fmt.Errorf("package name %q: want [a-z0-9][a-z0-9+.-]+", name)
	}
	if _, err := version.Parse(ver); err != nil || strings.ContainsAny(ver, " \t\r\n/") {
		if err == nil {
			err = errors.New("bad character")
		}
		return fmt.Errorf("version %q: %w", ver, err)
	}
	if !validArch(arch) {
		return fmt.Errorf("architecture %q: want [a-z0-9-]+", arch)
	}
	return nil
}

func validName(s string) bool {
	if len(s) < 2 || !isLowerAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func validArch(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// validFieldName: deb822 field names are printable US-ASCII except ':' and
// space, and do not start with '#' or '-'.
func validFieldName(s string) bool {
	if s == "" || s[0] == '#' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

func validHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// validRelPath: a relative slash path without "." or ".." segments or
// characters that would break a stanza line or a URL.
func validRelPath(s string) bool {
	if s == "" || strings.HasPrefix(s, "/") || strings.ContainsAny(s, " \t\r\n\\?#") {
		return false
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// indexOnlyField reports fields that Build writes itself from Package's
// struct fields; control files do not carry them.
func indexOnlyField(name string) bool {
	for _, f := range [...]string{"Package", "Version", "Architecture", "Filename", "Size", "MD5sum", "SHA1", "SHA256", "SHA512"} {
		if equalFold(f, name) {
			return true
		}
	}
	return false
}

// checkPackage checks what Build needs from p.
func checkPackage(p *Package) error {
	if err := checkIdentity(p.Name, p.Version, p.Architecture); err != nil {
		return err
	}
	if !validRelPath(p.Filename) {
		return fmt.Errorf("filename %q", p.Filename)
	}
	if p.Size <= 0 {
		return fmt.Errorf("size %d", p.Size)
	}
	if !validHex(p.MD5, 32) || !validHex(p.SHA1, 40) || !validHex(p.SHA256, 64) {
		return errors.New("MD5, SHA1 and SHA256 must be lower-case hex digests")
	}
	for _, f := range p.Fields {
		if !validFieldName(f.Name) {
			return fmt.Errorf("control field name %q", f.Name)
		}
		if strings.ContainsRune(f.Value, '\r') {
			return fmt.Errorf("control field %s has a carriage return", f.Name)
		}
	}
	return nil
}
