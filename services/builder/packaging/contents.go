package packaging

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2/files"

	"ringmaster.dev/kit/stack"
)

// contents lays out the component's install entries (sources in stagedDir)
// and its init script as nfpm contents, every entry with an explicit mode,
// owner and mtime so that nothing depends on the staging machine. It returns
// all the missing staged paths at once, as an ErrStaged error.
func contents(c *stack.Component, stagedDir string, mtime time.Time) (files.Contents, error) {
	var out files.Contents
	var missing []string
	add := func(src, dst, typ, owner, group string, mode fs.FileMode) {
		if typ == files.TypeFile && isConf(dst) {
			typ = files.TypeConfigNoReplace
		}
		out = append(out, &files.Content{Source: src, Destination: dst, Type: typ,
			FileInfo: &files.ContentFileInfo{Owner: or(owner, "root"), Group: or(group, "root"), Mode: mode, MTime: mtime}})
	}
	for _, in := range c.Install {
		src := filepath.Join(stagedDir, filepath.FromSlash(in.Src))
		mode := parseMode(in.Mode)
		switch in.Type {
		case stack.TypeSymlink:
			add(in.Src, in.Dst, files.TypeSymlink, in.Owner, in.Group, 0)
		case stack.TypeDir:
			add("", in.Dst, files.TypeDir, in.Owner, in.Group, or0(mode, 0o755))
			if in.Src == "" {
				continue
			}
			fi, err := os.Stat(src)
			if err != nil || !fi.IsDir() {
				missing = append(missing, in.Src+" (a directory)")
				continue
			}
			if err := addTree(src, in, add); err != nil {
				missing = append(missing, in.Src+": "+err.Error())
			}
		default: // file, conffile
			fi, err := os.Lstat(src)
			if err != nil || fi.IsDir() {
				missing = append(missing, in.Src)
				continue
			}
			typ := files.TypeFile
			if in.Type == stack.TypeConffile {
				typ = files.TypeConfigNoReplace
			}
			if fi.Mode()&fs.ModeSymlink != 0 {
				target, err := os.Readlink(src)
				if err != nil {
					missing = append(missing, in.Src)
					continue
				}
				add(target, in.Dst, files.TypeSymlink, in.Owner, in.Group, 0)
				continue
			}
			add(src, in.Dst, typ, in.Owner, in.Group, or0(mode, normalMode(fi.Mode())))
		}
	}
	if sv := c.Service; sv != nil {
		script := c.Path(sv.Script)
		if fi, err := os.Stat(script); err != nil || !fi.Mode().IsRegular() {
			return nil, errorf(ErrInvalid, "service script %s is missing", script)
		}
		add(script, sv.InitPath(), files.TypeFile, "", "", 0o755)
	}
	if len(missing) > 0 {
		return nil, errorf(ErrStaged, "%s lacks %s", stagedDir, strings.Join(missing, ", "))
	}
	slices.SortStableFunc(out, func(a, b *files.Content) int { return strings.Compare(a.Destination, b.Destination) })
	return out, nil
}

// addTree adds everything below root (an install entry of type dir with a
// src), in lexical order.
func addTree(root string, in stack.Install, add func(src, dst, typ, owner, group string, mode fs.FileMode)) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		dst := path.Join(in.Dst, filepath.ToSlash(rel))
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			add(target, dst, files.TypeSymlink, in.Owner, in.Group, 0)
		case d.IsDir():
			add("", dst, files.TypeDir, in.Owner, in.Group, 0o755)
		case d.Type().IsRegular():
			fi, err := d.Info()
			if err != nil {
				return err
			}
			add(p, dst, files.TypeFile, in.Owner, in.Group, normalMode(fi.Mode()))
		}
		return nil
	})
}

// isConf: files below /etc are configuration (deb conffiles, rpm %config(noreplace)).
func isConf(dst string) bool { return strings.HasPrefix(dst, "/etc/") }

// normalMode is 0755 for anything executable, else 0644: the staging
// machine's umask must not leak into the package.
func normalMode(m fs.FileMode) fs.FileMode {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}

func parseMode(s string) fs.FileMode {
	if s == "" {
		return 0
	}
	v, err := strconv.ParseUint(s, 8, 32)
	if err != nil {
		return 0
	}
	return fs.FileMode(v)
}

func or0(m, def fs.FileMode) fs.FileMode {
	if m == 0 {
		return def
	}
	return m
}
