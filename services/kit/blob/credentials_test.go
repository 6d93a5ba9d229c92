package blob

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWithCredentialsFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(good, []byte(`{"access_key":"ak","secret_key":"sk"}`), 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(`{"access_key":"ak"}`), 0o400); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		cfg      Config
		ak, sk   string
		wantErr  string
		notExist bool
	}{
		{name: "keys set win over the file", cfg: Config{AccessKey: "a", SecretKey: "s", CredentialsFile: good}, ak: "a", sk: "s"},
		{name: "no file, no keys: left to Open's check", cfg: Config{}},
		{name: "file fills both keys", cfg: Config{CredentialsFile: good}, ak: "ak", sk: "sk"},
		{name: "missing file says who writes it", cfg: Config{CredentialsFile: filepath.Join(dir, "none.json")}, wantErr: "ring up writes it", notExist: true},
		{name: "a key missing in the file", cfg: Config{CredentialsFile: bad}, wantErr: "want {\"access_key\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withCredentialsFile(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalidConfig) {
					t.Fatalf("err = %v, want one containing %q wrapping ErrInvalidConfig", err, tt.wantErr)
				}
				if errors.Is(err, os.ErrNotExist) != tt.notExist {
					t.Errorf("errors.Is(err, os.ErrNotExist) = %v", !tt.notExist)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.AccessKey != tt.ak || got.SecretKey != tt.sk {
				t.Errorf("keys = %q/%q, want %q/%q", got.AccessKey, got.SecretKey, tt.ak, tt.sk)
			}
		})
	}
}
