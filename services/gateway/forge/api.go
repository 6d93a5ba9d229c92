package forge

import (
	"net/url"
	"strings"

	"ringmaster.dev/kit/gitstack"
)

// DefaultAPI is the API base of a repository's forge when the stack names
// none, for NewPoster: github → https://api.github.com/ (for a host other
// than github.com, GitHub Enterprise Server's https://HOST/api/v3/);
// gitlab → https://HOST/api/v4/; gitea → https://HOST/. HOST is the
// repository's: from an http(s) URL its scheme and port are kept; from an
// ssh:// or scp-like (git@host:path) URL it is https on the default port.
// "" when repoURL gives no such host (git://, file://, junk) or forge is
// unknown: then the stack needs --api. A forge served under a path prefix
// (https://host/gitlab/…) needs --api too.
func DefaultAPI(forge, repoURL string) string {
	scheme, host := repoHost(repoURL)
	if host == "" {
		return ""
	}
	root := scheme + "://" + host + "/"
	switch forge {
	case gitstack.GitHub:
		if h := strings.ToLower(host); h == "github.com" || h == "www.github.com" {
			return "https://api.github.com/"
		}
		return root + "api/v3/"
	case gitstack.GitLab:
		return root + "api/v4/"
	case gitstack.Gitea:
		return root
	}
	return ""
}

// repoHost is the scheme and host[:port] a repository URL's web API is
// reached at, or "" for none.
func repoHost(raw string) (scheme, host string) {
	if !strings.Contains(raw, "://") { // scp-like: [user@]host:path
		before, _, ok := strings.Cut(raw, ":")
		if !ok || strings.ContainsAny(before, "/\\") {
			return "", ""
		}
		if _, h, at := strings.Cut(before, "@"); at {
			before = h
		}
		return "https", hostOnly(before)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return "", ""
	}
	switch u.Scheme {
	case "https", "http":
		return u.Scheme, u.Host
	case "ssh":
		return "https", hostOnly(u.Hostname())
	}
	return "", ""
}

// hostOnly brackets an IPv6 address and refuses what is no host name.
func hostOnly(h string) string {
	if h == "" || strings.ContainsAny(h, " /?#@[]") {
		return ""
	}
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}
