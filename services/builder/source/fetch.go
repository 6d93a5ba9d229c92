package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/failpoint"
)

// Result is a verified archive in the cache.
type Result struct {
	Key    string
	Size   int64
	Cached bool
}

// Fetcher downloads archives into the cache.
type Fetcher struct {
	Blobs  Blobs
	Client *http.Client
	// WorkDir holds partial downloads; they never reach the cache unverified.
	WorkDir string
	// Attempts bounds tries per fetch for network errors and 5xx (default 3).
	Attempts int
	Log      zerolog.Logger
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Fetch makes sure the archive with sum is in the cache, downloading it from
// rawURL if it is not. It is idempotent: the cache object is written only if
// absent, keyed by content, so a repeated or concurrent fetch stores it once.
func (f *Fetcher) Fetch(ctx context.Context, rawURL, sum string) (Result, error) {
	if err := Validate(rawURL, sum); err != nil {
		return Result{}, err
	}
	key := Key(sum)
	if info, err := f.Blobs.Stat(ctx, key); err == nil {
		return Result{Key: key, Size: info.Size, Cached: true}, nil
	} else if !errors.Is(err, blob.ErrNotFound) {
		return Result{}, fmt.Errorf("source cache: %w", err)
	}
	path, size, err := f.download(ctx, rawURL, sum)
	if err != nil {
		return Result{}, err
	}
	defer os.Remove(path)
	file, err := os.Open(path)
	if err != nil {
		return Result{}, err
	}
	defer file.Close()
	_, err = f.Blobs.PutIfAbsent(ctx, key, file, size, blob.PutOptions{ContentType: "application/octet-stream", SHA256: sum})
	if err != nil && !errors.Is(err, blob.ErrExists) {
		return Result{}, fmt.Errorf("source cache: %w", err)
	}
	failpoint.Hit("source-stored")
	return Result{Key: key, Size: size}, nil
}

// Validate checks a fetch request before anything is sent or written.
func Validate(rawURL, sum string) error {
	if !hexSHA256.MatchString(sum) {
		return fmt.Errorf("%w: sha256 %q: want 64 lowercase hex digits", ErrBadRequest, sum)
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: url %q: want an http:// or https:// URL", ErrBadRequest, rawURL)
	}
	return nil
}

// download fetches rawURL into a temporary file, retrying transient
// failures, and checks the sha256 of what arrived.
func (f *Fetcher) download(ctx context.Context, rawURL, sum string) (string, int64, error) {
	attempts := max(f.Attempts, 1)
	if f.Attempts == 0 {
		attempts = 3
	}
	var lastErr error
	for i := 1; i <= attempts; i++ {
		path, size, got, err := f.once(ctx, rawURL)
		if err == nil {
			if got != sum {
				os.Remove(path)
				return "", 0, fmt.Errorf("%w: %s: want sha256 %s, got %s; fix the checksum or the URL", ErrChecksum, rawURL, sum, got)
			}
			return path, size, nil
		}
		if errors.Is(err, ErrMissing) || ctx.Err() != nil {
			return "", 0, err
		}
		lastErr = err
		f.Log.Warn().Err(err).Int("attempt", i).Msg("download failed")
		select {
		case <-time.After(time.Duration(i) * 500 * time.Millisecond):
		case <-ctx.Done():
			return "", 0, ctx.Err()
		}
	}
	return "", 0, fmt.Errorf("download %s: %d attempts: %w", rawURL, attempts, lastErr)
}

func (f *Fetcher) once(ctx context.Context, rawURL string) (path string, size int64, sum string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", 0, "", fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", 0, "", err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return "", 0, "", fmt.Errorf("%s: HTTP %s", rawURL, resp.Status)
	default:
		return "", 0, "", fmt.Errorf("%w: %s: HTTP %s", ErrMissing, rawURL, resp.Status)
	}
	if err := os.MkdirAll(f.WorkDir, 0o700); err != nil {
		return "", 0, "", err
	}
	tmp, err := os.CreateTemp(f.WorkDir, "download-*")
	if err != nil {
		return "", 0, "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), resp.Body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", 0, "", fmt.Errorf("%s: %w", rawURL, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		os.Remove(tmp.Name())
		return "", 0, "", fmt.Errorf("%s: short body: %d of %d bytes", rawURL, n, resp.ContentLength)
	}
	return tmp.Name(), n, hex.EncodeToString(h.Sum(nil)), nil
}
