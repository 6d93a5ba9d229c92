package mirror

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// errNotFound is a 404 (or 403/410: S3 answers 403 for a missing public key
// in some setups) from the source.
var errNotFound = errors.New("not found")

// statusError is a non-2xx answer.
type statusError struct {
	url    string
	status string
	code   int
}

func (e *statusError) Error() string { return fmt.Sprintf("GET %s: %s", e.url, e.status) }
func (e *statusError) Unwrap() error {
	if e.code == http.StatusNotFound || e.code == http.StatusGone {
		return errNotFound
	}
	return nil
}

// retryable: 5xx, 429, network errors; never verification or 4xx.
func retryable(err error) bool {
	var se *statusError
	if errors.As(err, &se) {
		return se.code >= 500 || se.code == http.StatusTooManyRequests
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "connection reset")
}

type fetcher struct {
	client  *http.Client
	onBytes func(int64) // called with every chunk read (progress)
	retries int
}

// DefaultClient is the HTTP client Sync uses when Options.Client is nil:
// no transparent decompression (the bytes are hashed as served), bounded
// waits for headers, no overall timeout (packages may be large).
func DefaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableCompression = true
	t.ResponseHeaderTimeout = 60 * time.Second
	t.MaxIdleConnsPerHost = 32
	return &http.Client{Transport: t}
}

func (f *fetcher) backoff(ctx context.Context, attempt int) error {
	d := time.Duration(250<<attempt) * time.Millisecond
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// get reads a small file into memory (at most limit bytes).
func (f *fetcher) get(ctx context.Context, url string, limit int64) ([]byte, error) {
	var lastErr error
	for attempt := 0; attempt <= f.retries; attempt++ {
		if attempt > 0 {
			if err := f.backoff(ctx, attempt); err != nil {
				return nil, err
			}
		}
		b, err := f.getOnce(ctx, url, limit)
		if err == nil || !retryable(err) || ctx.Err() != nil {
			return b, err
		}
		lastErr = err
	}
	return nil, lastErr
}

func (f *fetcher) getOnce(ctx context.Context, url string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Cache-Control", "no-cache")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{url: url, status: resp.Status, code: resp.StatusCode}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", url, limit)
	}
	return b, nil
}

// download fetches url into the file partial and checks it against sum and
// size (-1: unknown). A partial file left by an earlier run is resumed with
// an HTTP Range request; if the server ignores the range, or the finished
// file does not verify, it starts over once from zero. On a verification
// failure the partial file is removed and a *HashError names the file.
func (f *fetcher) download(ctx context.Context, url, partial, name, sum string, size int64) error {
	var lastErr error
	restarted := false
	for attempt := 0; attempt <= f.retries; attempt++ {
		if attempt > 0 {
			if err := f.backoff(ctx, attempt); err != nil {
				return err
			}
		}
		resumed, err := f.downloadOnce(ctx, url, partial, size)
		if err == nil {
			got, n, herr := fileSHA256(partial)
			if herr != nil {
				return herr
			}
			if got == sum && (size < 0 || n == size) {
				return nil
			}
			_ = os.Remove(partial)
			if resumed && !restarted {
				// The old partial bytes may have been stale: one clean try.
				restarted = true
				attempt--
				continue
			}
			return &HashError{File: name, Want: sum, Got: got, WantSize: size, GotSize: n}
		}
		if !retryable(err) || ctx.Err() != nil {
			return err
		}
		lastErr = err
	}
	return lastErr
}

// downloadOnce appends to (or starts) partial; resumed says whether bytes
// from before were kept.
func (f *fetcher) downloadOnce(ctx context.Context, url, partial string, size int64) (resumed bool, err error) {
	var have int64
	if st, err := os.Stat(partial); err == nil {
		have = st.Size()
	}
	if size >= 0 && have > size {
		_ = os.Remove(partial)
		have = 0
	}
	if size >= 0 && have == size && have > 0 {
		return true, nil // complete; the caller verifies it
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	if have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	flags := os.O_CREATE | os.O_WRONLY
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0 && strings.HasPrefix(resp.Header.Get("Content-Range"), "bytes "+strconv.FormatInt(have, 10)+"-"):
		flags |= os.O_APPEND
		resumed = true
	case resp.StatusCode == http.StatusOK:
		flags |= os.O_TRUNC
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		_ = os.Remove(partial)
		return false, &statusError{url: url, status: resp.Status + " (partial download discarded)", code: 503}
	default:
		return false, &statusError{url: url, status: resp.Status, code: resp.StatusCode}
	}
	out, err := os.OpenFile(partial, flags, 0o644)
	if err != nil {
		return false, err
	}
	_, err = io.Copy(out, &countingReader{r: resp.Body, fn: f.onBytes})
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return resumed, fmt.Errorf("GET %s: %w", url, err)
	}
	return resumed, nil
}

type countingReader struct {
	r  io.Reader
	fn func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 && c.fn != nil {
		c.fn(int64(n))
	}
	return n, err
}
