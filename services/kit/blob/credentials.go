package blob

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// EnvCredentials names a JSON file holding the S3 credentials
// ({"access_key": …, "secret_key": …}, mode 0400) — what `ring up` writes
// for its embedded server — read by Open when no keys are set directly.
// A file keeps the secret out of process listings and container configs.
const EnvCredentials = "RING_S3_CREDENTIALS"

// Credentials are an S3 access key and its secret.
type Credentials struct {
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
}

// ReadCredentials reads a credentials file. An error wrapping
// os.ErrNotExist means there is none yet.
func ReadCredentials(path string) (Credentials, error) {
	var c Credentials
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("S3 credentials file %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &c); err != nil || c.AccessKey == "" || c.SecretKey == "" {
		return c, fmt.Errorf("%w: S3 credentials file %s: want {\"access_key\": …, \"secret_key\": …}; remove it to let ring up generate new ones", ErrInvalidConfig, path)
	}
	return c, nil
}

// withCredentialsFile fills empty keys from cfg.CredentialsFile.
func withCredentialsFile(cfg Config) (Config, error) {
	if cfg.AccessKey != "" || cfg.SecretKey != "" || cfg.CredentialsFile == "" {
		return cfg, nil
	}
	c, err := ReadCredentials(cfg.CredentialsFile)
	if errors.Is(err, os.ErrNotExist) {
		return cfg, fmt.Errorf("%w: %w (check %s; ring up writes it when its embedded S3 server first starts)", ErrInvalidConfig, err, EnvCredentials)
	}
	if err != nil {
		return cfg, err
	}
	cfg.AccessKey, cfg.SecretKey = c.AccessKey, c.SecretKey
	return cfg, nil
}
