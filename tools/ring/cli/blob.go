package cli

import (
	"context"
	"errors"
	"os"

	"ringmaster.dev/kit/blob"
	"ringmaster.dev/ring/platform"
)

// store opens the blob store: RING_S3_* from the environment, else the
// embedded server `ring up` runs (its endpoint and 0400 credentials file).
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
		if err != nil {
			return nil, err
		}
		cfg = blob.Config{Endpoint: e.S3, Bucket: e.Bucket, AccessKey: creds.AccessKey, SecretKey: creds.SecretKey}
	}
	return blob.Open(ctx, cfg)
}
