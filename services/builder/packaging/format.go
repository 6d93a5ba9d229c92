package packaging

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers the rpm packager

	"ringmaster.dev/kit/file"
	"ringmaster.dev/kit/stack"
)

// Format is a package format; it packages components.
type Format string

// The formats.
const (
	Deb Format = "deb"
	RPM Format = "rpm"
)

// Formats are all the formats, in a fixed order.
var Formats = []Format{Deb, RPM}

// Packager makes one package from a component and its staged build output.
type Packager interface {
	Package(ctx context.Context, comp *stack.Component, stagedDir, distro, arch string, opts Options) (Artifact, error)
}

var _ Packager = Deb

// Package makes the f package of comp for distro (e.g. debian-12, or "" for
// no distro tag) and arch (amd64, arm64, all, or the rpm names) from
// stagedDir, the build output the install layout's src paths are relative
// to. An invalid request writes nothing and returns an error matching
// ErrInvalid (or ErrStaged for missing staged files).
func (f Format) Package(ctx context.Context, comp *stack.Component, stagedDir, distro, arch string, opts Options) (Artifact, error) {
	if err := ctx.Err(); err != nil {
		return Artifact{}, err
	}
	req, err := f.prepare(comp, stagedDir, distro, arch, opts)
	if err != nil {
		return Artifact{}, err
	}
	tmpDir, err := os.MkdirTemp("", "ringmaster-pkg-")
	if err != nil {
		return Artifact{}, fmt.Errorf("package %s: %w", comp.Name, err)
	}
	defer os.RemoveAll(tmpDir)
	if req.scripts, err = scripts(req.comp, tmpDir); err != nil {
		return Artifact{}, fmt.Errorf("package %s: %w", comp.Name, err)
	}
	pkgr, err := nfpm.Get(string(f))
	if err != nil {
		return Artifact{}, fmt.Errorf("package %s: %w", comp.Name, err)
	}
	// nfpm rewrites the Info it is given (arch, release, contents): every
	// use gets a fresh one.
	probe := req.info()
	filename := pkgr.ConventionalFileName(probe)
	a := Artifact{Filename: filename, Name: req.comp.Name, Version: req.comp.Version,
		Release: req.release, Arch: req.arch, Format: f}
	if err := ctx.Err(); err != nil {
		return Artifact{}, err
	}
	if opts.OutDir == "" {
		var buf bytes.Buffer
		if err := write(pkgr, req.info(), &buf, &a); err != nil {
			return Artifact{}, fmt.Errorf("package %s: %w", filename, err)
		}
		a.Bytes = buf.Bytes()
		return a, nil
	}
	a.Path = filepath.Join(opts.OutDir, filename)
	if err := writeFile(pkgr, req.info(), a.Path, &a); err != nil {
		return Artifact{}, fmt.Errorf("package %s: %w", filename, err)
	}
	return a, nil
}

// writeFile writes the package next to path and renames it into place, so
// that a failure leaves nothing behind.
func writeFile(pkgr nfpm.Packager, info *nfpm.Info, path string, a *Artifact) error {
	return file.WriteAtomic(path, 0o644, func(w io.Writer) error { return write(pkgr, info, w, a) })
}

func write(pkgr nfpm.Packager, info *nfpm.Info, w io.Writer, a *Artifact) error {
	h := sha256.New()
	cw := &counter{w: io.MultiWriter(w, h)}
	if err := pkgr.Package(info, cw); err != nil {
		var sig *nfpm.ErrSigningFailure
		if errors.As(err, &sig) {
			return fmt.Errorf("sign: %w", err)
		}
		return err
	}
	a.SHA256, a.Size = hex.EncodeToString(h.Sum(nil)), cw.n
	return nil
}

type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func sortStrings(s []string) []string { slices.Sort(s); return s }
