package s3server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// waitReady polls endpoint until it answers any HTTP response, the gateway
// goroutine exits (done closed), or ctx ends.
func waitReady(ctx context.Context, endpoint string, done <-chan struct{}) error {
	client := &http.Client{Timeout: 500 * time.Millisecond}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/", nil)
		if err != nil {
			return fmt.Errorf("readiness request: %w", err)
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		last = err
		select {
		case <-done:
			return errors.New("gateway exited during startup")
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s: %w (last error: %v)", startTimeout, ctx.Err(), last)
		case <-tick.C:
		}
	}
}
