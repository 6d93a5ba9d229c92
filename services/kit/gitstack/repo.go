package gitstack

import (
	"net/url"
	"strings"
)

// SameRepo tells whether two clone or web URLs name the same repository:
// scheme, credentials, a trailing ".git" or "/" and the case of host and
// path do not count (https://github.com/Acme/Stacks and
// git@github.com:acme/stacks.git are the same), the host's port does.
// The default ports of the schemes are dropped.
func SameRepo(a, b string) bool {
	ka, kb := RepoKey(a), RepoKey(b)
	return ka != "" && ka == kb
}

// RepoKey is the form SameRepo compares: host[:port]/path, lowercase.
func RepoKey(raw string) string {
	var host, p string
	if h, rest, ok := scpLike(raw); ok {
		host, p = h, rest
	} else {
		u, err := url.Parse(raw)
		if err != nil {
			return ""
		}
		host, p = u.Host, u.Path
		switch {
		case u.Scheme == "https" && u.Port() == "443", u.Scheme == "http" && u.Port() == "80",
			u.Scheme == "ssh" && u.Port() == "22", u.Scheme == "git" && u.Port() == "9418":
			host = u.Hostname()
		}
	}
	p = strings.TrimSuffix(strings.Trim(p, "/"), ".git")
	if p == "" {
		return ""
	}
	return strings.ToLower(host + "/" + p)
}

// FullName is the owner/name (GitLab: group/…/project) path of a forge
// repository URL, as the forges' APIs name it.
func FullName(raw string) string {
	k := RepoKey(raw)
	if i := strings.Index(k, "/"); i >= 0 {
		return k[i+1:]
	}
	return ""
}
