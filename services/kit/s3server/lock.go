package s3server

import (
	"errors"
	"fmt"
	"path/filepath"

	"ringmaster.dev/kit/lockfile"
)

// lockName is the file in Config.Dir that the serving process holds locked
// (kit/lockfile: released when the process ends, however it ends; its PID
// inside).
const lockName = "server.lock"

// lockDir takes dir's lock or fails with ErrDirInUse naming the holder. One
// process per directory is what lets the POSIX backend skip its own
// cross-process lock file for conditional writes (ForceNoObjLockFile).
func lockDir(dir string) (*lockfile.Lock, error) {
	l, err := lockfile.Try(filepath.Join(dir, lockName))
	var held *lockfile.HeldError
	if errors.As(err, &held) {
		return nil, fmt.Errorf("%w: %s is served by %s (stop it, or give this server another directory)", ErrDirInUse, dir, held.Holder())
	}
	if err != nil {
		return nil, fmt.Errorf("s3server: %w", err)
	}
	return l, nil
}
