package builder

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"ringmaster.dev/kit/stack"
)

// keyMethod changes whenever the way cells are built changes.
const keyMethod = "ringmaster-build-v4"

// BuildKey is the content hash of everything a cell's output depends on: the
// component's recipe, its sources (URL checksums, or the bytes of local
// source trees), patches, service and maintainer scripts, the distro and
// the toolchain image, and the build keys of its build dependencies. Two
// cells with the same key produce the same packages: the second is skipped.
func BuildKey(c *stack.Component, distro, image string, depKeys map[string]string) (string, error) {
	h := sha256.New()
	recipe, err := json.Marshal(c.WithDefaults())
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\n", keyMethod, distro, image, recipe)
	for _, s := range c.Sources {
		if s.URL != "" {
			fmt.Fprintf(h, "source %s %s\n", s.URL, s.SHA256)
			continue
		}
		if err := hashTree(h, c.Path(s.Dir)); err != nil {
			return "", fmt.Errorf("source dir %s: %w", s.Dir, err)
		}
	}
	files := append([]string(nil), c.Patches...)
	if c.Service != nil && c.Service.Script != "" {
		files = append(files, c.Service.Script)
	}
	for _, f := range []string{c.Scripts.PreInstall, c.Scripts.PostInstall, c.Scripts.PreRemove, c.Scripts.PostRemove} {
		if f != "" {
			files = append(files, f)
		}
	}
	for _, f := range files {
		if err := hashFile(h, f, c.Path(f)); err != nil {
			return "", err
		}
	}
	deps := make([]string, 0, len(depKeys))
	for d := range depKeys {
		deps = append(deps, d)
	}
	sort.Strings(deps)
	for _, d := range deps {
		fmt.Fprintf(h, "dep %s %s\n", d, depKeys[d])
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(h io.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	fmt.Fprintf(h, "file %s\n", name)
	_, err = io.Copy(h, f)
	return err
}

// hashTree hashes every path, mode and content under dir, in a fixed order.
func hashTree(h io.Writer, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "entry %s %v\n", filepath.ToSlash(rel), info.Mode())
		switch {
		case info.Mode().IsRegular():
			return hashFile(h, rel, p)
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "link %s\n", target)
		}
		return nil
	})
}
