package s3server

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigNormalize(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
		addr    string
	}{
		{"ok default addr", Config{Dir: "x", AccessKey: "a", SecretKey: "s"}, "", "127.0.0.1:0"},
		{"ok explicit addr", Config{Dir: "/x", Addr: "127.0.0.1:9000", AccessKey: "a", SecretKey: "s"}, "", "127.0.0.1:9000"},
		{"no dir", Config{AccessKey: "a", SecretKey: "s"}, "Dir is required", ""},
		{"no keys", Config{Dir: "x"}, "AccessKey is required", ""},
		{"bad addr", Config{Dir: "x", Addr: "localhost", AccessKey: "a", SecretKey: "s"}, "not host:port", ""},
		{"empty port", Config{Dir: "x", Addr: "localhost:", AccessKey: "a", SecretKey: "s"}, "has no port", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.normalize()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !filepath.IsAbs(got.Dir) {
				t.Errorf("Dir %q not absolute", got.Dir)
			}
			if got.Addr != tt.addr {
				t.Errorf("Addr = %q, want %q", got.Addr, tt.addr)
			}
			if got.metaDir() == got.dataDir() || strings.HasPrefix(got.metaDir(), got.dataDir()) {
				t.Errorf("meta dir %q inside data dir %q", got.metaDir(), got.dataDir())
			}
		})
	}
}

func TestEndpointHost(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:80": "127.0.0.1:80",
		"0.0.0.0:80":   "127.0.0.1:80",
		":80":          "127.0.0.1:80",
		"[::]:80":      "[::1]:80",
		"localhost:80": "localhost:80",
	} {
		if got := endpointHost(in); got != want {
			t.Errorf("endpointHost(%q) = %q, want %q", in, got, want)
		}
	}
}
