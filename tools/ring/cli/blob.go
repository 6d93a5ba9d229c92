package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"ringmaster.dev/kit/blob"
	"ringmaster.dev/ring/platform"
)

// store opens the blob store: RING_S3_* from the environment, else the
// server `ring up` uses — the embedded one with its 0400 credentials file,
// or an external one (ring up --s3) with the credentials from the
// environment (RING_S3_ACCESS_KEY and RING_S3_SECRET_KEY, or RING_S3_CREDENTIALS)
// as ring up took them.
func (g *globals) store(ctx context.Context) (*blob.Store, error) {
	cfg := blob.ConfigFromEnv()
	if cfg.Endpoint == "" || cfg.AccessKey == "" {
		home, err := platform.Home()
		if err != nil {
			return nil, err
		}
		e, err := platform.ReadEndpoints(home)
		if errors.Is(err, os.ErrNotExist) {
			return nil, errors.New("no S3 endpoint: start `ring up`, or set RING_S3_URL, RING_S3_ACCESS_KEY and RING_S3_SECRET_KEY")
		}
		if err != nil {
			return nil, err
		}
		creds, err := platform.LoadCredentials(home)
		switch {
		case err == nil:
			cfg = blob.Config{Endpoint: e.S3, Bucket: e.Bucket, AccessKey: creds.AccessKey, SecretKey: creds.SecretKey}
		case errors.Is(err, os.ErrNotExist) && (cfg.AccessKey != "" || cfg.CredentialsFile != ""):
			cfg.Endpoint, cfg.Bucket = e.S3, e.Bucket // ring up --s3: an external server
		case errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("ring up uses the S3 server at %s, not its own: set RING_S3_ACCESS_KEY and RING_S3_SECRET_KEY (or RING_S3_CREDENTIALS) as for ring up", e.S3)
		default:
			return nil, err
		}
	}
	return blob.Open(ctx, cfg)
}
