package gitstack

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"
)

// Forges Ringmaster reads webhooks from and reports commit statuses to.
const (
	GitHub = "github"
	GitLab = "gitlab"
	Gitea  = "gitea"
)

// Forges lists them, in the order help texts name them.
var Forges = []string{GitHub, GitLab, Gitea}

// DefaultBranch is the branch of a stack that names none.
const DefaultBranch = "main"

// Record is one stack from git. It holds no secret: those are files (SecretPath, TokenPath).
type Record struct {
	Name string `json:"name"`
	// Git is the clone URL; it never carries credentials.
	Git string `json:"git"`
	// Branch is the default branch: pushes to it publish to the stack's channel.
	Branch string `json:"branch"`
	// Path is the directory of stack.yaml in the repository ("" the root).
	Path string `json:"path,omitempty"`
	// Forge is where webhooks come from and commit statuses go ("" none).
	Forge string `json:"forge,omitempty"`
	// API is the forge's API base URL ("" the forge's public one).
	API string `json:"api,omitempty"`
	// Token tells whether a forge token file was stored (statuses need one).
	Token bool      `json:"token"`
	Added time.Time `json:"added"`
}

// ErrInvalid marks a record that cannot be used.
var ErrInvalid = errors.New("invalid stack from git")

var (
	nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	// refRE is stricter than git check-ref-format: no shell or path
	// characters reach a channel name, a log line or a command.
	refRE = regexp.MustCompile(`^[A-Za-z0-9._/+-]{1,200}$`)
)

// Validate checks r and fills its defaults (Branch). Each problem names the
// field and what to do.
func (r *Record) Validate() error {
	if !nameRE.MatchString(r.Name) {
		return fmt.Errorf("%w: name %q: use lowercase letters, digits and dashes (at most 40), e.g. demo", ErrInvalid, r.Name)
	}
	if err := CheckURL(r.Git); err != nil {
		return fmt.Errorf("%w: --git: %w", ErrInvalid, err)
	}
	if r.Branch == "" {
		r.Branch = DefaultBranch
	}
	if err := CheckRefName(r.Branch); err != nil {
		return fmt.Errorf("%w: --branch: %w", ErrInvalid, err)
	}
	if r.Path != "" {
		clean := path.Clean(r.Path)
		if path.IsAbs(r.Path) || clean == ".." || strings.HasPrefix(clean, "../") || !refRE.MatchString(r.Path) {
			return fmt.Errorf("%w: --path %q: give a directory inside the repository, e.g. infra/stacks/%s", ErrInvalid, r.Path, r.Name)
		}
		if clean == "." {
			clean = ""
		}
		r.Path = clean
	}
	if r.Forge != "" && r.Forge != GitHub && r.Forge != GitLab && r.Forge != Gitea {
		return fmt.Errorf("%w: --forge %q: want github, gitlab or gitea", ErrInvalid, r.Forge)
	}
	if r.API != "" {
		u, err := url.Parse(r.API)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return fmt.Errorf("%w: --api %q: give the forge's API base URL without credentials, e.g. https://gitea.example.org/api/v1", ErrInvalid, r.API)
		}
		if r.Forge == "" {
			return fmt.Errorf("%w: --api needs --forge (github, gitlab or gitea)", ErrInvalid)
		}
	}
	return nil
}

// CheckURL accepts a clone URL without credentials: http(s)://, git://,
// ssh://, file:// or scp-like user@host:path (a user name alone is no
// credential; a password or token is).
func CheckURL(raw string) error {
	if raw == "" {
		return errors.New("a clone URL is needed, e.g. https://github.com/acme/stacks.git")
	}
	if strings.ContainsAny(raw, " \t\r\n;`$|&<>\\") {
		return fmt.Errorf("clone URL %q has characters no clone URL has", raw)
	}
	if host, _, ok := scpLike(raw); ok {
		if host == "" {
			return fmt.Errorf("clone URL %q names no host", raw)
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("clone URL %q: %w", raw, err)
	}
	switch u.Scheme {
	case "http", "https", "git", "ssh":
		if u.Host == "" {
			return fmt.Errorf("clone URL %q names no host", raw)
		}
	case "file":
		if u.Path == "" {
			return fmt.Errorf("clone URL %q names no path", raw)
		}
	default:
		return fmt.Errorf("clone URL %q: want https://, http://, git://, ssh://, file:// or user@host:path", raw)
	}
	if u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword || u.Scheme == "http" || u.Scheme == "https" {
			return fmt.Errorf("clone URL %s carries credentials: give the URL without them and the token with --token-file", Redact(raw))
		}
	}
	return nil
}

// Redact replaces the credentials of a URL, if any, with "***".
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = url.User("***")
	return u.String()
}

// scpLike splits git's scp-like syntax, [user@]host:path.
func scpLike(raw string) (host, p string, ok bool) {
	if strings.Contains(raw, "://") {
		return "", "", false
	}
	before, after, found := strings.Cut(raw, ":")
	if !found || strings.Contains(before, "/") {
		return "", "", false
	}
	if _, h, at := strings.Cut(before, "@"); at {
		before = h
	}
	return before, after, true
}

// CheckRefName accepts a branch or tag name (or a full ref) made only of
// letters, digits and . _ / + -, following git check-ref-format besides:
// no "..", no component starting with "." or ending with ".lock", no "//",
// no leading or trailing "/".
func CheckRefName(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("ref %q %s: use letters, digits and . _ / + - (e.g. feature/faster-builds)", printable(name), why)
	}
	if !refRE.MatchString(name) {
		return bad("has characters a ref may not have here")
	}
	if strings.Contains(name, "..") || strings.Contains(name, "//") || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") {
		return bad(`has "..", "//" or a leading or trailing "/"`)
	}
	for _, c := range strings.Split(name, "/") {
		if strings.HasPrefix(c, ".") || strings.HasSuffix(c, ".lock") {
			return bad(`has a part starting with "." or ending with ".lock"`)
		}
	}
	return nil
}

// printable quotes control characters so an error shows what was sent.
func printable(s string) string {
	q := fmt.Sprintf("%q", s)
	return q[1 : len(q)-1]
}
