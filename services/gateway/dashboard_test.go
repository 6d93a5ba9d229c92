package gateway

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/kit/tokens"
)

// TestDashboardRetry: the dead-letter page's retry goes through the token
// and the authorization policy before the bus is asked.
func TestDashboardRetry(t *testing.T) {
	env := newChatEnv(t)
	ctx := context.Background()
	store, err := tokens.Open(ctx, env.conn.JS)
	must(t, err)
	dev, _, err := store.Create(ctx, "carol", "developer")
	must(t, err)
	reader, _, err := store.Create(ctx, "rita", "reader")
	must(t, err)
	tests := []struct {
		name, token string
		status      int
		want        string
	}{
		{"no token", "", http.StatusUnauthorized, "give an API token"},
		{"unknown token", "ring_nope", http.StatusUnauthorized, "unknown or revoked"},
		{"a reader", reader, http.StatusForbidden, "dlq retry needs role developer"},
		{"a developer, no such letter", dev, http.StatusNotFound, "no such dead letter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp *http.Response
			var err error
			for range 50 { // the token cache follows the bucket
				resp, err = http.PostForm(env.srv.URL+"/deadletters/42/retry", url.Values{"token": {tt.token}})
				must(t, err)
				if resp.StatusCode != http.StatusUnauthorized || tt.status == http.StatusUnauthorized {
					break
				}
				resp.Body.Close()
				time.Sleep(20 * time.Millisecond)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
				t.Errorf("%d, want %d with %q\n%s", resp.StatusCode, tt.status, tt.want, body)
			}
		})
	}
}
