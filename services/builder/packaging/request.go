package packaging

import (
	"fmt"
	"os"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/files"

	"ringmaster.dev/kit/stack"
)

// request is a checked packaging request, everything an nfpm.Info needs.
type request struct {
	format   Format
	comp     *stack.Component // with defaults
	arch     string           // in the format's terms
	release  string           // with the distro tag
	distro   string           // selects the relations limited to some distros
	mtime    time.Time
	contents files.Contents
	scripts  nfpm.Scripts
	opts     Options
}

func (f Format) prepare(comp *stack.Component, stagedDir, distro, arch string, opts Options) (*request, error) {
	if f != Deb && f != RPM {
		return nil, errorf(ErrInvalid, "format %q is not deb or rpm", string(f))
	}
	if comp == nil {
		return nil, errorf(ErrInvalid, "no component")
	}
	if err := comp.Validate(); err != nil {
		return nil, fmt.Errorf("%w: component %q:\n%w", ErrInvalid, comp.Name, err)
	}
	c := comp.WithDefaults()
	family, tag, err := distroTag(distro)
	if err != nil {
		return nil, err
	}
	if family != "" && family != f {
		return nil, errorf(ErrInvalid, "distro %s takes %s packages, not %s", distro, family, f)
	}
	a, err := archFor(f, arch)
	if err != nil {
		return nil, err
	}
	mtime, err := opts.epoch()
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(stagedDir); err != nil || !fi.IsDir() {
		return nil, errorf(ErrStaged, "staged dir %q is not a directory", stagedDir)
	}
	if opts.OutDir != "" {
		if fi, err := os.Stat(opts.OutDir); err != nil || !fi.IsDir() {
			return nil, errorf(ErrInvalid, "output dir %q is not a directory", opts.OutDir)
		}
	}
	if opts.RPMSigningKeyFile != "" && f == RPM {
		if _, err := os.Stat(opts.RPMSigningKeyFile); err != nil {
			return nil, fmt.Errorf("%w: rpm signing key: %w", ErrInvalid, err)
		}
	}
	r := &request{format: f, comp: c, arch: a, release: c.Release + tag + opts.rebuildSuffix(f), distro: distro, mtime: mtime, opts: opts}
	if r.contents, err = contents(c, stagedDir, mtime); err != nil {
		return nil, err
	}
	return r, nil
}

// info is a fresh nfpm.Info for the request.
func (r *request) info() *nfpm.Info {
	c := r.comp
	rel := func(rs []stack.Relation) []string {
		out := make([]string, 0, len(rs))
		for _, x := range rs {
			if !x.For(r.distro) {
				continue
			}
			if r.format == RPM {
				out = append(out, x.RPM())
			} else {
				out = append(out, x.Deb())
			}
		}
		return out
	}
	description := c.Summary
	if r.format == Deb && c.Description != "" {
		description = c.Summary + "\n" + c.Description // deb: synopsis, then the long text
	} else if c.Description != "" {
		description = c.Description
	}
	contents := make(files.Contents, len(r.contents))
	for i, x := range r.contents {
		cp := *x
		fi := *x.FileInfo
		cp.FileInfo = &fi
		contents[i] = &cp
	}
	info := &nfpm.Info{
		Name:            c.Name,
		Arch:            r.arch,
		Platform:        "linux",
		Version:         c.Version,
		VersionSchema:   "none",
		Release:         r.release,
		Section:         "misc",
		Priority:        "optional",
		Maintainer:      c.Maintainer,
		Description:     description,
		Vendor:          or(r.opts.Vendor, "Ringmaster"),
		Homepage:        c.Homepage,
		License:         c.License,
		DisableGlobbing: true,
		MTime:           r.mtime,
		Overridables: nfpm.Overridables{
			Depends:   rel(c.Relations.Depends),
			Conflicts: rel(c.Relations.Conflicts),
			Provides:  rel(c.Relations.Provides),
			Replaces:  rel(c.Relations.Replaces),
			Contents:  contents,
			Umask:     0o022,
			Scripts:   r.scripts,
			Deb:       nfpm.Deb{Arch: r.arch},
			RPM: nfpm.RPM{
				Arch:      r.arch,
				BuildHost: or(r.opts.BuildHost, "ringmaster"),
				Summary:   c.Summary,
				Packager:  c.Maintainer,
			},
		},
	}
	if r.format == RPM && r.opts.RPMSigningKeyFile != "" {
		info.RPM.Signature.KeyFile = r.opts.RPMSigningKeyFile
		info.RPM.Signature.KeyPassphrase = r.opts.RPMSigningPassphrase
	}
	return info
}
