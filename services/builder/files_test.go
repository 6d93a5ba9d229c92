package builder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"ringmaster.dev/kit/blob"
)

// TestStoreRead: a read the store did not answer is errUnavailable (the
// command is tried again); a key the store does not have is not (the cell
// fails); the store's own error stays matchable either way.
func TestStoreRead(t *testing.T) {
	for _, tc := range []struct {
		name        string
		err         error
		unavailable bool
	}{
		{"not found", fmt.Errorf("get x: %w", blob.ErrNotFound), false},
		{"unreachable", fmt.Errorf("get x: %w", blob.ErrUnreachable), true},
		{"cut mid-read", io.ErrUnexpectedEOF, true},
		{"cancelled", context.Canceled, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := storeRead("pool/x.deb", tc.err)
			if errors.Is(got, errUnavailable) != tc.unavailable {
				t.Errorf("%v: unavailable %v, want %v", got, !tc.unavailable, tc.unavailable)
			}
			if !errors.Is(got, tc.err) {
				t.Errorf("%v does not wrap %v", got, tc.err)
			}
		})
	}
}
