package mirror

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// maxSigned bounds InRelease, Release, repomd.xml and their signatures.
const maxSigned = 64 << 20

// planAPT verifies each suite's InRelease and Release, its indexes, and
// lists its packages.
func (s *syncer) planAPT(ctx context.Context, root *url.URL) error {
	if len(s.opt.Suites) == 0 {
		return errors.New("an APT repository needs --suite (the Suites: value of `ring repo sources`, e.g. debian-12-nightly)")
	}
	byKey := map[string]*item{}
	for _, suite := range s.opt.Suites {
		if err := checkInside(suite); err != nil || strings.Contains(suite, "/") {
			return fmt.Errorf("--suite %q: not a suite name", suite)
		}
		dists := "dists/" + suite + "/"
		get := func(name string) ([]byte, error) {
			u, err := resolve(root, dists+name)
			if err != nil {
				return nil, err
			}
			return s.f.get(ctx, u.String(), maxSigned)
		}
		inRelease, err := get("InRelease")
		if errors.Is(err, errNotFound) {
			return fmt.Errorf("%sInRelease: not found at %s (wrong URL or --suite?)", dists, root)
		}
		if err != nil {
			return err
		}
		text, err := VerifyClearSigned(dists+"InRelease", inRelease, s.opt.Keyring)
		if err != nil {
			return err
		}
		rel, err := ParseRelease(text)
		if err != nil {
			return verifyErr("%sInRelease: %v", dists, err)
		}
		if rel.Suite != suite && rel.Codename != suite {
			return verifyErr("%sInRelease is signed for suite %q (codename %q), not %q", dists, rel.Suite, rel.Codename, suite)
		}
		if !rel.ValidUntil.IsZero() && s.opt.Now().After(rel.ValidUntil) {
			return verifyErr("%sInRelease expired at %s (Valid-Until): the source is stale", dists, rel.ValidUntil.Format("2006-01-02 15:04:05 MST"))
		}

		// Release and Release.gpg, for readers without InRelease: kept
		// only when they say exactly what InRelease says (a publish in
		// progress writes them before InRelease).
		if plain, err := get("Release"); err == nil && bytes.Equal(bytes.TrimRight(plain, "\n"), bytes.TrimRight(text, "\n")) {
			if sig, err := get("Release.gpg"); err == nil && VerifyDetached(dists+"Release.gpg", plain, sig, s.opt.Keyring) == nil {
				s.items = append(s.items,
					&item{data: plain, sum: sha256Hex(plain), size: int64(len(plain)), places: []placement{{key: dists + "Release", stage: stageRelease}}},
					&item{data: sig, sum: sha256Hex(sig), size: int64(len(sig)), places: []placement{{key: dists + "Release.gpg", stage: stageRelease}}})
			}
		} else if err != nil && !errors.Is(err, errNotFound) {
			return err
		}
		s.items = append(s.items, &item{data: inRelease, sum: sha256Hex(inRelease), size: int64(len(inRelease)),
			places: []placement{{key: dists + "InRelease", stage: stageTop}}})

		// Indexes, fetched by hash when the Release says so.
		read := map[string]bool{}
		for _, f := range packagesIndexes(rel.Files) {
			read[f.Path] = true
		}
		var indexes []*item
		for _, f := range rel.Files {
			plainKey := dists + f.Path
			it := &item{sum: f.SHA256, size: f.Size, parse: read[f.Path], optional: !read[f.Path]}
			plainURL, err := resolve(root, plainKey)
			if err != nil {
				return err
			}
			it.url = plainURL.String()
			if rel.AcquireByHash {
				bh := dists + byHashPath(f.Path, f.SHA256)
				u, err := resolve(root, bh)
				if err != nil {
					return err
				}
				it.url, it.altURL = u.String(), plainURL.String()
				it.places = append(it.places, placement{key: bh, stage: stageByHash})
			}
			it.places = append(it.places, placement{key: plainKey, stage: stageIndex})
			if it, err = s.add(it, byKey); err != nil {
				return err
			}
			if read[f.Path] {
				indexes = append(indexes, it)
			}
		}
		if err := s.obtain(ctx, indexes); err != nil {
			return err
		}
		for _, idx := range indexes {
			if idx.absent {
				return fmt.Errorf("%s: listed in InRelease but not served", idx.name())
			}
			rc, err := s.open(ctx, idx)
			if err != nil {
				return err
			}
			pkgs, err := ParsePackages(rc)
			rc.Close()
			if err != nil {
				return verifyErr("%s: %v", idx.name(), err)
			}
			for _, p := range pkgs {
				u, err := resolve(root, p.Filename)
				if err != nil {
					return verifyErr("%s: %s: %v", idx.name(), p.Name, err)
				}
				it := &item{url: u.String(), sum: p.SHA256, size: p.Size, places: []placement{{key: p.Filename, stage: stagePool}}}
				if _, err := s.add(it, byKey); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// planYUM verifies repomd.xml, its data files and lists the packages. The
// packages may live outside the repository directory (hrefs ../pool/…);
// the mirror keeps their relative position, so its root is the common
// directory of the repository and its packages.
func (s *syncer) planYUM(ctx context.Context, root *url.URL) error {
	mdURL, _ := resolve(root, "repodata/repomd.xml")
	sigURL, _ := resolve(root, "repodata/repomd.xml.asc")
	md, err := s.f.get(ctx, mdURL.String(), maxSigned)
	if errors.Is(err, errNotFound) {
		return fmt.Errorf("%s: not found (the URL must be the directory holding repodata/)", mdURL)
	}
	if err != nil {
		return err
	}
	sig, err := s.f.get(ctx, sigURL.String(), maxSigned)
	if errors.Is(err, errNotFound) {
		return verifyErr("repodata/repomd.xml.asc: not found: the repository is not signed")
	}
	if err != nil {
		return err
	}
	if err := VerifyDetached("repodata/repomd.xml", md, sig, s.opt.Keyring); err != nil {
		return err
	}
	data, err := ParseRepomd(md)
	if err != nil {
		return verifyErr("%v", err)
	}

	// Absolute URL paths (decoded) of every file; keys come once the
	// common root is known.
	type entry struct {
		it  *item
		abs string
		st  stage
	}
	var entries []entry
	var primary *item
	for _, d := range data {
		u, err := resolve(root, d.Href)
		if err != nil || u.Host != root.Host {
			return verifyErr("repomd.xml: %s: outside the repository", d.Href)
		}
		it := &item{url: u.String(), sum: d.SHA256, size: d.Size}
		entries = append(entries, entry{it, u.Path, stageByHash})
		if d.Type == "primary" {
			it.parse = true
			primary = it
		}
	}
	if primary == nil {
		return verifyErr("repomd.xml lists no primary data")
	}
	primaryAbs := entries[0].abs
	for _, e := range entries {
		if e.it == primary {
			primaryAbs = e.abs
		}
	}

	// The packages, from primary: the destination's copy if a previous
	// run left a verified one (at any root above the repository), else a
	// download.
	var rpms []RPM
	found := false
	for c := root.Path; c != ""; c = parentDir(c) {
		key := strings.TrimPrefix(primaryAbs, c)
		primary.places = []placement{{key: key, stage: stageByHash}}
		primary.checked = false
		if err := s.checkPresence(ctx, []*item{primary}); err != nil {
			return err
		}
		if primary.complete() {
			if rpms, err = s.readPrimary(ctx, primary); err != nil {
				return err
			}
			if commonRoot(root, rpms) == c {
				found = true
				break
			}
		}
	}
	if !found {
		primary.places, primary.checked = []placement{{key: strings.TrimPrefix(primaryAbs, root.Path), stage: stageByHash}}, true
		if err := s.download(ctx, primary); err != nil {
			return err
		}
		if rpms, err = s.readPrimary(ctx, primary); err != nil {
			return err
		}
		primary.checked = false
	}
	base := commonRoot(root, rpms)
	if base == "" {
		return verifyErr("primary.xml: a package is on another server than the repository")
	}
	for _, r := range rpms {
		u, _ := resolve(root, r.Href)
		entries = append(entries, entry{&item{url: u.String(), sum: r.SHA256, size: r.Size}, u.Path, stagePool})
	}
	entries = append(entries,
		entry{&item{data: sig, sum: sha256Hex(sig), size: int64(len(sig))}, sigURL.Path, stageRelease},
		entry{&item{data: md, sum: sha256Hex(md), size: int64(len(md))}, mdURL.Path, stageTop})

	primary.checked = false // its key is known only now
	byKey := map[string]*item{}
	for _, e := range entries {
		key := strings.TrimPrefix(e.abs, base)
		if err := checkInside(key); err != nil {
			return verifyErr("%s: %v", e.abs, err)
		}
		e.it.places = []placement{{key: key, stage: e.st}}
		if _, err := s.add(e.it, byKey); err != nil {
			return err
		}
	}
	s.res.RepoPath = strings.TrimSuffix(strings.TrimPrefix(root.Path, base), "/")
	return nil
}

func (s *syncer) readPrimary(ctx context.Context, it *item) ([]RPM, error) {
	rc, err := s.open(ctx, it)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	rpms, err := ParsePrimary(rc)
	if err != nil {
		return nil, verifyErr("%v", err)
	}
	return rpms, nil
}

// commonRoot is the directory (URL path, ending in /) holding the
// repository and all its packages; "" if a package is on another server.
func commonRoot(root *url.URL, rpms []RPM) string {
	paths := []string{root.Path}
	for _, r := range rpms {
		u, err := resolve(root, r.Href)
		if err != nil || u.Scheme != root.Scheme || u.Host != root.Host {
			return ""
		}
		paths = append(paths, u.Path)
	}
	return commonDir(paths...)
}

// parentDir of "/a/b/" is "/a/"; of "/" it is "".
func parentDir(p string) string {
	if p == "/" || p == "" {
		return ""
	}
	t := strings.TrimSuffix(p, "/")
	return t[:strings.LastIndex(t, "/")+1]
}
