package config

import (
	"os"
	"path/filepath"
)

// ProjectDir returns the absolute path of a project directory such as
// infra/stacks: the environment variable env if set, else rel found from the
// working directory or, failing that, next to the executable (bin/ring →
// ../infra/stacks), so installed binaries find their data wherever they run.
func ProjectDir(env, rel string) string {
	dir := Env(env, rel)
	if !filepath.IsAbs(dir) {
		if _, err := os.Stat(dir); err != nil {
			if exe, err := os.Executable(); err == nil {
				if c := filepath.Join(filepath.Dir(exe), "..", dir); dirExists(c) {
					dir = c
				}
			}
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	return abs
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
