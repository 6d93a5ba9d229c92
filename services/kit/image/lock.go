package image

import (
	"context"
	"fmt"
	"path/filepath"

	"ringmaster.dev/kit/lockfile"
)

// lockDir takes an exclusive lock on dir/.lock (kit/lockfile: released
// when the process dies), waiting until ctx ends; blocked (may be nil) is
// told once who holds it if it has to wait.
func lockDir(ctx context.Context, dir string, blocked func(holder string)) (unlock func(), err error) {
	l, err := lockfile.Wait(ctx, filepath.Join(dir, ".lock"), func(h *lockfile.HeldError) {
		if blocked != nil {
			blocked(h.Holder())
		}
	})
	if err != nil {
		return nil, fmt.Errorf("image cache lock: %w", err)
	}
	return func() { _ = l.Unlock() }, nil
}
