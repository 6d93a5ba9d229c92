// Package platform is Ringmaster's embedded default: NATS with JetStream, an
// S3-compatible server over a local directory, and every service, in one
// process — or the same services against external NATS and S3.
package platform

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/config"
)

// EnvHome overrides where `ring up` keeps its state.
const EnvHome = config.EnvHome

// Home returns $RING_HOME or ~/.local/share/ringmaster, absolute.
func Home() (string, error) { return config.Home() }

// Endpoints is what `ring up` tells other `ring` commands: where to connect.
// It holds no secrets.
type Endpoints struct {
	NATS   string `json:"nats"`
	S3     string `json:"s3"`
	Bucket string `json:"bucket"`
	PID    int    `json:"pid"`
	// Services are the services this `ring up` runs (others may run elsewhere).
	Services []string `json:"services"`
	// HTTP is the gateway's base URL, when this `ring up` runs it.
	HTTP string `json:"http,omitempty"`
	// Metrics is the URL of the process's Prometheus metrics; /healthz and
	// /readyz are beside it ("": not served).
	Metrics string `json:"metrics,omitempty"`
}

func endpointsPath(home string) string { return filepath.Join(home, "endpoints.json") }

// WriteEndpoints records the running platform's endpoints.
func WriteEndpoints(home string, e Endpoints) error {
	b, _ := json.MarshalIndent(e, "", "  ")
	return os.WriteFile(endpointsPath(home), append(b, '\n'), 0o644)
}

// ReadEndpoints returns the endpoints of the platform `ring up` runs, if any.
func ReadEndpoints(home string) (Endpoints, error) {
	var e Endpoints
	b, err := os.ReadFile(endpointsPath(home))
	if err != nil {
		return e, err
	}
	return e, json.Unmarshal(b, &e)
}

// RemoveEndpoints forgets the endpoints at shutdown.
func RemoveEndpoints(home string) { _ = os.Remove(endpointsPath(home)) }

// Credentials of the embedded S3 server. The file holding them is 0400.
type Credentials = blob.Credentials

// LoadOrCreateCredentials reads home/s3-credentials.json, or creates it with
// random keys (mode 0400) on first start.
func LoadOrCreateCredentials(home string) (Credentials, error) {
	c, err := LoadCredentials(home)
	if !errors.Is(err, os.ErrNotExist) {
		return c, err
	}
	path := CredentialsPath(home)
	c = Credentials{AccessKey: "ring" + randomHex(8), SecretKey: randomHex(20)}
	b, _ := json.Marshal(c)
	if err := os.WriteFile(path, b, 0o400); err != nil {
		return c, fmt.Errorf("write %s: %w", path, err)
	}
	return c, nil
}

// CredentialsPath is where `ring up` keeps its embedded S3 server's
// credentials (what RING_S3_CREDENTIALS may name for other processes).
func CredentialsPath(home string) string { return filepath.Join(home, "s3-credentials.json") }

// LoadCredentials reads the embedded server's credentials; an error
// wrapping os.ErrNotExist if `ring up` never ran with this home.
func LoadCredentials(home string) (Credentials, error) {
	return blob.ReadCredentials(CredentialsPath(home))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
