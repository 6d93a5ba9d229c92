package mirror

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// checkRelPath accepts a clean relative slash path that stays inside the
// repository: no leading /, no . or .. segments, no empty segments.
func checkRelPath(p string) error {
	if p == "" {
		return fmt.Errorf("empty path")
	}
	if strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || strings.ContainsRune(p, 0) {
		return fmt.Errorf("path %q is not a relative slash path", p)
	}
	if strings.Contains(p, "://") {
		return fmt.Errorf("path %q is a URL, not a relative path", p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." {
			return fmt.Errorf("path %q has an empty or . segment", p)
		}
		if seg == ".." {
			// YUM hrefs may climb out of the repo root (../pool/…); the
			// callers that allow it resolve them against the URL and
			// check the result instead.
			continue
		}
	}
	return nil
}

// checkInside refuses paths with .. segments (APT paths).
func checkInside(p string) error {
	if err := checkRelPath(p); err != nil {
		return err
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return fmt.Errorf("path %q leaves the repository (..)", p)
		}
	}
	return nil
}

// dirURL returns u with a trailing slash on its path, so relative
// references resolve inside it.
func dirURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("URL %q: want http:// or https://", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("URL %q has no host", raw)
	}
	u.RawQuery, u.Fragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		u.RawPath = ""
	}
	return u, nil
}

// resolve resolves a relative slash path against a directory URL.
func resolve(base *url.URL, rel string) (*url.URL, error) {
	r, err := url.Parse(escapePath(rel))
	if err != nil {
		return nil, fmt.Errorf("path %q: %w", rel, err)
	}
	if r.IsAbs() || r.Host != "" {
		return nil, fmt.Errorf("path %q is absolute", rel)
	}
	depth := strings.Count(strings.Trim(base.Path, "/"), "/") + 1
	if strings.Trim(base.Path, "/") == "" {
		depth = 0
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == ".." {
			depth--
		} else if seg != "." && seg != "" {
			depth++
		}
		if depth < 0 {
			return nil, fmt.Errorf("path %q climbs above the server root", rel)
		}
	}
	u := base.ResolveReference(r)
	if !strings.HasPrefix(u.Path, "/") || path.Clean(u.Path) != u.Path {
		return nil, fmt.Errorf("path %q resolves outside the server (%s)", rel, u.Path)
	}
	return u, nil
}

// escapePath escapes each segment of a slash path for use in a URL.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// commonDir is the longest common directory (ending in /) of slash paths
// that each start with /.
func commonDir(paths ...string) string {
	dir := func(p string) string { return p[:strings.LastIndex(p, "/")+1] }
	c := dir(paths[0])
	for _, p := range paths[1:] {
		d := dir(p)
		for !strings.HasPrefix(d, c) {
			c = dir(strings.TrimSuffix(c, "/"))
		}
	}
	return c
}
