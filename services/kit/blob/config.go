package blob

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// DefaultBucket is the bucket used when Config.Bucket is empty.
const DefaultBucket = "ringmaster"

// Environment variables read by ConfigFromEnv.
const (
	EnvURL       = "RING_S3_URL"
	EnvAccessKey = "RING_S3_ACCESS_KEY"
	EnvSecretKey = "RING_S3_SECRET_KEY"
	EnvRegion    = "RING_S3_REGION"
	EnvBucket    = "RING_S3_BUCKET"
)

// Config says which S3 server and bucket a Store uses.
type Config struct {
	// Endpoint is the server's base URL, e.g. "http://127.0.0.1:9000".
	Endpoint string
	// AccessKey, SecretKey: credentials; Region may be empty (us-east-1).
	AccessKey, SecretKey, Region string
	// CredentialsFile supplies AccessKey and SecretKey when both are empty
	// (env RING_S3_CREDENTIALS, see ReadCredentials).
	CredentialsFile string
	// Bucket is created by Open when missing; empty means DefaultBucket.
	Bucket string
}

// ConfigFromEnv reads RING_S3_URL, RING_S3_ACCESS_KEY, RING_S3_SECRET_KEY,
// RING_S3_CREDENTIALS, RING_S3_REGION and RING_S3_BUCKET (default "ringmaster"). Validation is left
// to Open.
func ConfigFromEnv() Config {
	return configFrom(os.Getenv)
}

func configFrom(getenv func(string) string) Config {
	c := Config{
		Endpoint:  getenv(EnvURL),
		AccessKey: getenv(EnvAccessKey),
		SecretKey: getenv(EnvSecretKey),
		Region:    getenv(EnvRegion),
		Bucket:    getenv(EnvBucket),

		CredentialsFile: getenv(EnvCredentials),
	}
	if c.Bucket == "" {
		c.Bucket = DefaultBucket
	}
	return c
}

// endpoint is a parsed Config.Endpoint.
type endpoint struct {
	host   string // host[:port], as minio-go wants it
	secure bool
	base   string // scheme://host, no trailing slash
}

// parseEndpoint accepts http(s)://host[:port] with an optional "/" path.
func parseEndpoint(raw string) (endpoint, error) {
	if raw == "" {
		return endpoint{}, fmt.Errorf("%w: endpoint URL is empty (set %s, e.g. http://127.0.0.1:9000)", ErrInvalidConfig, EnvURL)
	}
	if !strings.Contains(raw, "://") {
		return endpoint{}, fmt.Errorf("%w: endpoint URL %q must start with http:// or https:// (check %s)", ErrInvalidConfig, raw, EnvURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return endpoint{}, fmt.Errorf("%w: endpoint URL %q (check %s): %w", ErrInvalidConfig, raw, EnvURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return endpoint{}, fmt.Errorf("%w: endpoint URL %q must start with http:// or https:// (check %s)", ErrInvalidConfig, raw, EnvURL)
	}
	if u.Host == "" || u.Hostname() == "" {
		return endpoint{}, fmt.Errorf("%w: endpoint URL %q has no host (check %s)", ErrInvalidConfig, raw, EnvURL)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return endpoint{}, fmt.Errorf("%w: endpoint URL %q must be scheme://host[:port] without path, query or credentials (check %s)", ErrInvalidConfig, raw, EnvURL)
	}
	return endpoint{host: u.Host, secure: u.Scheme == "https", base: u.Scheme + "://" + u.Host}, nil
}
