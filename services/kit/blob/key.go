package blob

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxKeyLen is the S3 limit on key length in bytes.
const maxKeyLen = 1024

// ValidateKey reports whether key is acceptable as an object key: non-empty,
// valid UTF-8, at most 1024 bytes, no NUL, no leading or trailing '/', no
// empty, "." or ".." segments. Violations wrap ErrInvalidKey.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrInvalidKey)
	}
	if strings.HasSuffix(key, "/") {
		return fmt.Errorf("%w: %q ends with '/'", ErrInvalidKey, key)
	}
	return validatePath(key, "key")
}

// ValidatePrefix is ValidateKey for listing prefixes: it also accepts the
// empty prefix and a trailing '/'.
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	return validatePath(strings.TrimSuffix(prefix, "/"), "prefix")
}

func validatePath(p, what string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w: %s %q has an empty segment", ErrInvalidKey, what, p+"/")
	case len(p) > maxKeyLen:
		return fmt.Errorf("%w: %s is %d bytes, longer than %d", ErrInvalidKey, what, len(p), maxKeyLen)
	case !utf8.ValidString(p):
		return fmt.Errorf("%w: %s %q is not valid UTF-8", ErrInvalidKey, what, p)
	case strings.ContainsRune(p, 0):
		return fmt.Errorf("%w: %s %q contains NUL", ErrInvalidKey, what, p)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("%w: %s %q starts with '/'", ErrInvalidKey, what, p)
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "":
			return fmt.Errorf("%w: %s %q has an empty segment", ErrInvalidKey, what, p)
		case ".", "..":
			return fmt.Errorf("%w: %s %q has a %q segment", ErrInvalidKey, what, p, seg)
		}
	}
	return nil
}
