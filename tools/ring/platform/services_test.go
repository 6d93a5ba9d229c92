package platform

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSelectServices(t *testing.T) {
	tests := []struct {
		in      []string
		want    []string
		wantErr string
	}{
		{in: nil, want: ServiceNames},
		{in: []string{"none"}, want: []string{}},
		{in: []string{"builder", "tester", "builder"}, want: []string{"builder", "tester"}},
		{in: []string{"builder", "none"}, wantErr: `unknown service "none"`},
		{in: []string{"webhooks"}, wantErr: `unknown service "webhooks": want some of builder, gateway, kerberos-realm`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.in, ","), func(t *testing.T) {
			got, err := SelectServices(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) || got == nil {
				t.Fatalf("SelectServices(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// A bad --services list is refused before RING_HOME is made or anything
// starts.
func TestStartRefusesUnknownServicesFirst(t *testing.T) {
	home := filepath.Join(t.TempDir(), "ring")
	if _, err := Start(context.Background(), Config{Home: home, Services: []string{"webhooks"}}); err == nil || !strings.Contains(err.Error(), `unknown service "webhooks"`) {
		t.Fatalf("Start with --services webhooks: %v", err)
	}
	if _, err := os.Stat(home); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("RING_HOME was made for a refused start: %v", err)
	}
}
