package unpack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// maxHops bounds symlink resolution, like the kernel's ELOOP limit.
const maxHops = 40

// confined resolves the symlink at rel (relative to dir) the way the kernel
// would, following every symlink on the way, and fails if the walk ever
// leaves base (dir/base). A chain like a/b -> ../.. hidden behind another
// link is caught, which a lexical check alone would miss.
func confined(dir, base, rel string) error {
	if base != "." {
		if rel != base && !strings.HasPrefix(rel, base+"/") {
			return errors.New("outside the top-level directory")
		}
		rel = strings.TrimPrefix(strings.TrimPrefix(rel, base), "/")
	}
	top := filepath.Join(dir, base)
	var cur []string // resolved components, all real directories
	if d := path.Dir(rel); d != "." {
		cur = strings.Split(d, "/")
	}
	target, err := os.Readlink(filepath.Join(top, filepath.FromSlash(rel)))
	if err != nil {
		return err
	}
	queue := strings.Split(target, "/")
	for hops := 0; len(queue) > 0; {
		c := queue[0]
		queue = queue[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(cur) == 0 {
				return fmt.Errorf("symlink target %q resolves outside the tree", target)
			}
			cur = cur[:len(cur)-1]
			continue
		}
		next := append(cur[:len(cur):len(cur)], c)
		fi, err := os.Lstat(filepath.Join(append([]string{top}, next...)...))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			cur = next // dangling: the rest is lexical
		case err != nil:
			return err
		case fi.Mode()&fs.ModeSymlink != 0:
			if hops++; hops > maxHops {
				return fmt.Errorf("symlink target %q: too many levels of symlinks", target)
			}
			t, err := os.Readlink(filepath.Join(append([]string{top}, next...)...))
			if err != nil {
				return err
			}
			if strings.HasPrefix(t, "/") {
				return fmt.Errorf("symlink target %q goes through the absolute link %q", target, t)
			}
			queue = append(strings.Split(t, "/"), queue...)
		default:
			cur = next
		}
	}
	return nil
}
