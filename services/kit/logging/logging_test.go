package logging

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		level   string
		wantErr bool
		logs    bool
	}{
		{"info", false, true},
		{"debug", false, true},
		{"error", false, false},
		{"loud", true, false},
		{"", true, false},
	} {
		var buf bytes.Buffer
		log, err := New(&buf, tc.level)
		if (err != nil) != tc.wantErr {
			t.Fatalf("New(%q) err = %v", tc.level, err)
		}
		log.Info().Str("run", "r1").Msg("hello")
		if got := buf.Len() > 0; got != tc.logs {
			t.Fatalf("level %q: logged = %v, want %v", tc.level, got, tc.logs)
		}
		if tc.logs {
			var m map[string]any
			if err := json.Unmarshal(buf.Bytes(), &m); err != nil || m["run"] != "r1" {
				t.Fatalf("not JSON with fields: %s", buf.String())
			}
		}
	}
}
