package blob

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// openTimeout bounds the reachability, credential and bucket checks of Open
// (kept under 5 s).
const openTimeout = 4500 * time.Millisecond

// maxIdleConnsPerHost is how many idle connections to the S3 server a Store keeps.
const maxIdleConnsPerHost = 128

// Store is a bucket on an S3-compatible server. It is safe for concurrent use.
type Store struct {
	client *minio.Client
	bucket string
	ep     endpoint

	condMu      sync.Mutex
	condChecked bool // condOK is valid
	condOK      bool // server enforces If-None-Match: * on PUT
}

// Open connects to cfg.Endpoint, checks within 5 s (4.5 s budget) that it answers and
// accepts the credentials, and creates cfg.Bucket if it is missing.
// Failures wrap ErrInvalidConfig, ErrUnreachable or ErrCredentials and say
// what to check.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	ep, err := parseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg, err = withCredentialsFile(cfg); err != nil {
		return nil, err
	}
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return nil, fmt.Errorf("%w: access key and secret key are required (set %s and %s, or %s to a credentials file)", ErrInvalidConfig, EnvAccessKey, EnvSecretKey, EnvCredentials)
	}
	if cfg.Bucket == "" {
		cfg.Bucket = DefaultBucket
	}
	if err := s3utils.CheckValidBucketNameStrict(cfg.Bucket); err != nil {
		return nil, fmt.Errorf("%w: bucket %q (check %s): %w", ErrInvalidConfig, cfg.Bucket, EnvBucket, err)
	}
	tr, err := minio.DefaultTransport(ep.secure)
	if err != nil {
		return nil, fmt.Errorf("%w: endpoint %q: %w", ErrInvalidConfig, cfg.Endpoint, err)
	}
	// Keep a connection for every request callers run at once (the repo
	// publisher runs 16 or more): above MaxIdleConnsPerHost (16 in minio-go)
	// each finished request closes its connection and the next dials again.
	tr.MaxIdleConnsPerHost = maxIdleConnsPerHost
	client, err := minio.New(ep.host, &minio.Options{
		Transport:    closeAfterEmptyPut{tr},
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       ep.secure,
		Region:       cfg.Region,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: endpoint %q (check %s): %w", ErrInvalidConfig, cfg.Endpoint, EnvURL, err)
	}
	s := &Store{client: client, bucket: cfg.Bucket, ep: ep}

	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	if err := s.checkReachable(ctx); err != nil {
		return nil, err
	}
	if err := s.ensureBucket(ctx, cfg.Region); err != nil {
		return nil, err
	}
	return s, nil
}

// checkReachable fails fast when nothing listens at the endpoint, before
// minio-go starts its retry loop.
func (s *Store) checkReachable(ctx context.Context) error {
	addr := s.ep.host
	if _, _, err := net.SplitHostPort(addr); err != nil {
		port := "80"
		if s.ep.secure {
			port = "443"
		}
		addr = net.JoinHostPort(addr, port)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("%w: cannot connect to %s: check %s and that the S3 server is running: %w", ErrUnreachable, s.ep.base, EnvURL, err)
	}
	conn.Close()
	return nil
}

// ensureBucket verifies the credentials (the first signed request) and
// creates the bucket when missing.
func (s *Store) ensureBucket(ctx context.Context, region string) error {
	exists, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return s.openError(ctx, "check bucket "+s.bucket, err)
	}
	if exists {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region})
	if err != nil {
		switch minio.ToErrorResponse(err).Code {
		case "BucketAlreadyOwnedByYou", "BucketAlreadyExists":
			return nil // created concurrently
		}
		return s.openError(ctx, "create bucket "+s.bucket, err)
	}
	return nil
}

// openError explains an Open failure in terms of what the user should check.
func (s *Store) openError(ctx context.Context, op string, err error) error {
	if isCredentialError(err) {
		return fmt.Errorf("%w: %s at %s: the server rejected the credentials: check %s and %s: %w",
			ErrCredentials, op, s.ep.base, EnvAccessKey, EnvSecretKey, err)
	}
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %s at %s: no S3 answer within %s: check %s and that the S3 server is running: %w",
			ErrUnreachable, op, s.ep.base, openTimeout, EnvURL, err)
	}
	return fmt.Errorf("%w: %s at %s failed: check that %s points at an S3 server and that the credentials in %s/%s may use bucket %q: %w",
		ErrUnreachable, op, s.ep.base, EnvURL, EnvAccessKey, EnvSecretKey, s.bucket, err)
}

// Bucket is the bucket this Store reads and writes.
func (s *Store) Bucket() string { return s.bucket }
