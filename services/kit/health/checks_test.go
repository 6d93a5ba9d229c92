package health

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestReadyz(t *testing.T) {
	ok := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("refused\nsecond line") }
	tests := []struct {
		name   string
		checks map[string]Check
		order  []string
		code   int
		body   []string
	}{
		{"none", nil, nil, http.StatusOK, []string{"ready\n"}},
		{"all pass", map[string]Check{"nats": ok, "s3": ok}, []string{"nats", "s3"}, http.StatusOK, []string{"[+] nats ok (", "[+] s3 ok (", "ready\n"}},
		{"one fails", map[string]Check{"nats": ok, "docker": down}, []string{"nats", "docker"}, http.StatusServiceUnavailable,
			[]string{"[+] nats ok", "[-] docker failed: refused second line\n", "not ready: docker\n"}},
		{"a check that waits out its time", map[string]Check{"s3": func(ctx context.Context) error { <-ctx.Done(); return nil }}, []string{"s3"},
			http.StatusServiceUnavailable, []string{"[-] s3 failed: no answer within 100ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Checks{Timeout: 100 * time.Millisecond}
			for _, n := range tt.order {
				c.Add(n, tt.checks[n])
			}
			if tt.checks["nats"] != nil {
				c.Add("nats", down) // a second check of a name is ignored
			}
			if len(tt.order) == 0 {
				c = nil
			}
			rec := httptest.NewRecorder()
			c.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			if rec.Code != tt.code {
				t.Errorf("code %d, want %d\n%s", rec.Code, tt.code, rec.Body)
			}
			last := -1
			for _, w := range tt.body {
				i := strings.Index(rec.Body.String(), w)
				if i <= last {
					t.Errorf("body lacks %q after the lines before it:\n%s", w, rec.Body)
				}
				last = i
			}
		})
	}
	rec := httptest.NewRecorder()
	Live().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "ok\n" {
		t.Errorf("/healthz: %d %q", rec.Code, rec.Body)
	}
}
