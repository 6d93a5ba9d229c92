package blob

import (
	"context"
	"fmt"
)

// Ping checks that the server answers, accepts the credentials and still
// has the bucket (readiness checks).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.checkReachable(ctx); err != nil {
		return err
	}
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return s.openError(ctx, "check bucket "+s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("%w: bucket %s is gone from %s", ErrUnreachable, s.bucket, s.ep.base)
	}
	return nil
}
