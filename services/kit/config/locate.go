package config

import (
	"os"
	"path/filepath"
)

// startDir is the working directory the process started in. Relative paths
// are resolved against it, not against the current one: the embedded S3
// server changes the process's working directory (kit/s3server), and code
// in the same process (ring up's services, its --demo) must still find
// infra/stacks or a relative RING_HOME where the user meant them.
var startDir, _ = os.Getwd()

// Abs returns p as an absolute path, a relative p taken from the directory
// the process started in.
func Abs(p string) string {
	if filepath.IsAbs(p) || startDir == "" {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
		return p
	}
	return filepath.Join(startDir, p)
}

// ProjectDir returns the absolute path of a project directory such as
// infra/stacks: the environment variable env if set, else rel found from the
// directory the process started in or, failing that, next to the executable
// (bin/ring → ../infra/stacks), so installed binaries find their data
// wherever they run.
func ProjectDir(env, rel string) string {
	dir := Env(env, rel)
	if filepath.IsAbs(dir) {
		return filepath.Clean(dir)
	}
	if _, err := os.Stat(Abs(dir)); err != nil {
		if exe, err := os.Executable(); err == nil {
			if c := filepath.Join(filepath.Dir(exe), "..", dir); exists(c) {
				return c
			}
		}
	}
	return Abs(dir)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
