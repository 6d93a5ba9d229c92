package blob

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Config
	}{
		{"empty gets default bucket", nil, Config{Bucket: "ringmaster"}},
		{"all set", map[string]string{
			EnvURL: "http://127.0.0.1:9000", EnvAccessKey: "ak", EnvSecretKey: "sk",
			EnvRegion: "eu-west-1", EnvBucket: "other", EnvCredentials: "/run/creds.json",
		}, Config{Endpoint: "http://127.0.0.1:9000", AccessKey: "ak", SecretKey: "sk", Region: "eu-west-1", Bucket: "other", CredentialsFile: "/run/creds.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{EnvURL, EnvAccessKey, EnvSecretKey, EnvRegion, EnvBucket, EnvCredentials} {
				t.Setenv(k, tt.env[k])
			}
			if got := ConfigFromEnv(); got != tt.want {
				t.Errorf("ConfigFromEnv() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		raw     string
		host    string
		secure  bool
		wantErr string
	}{
		{"http://127.0.0.1:9000", "127.0.0.1:9000", false, ""},
		{"http://127.0.0.1:9000/", "127.0.0.1:9000", false, ""},
		{"https://s3.example.com", "s3.example.com", true, ""},
		{"http://[::1]:9000", "[::1]:9000", false, ""},
		{"", "", false, "empty"},
		{"127.0.0.1:9000", "", false, "http:// or https://"},
		{"ftp://host", "", false, "http:// or https://"},
		{"http://", "", false, "no host"},
		{"http://host:9000/bucket", "", false, "without path"},
		{"http://user:pw@host", "", false, "without path"},
		{"http://host:9000?x=1", "", false, "without path"},
		{"http://bad host", "", false, "RING_S3_URL"},
	}
	for _, tt := range tests {
		ep, err := parseEndpoint(tt.raw)
		if tt.wantErr != "" {
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseEndpoint(%q) err = %v, want ErrInvalidConfig containing %q", tt.raw, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseEndpoint(%q): %v", tt.raw, err)
			continue
		}
		if ep.host != tt.host || ep.secure != tt.secure {
			t.Errorf("parseEndpoint(%q) = %+v, want host %q secure %v", tt.raw, ep, tt.host, tt.secure)
		}
	}
}

func TestOpenRejectsBadConfigWithoutNetwork(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"bad url", Config{Endpoint: "localhost:9000", AccessKey: "a", SecretKey: "s"}, "RING_S3_URL"},
		{"no keys", Config{Endpoint: "http://127.0.0.1:9"}, "RING_S3_ACCESS_KEY"},
		{"bad bucket", Config{Endpoint: "http://127.0.0.1:9", AccessKey: "a", SecretKey: "s", Bucket: "Bad_Bucket"}, "RING_S3_BUCKET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(context.Background(), tt.cfg)
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open err = %v, want ErrInvalidConfig mentioning %s", err, tt.want)
			}
		})
	}
}

func TestURL(t *testing.T) {
	s := &Store{bucket: "ringmaster", ep: endpoint{base: "http://127.0.0.1:9000"}}
	tests := map[string]string{
		"a/b.txt":        "http://127.0.0.1:9000/ringmaster/a/b.txt",
		"dir/with space": "http://127.0.0.1:9000/ringmaster/dir/with%20space",
		"q?#%":           "http://127.0.0.1:9000/ringmaster/q%3F%23%25",
	}
	for key, want := range tests {
		if got := s.URL(key); got != want {
			t.Errorf("URL(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestPublicReadStatement(t *testing.T) {
	a := publicReadStatement("b", "pub/")
	if a.Resource[0] != "arn:aws:s3:::b/pub/*" || a.Action[0] != "s3:GetObject" || a.Principal["AWS"][0] != "*" {
		t.Errorf("statement = %+v", a)
	}
	if b := publicReadStatement("b", "other/"); b.Sid == a.Sid {
		t.Errorf("same Sid %q for different prefixes", a.Sid)
	}
}
