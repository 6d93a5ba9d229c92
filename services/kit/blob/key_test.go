package blob

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{"dir/file.txt", true},
		{"a/b/c/d.tar.gz", true},
		{"..a/b..", true},
		{"a/.hidden", true},
		{"ünïcode/ключ", true},
		{strings.Repeat("k", 1024), true},
		{"", false},
		{"/abs", false},
		{"a/../b", false},
		{"..", false},
		{"../a", false},
		{"a/..", false},
		{"a/./b", false},
		{".", false},
		{"a//b", false},
		{"a/", false},
		{"nul\x00byte", false},
		{"bad\xffutf8", false},
		{strings.Repeat("k", 1025), false},
	}
	for _, tt := range tests {
		err := ValidateKey(tt.key)
		if tt.ok && err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", tt.key, err)
		}
		if !tt.ok && !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey", tt.key, err)
		}
	}
}

func TestValidatePrefix(t *testing.T) {
	tests := []struct {
		prefix string
		ok     bool
	}{
		{"", true},
		{"a", true},
		{"a/", true},
		{"a/b/", true},
		{"/", false},
		{"/a", false},
		{"a//", false},
		{"../", false},
		{"a/../", false},
	}
	for _, tt := range tests {
		err := ValidatePrefix(tt.prefix)
		if tt.ok && err != nil {
			t.Errorf("ValidatePrefix(%q) = %v, want nil", tt.prefix, err)
		}
		if !tt.ok && !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidatePrefix(%q) = %v, want ErrInvalidKey", tt.prefix, err)
		}
	}
}
