// Package chatconf is the chat-ops configuration kept under RING_HOME's key
// directory, which `ring chat setup` writes and the gateway reads (again
// whenever a file changes): the Slack signing secret, the Mattermost slash
// command token, the hosts replies may be posted to, and the identity
// mapping — which platform user is which person, in which groups.
// Every file is 0400.
package chatconf

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"
	"ringmaster.dev/kit/file"
)

// Paths of the files under the key directory ($RING_HOME/keys).
func SlackSecretPath(keyDir string) string { return filepath.Join(keyDir, "chat", "slack.secret") }
func MattermostTokenPath(keyDir string) string {
	return filepath.Join(keyDir, "chat", "mattermost.token")
}
func ConfigPath(keyDir string) string     { return filepath.Join(keyDir, "chat", "chat.yaml") }
func IdentitiesPath(keyDir string) string { return filepath.Join(keyDir, "authz", "identities.yaml") }

// SlackResponseOrigin is where Slack's response_url points.
const SlackResponseOrigin = "https://hooks.slack.com"

// Config says where replies may go: the origins (scheme://host[:port]) a
// response_url may point at, per platform. Slack's default is
// https://hooks.slack.com; Mattermost has none until its server is named.
type Config struct {
	Slack      Platform `json:"slack" yaml:"slack"`
	Mattermost Platform `json:"mattermost" yaml:"mattermost"`
}

// Platform is one chat platform's settings.
type Platform struct {
	// ResponseOrigins are the only origins a response_url may have.
	ResponseOrigins []string `json:"response_origins,omitempty" yaml:"response_origins,omitempty"`
}

// Origins are the response origins of platform ("slack", "mattermost"),
// defaults included.
func (c Config) Origins(platform string) []string {
	switch platform {
	case "slack":
		if len(c.Slack.ResponseOrigins) == 0 {
			return []string{SlackResponseOrigin}
		}
		return c.Slack.ResponseOrigins
	case "mattermost":
		return c.Mattermost.ResponseOrigins
	}
	return nil
}

// CheckOrigin normalizes an origin, scheme://host[:port], refusing
// anything else (a path, credentials, a query).
func CheckOrigin(o string) (string, error) {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("origin %q: want scheme://host[:port], e.g. https://chat.example.org", o)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}

// Allowed tells whether raw (a response_url) points at one of origins.
func Allowed(raw string, origins []string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Host == "" {
		return false
	}
	o := u.Scheme + "://" + strings.ToLower(u.Host)
	for _, x := range origins {
		if x == o {
			return true
		}
	}
	return false
}

// Identity is one entry of the identity mapping.
type Identity struct {
	// ID is platform:team/user for Slack and Mattermost (user * for the
	// whole team), platform:login for GitHub, GitLab and Gitea.
	ID     string   `json:"id" yaml:"id"`
	Name   string   `json:"name,omitempty" yaml:"name,omitempty"`
	Groups []string `json:"groups" yaml:"groups"`
}

// Identities is the identity mapping file.
type Identities struct {
	Version    int        `json:"version" yaml:"version"`
	Identities []Identity `json:"identities" yaml:"identities"`
}

var (
	idRE    = regexp.MustCompile(`^(slack|mattermost):[A-Za-z0-9_-]{1,64}/([A-Za-z0-9_.-]{1,64}|\*)$|^(github|gitlab|gitea):[A-Za-z0-9_.-]{1,64}$`)
	nameRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,39}$`)
	groupRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,63}$`)
)

// ID is the mapping's id of a platform user.
func ID(platform, team, user string) string {
	switch platform {
	case "slack", "mattermost":
		return platform + ":" + team + "/" + user
	}
	return platform + ":" + user
}

// Lookup finds who a platform user is: the name of their own entry and the
// groups of it and of their team's "*" entry.
func (m Identities) Lookup(platform, team, user string) (name string, groups []string) {
	own, all := ID(platform, team, user), ""
	if platform == "slack" || platform == "mattermost" {
		all = platform + ":" + team + "/*"
	}
	seen := map[string]bool{}
	for _, e := range m.Identities {
		if e.ID != own && e.ID != all {
			continue
		}
		if e.ID == own {
			name = e.Name
		}
		for _, g := range e.Groups {
			if !seen[g] {
				seen[g] = true
				groups = append(groups, g)
			}
		}
	}
	return name, groups
}

// Check holds every entry to its shape; errors name the entry.
func (m Identities) Check() error {
	if m.Version != 1 {
		return fmt.Errorf("version %d: want 1", m.Version)
	}
	seen := map[string]bool{}
	for i, e := range m.Identities {
		switch {
		case !idRE.MatchString(e.ID):
			return fmt.Errorf("identities[%d]: id %q: want slack:TEAM/USER, mattermost:TEAM/USER (USER * for everyone of the team), github:LOGIN, gitlab:LOGIN or gitea:LOGIN", i, e.ID)
		case seen[e.ID]:
			return fmt.Errorf("identities[%d]: id %s is mapped twice", i, e.ID)
		case e.Name != "" && !nameRE.MatchString(e.Name):
			return fmt.Errorf("identities[%d]: name %q: lowercase letters, digits, '.', '_' and '-'", i, e.Name)
		case len(e.Groups) == 0:
			return fmt.Errorf("identities[%d] (%s): no groups", i, e.ID)
		}
		for _, g := range e.Groups {
			if !groupRE.MatchString(g) {
				return fmt.Errorf("identities[%d] (%s): group %q: lowercase letters, digits, '.', '_' and '-'", i, e.ID, g)
			}
		}
		seen[e.ID] = true
	}
	return nil
}

// ParseIdentities reads an identity mapping (YAML; unknown fields are
// errors, with line and column).
func ParseIdentities(name string, b []byte) (Identities, error) {
	var m Identities
	if err := yaml.UnmarshalWithOptions(b, &m, yaml.Strict()); err != nil {
		return Identities{}, fmt.Errorf("%s: line %s", name, strings.Replace(strings.TrimPrefix(yaml.FormatError(err, false, true), "["), "] ", ": ", 1))
	}
	if err := m.Check(); err != nil {
		return Identities{}, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

// ParseConfig reads chat.yaml.
func ParseConfig(name string, b []byte) (Config, error) {
	var c Config
	if err := yaml.UnmarshalWithOptions(b, &c, yaml.Strict()); err != nil {
		return Config{}, fmt.Errorf("%s: line %s", name, strings.Replace(strings.TrimPrefix(yaml.FormatError(err, false, true), "["), "] ", ": ", 1))
	}
	for _, p := range []*Platform{&c.Slack, &c.Mattermost} {
		for i, o := range p.ResponseOrigins {
			n, err := CheckOrigin(o)
			if err != nil {
				return Config{}, fmt.Errorf("%s: %w", name, err)
			}
			p.ResponseOrigins[i] = n
		}
	}
	return c, nil
}

// WriteYAML writes v as YAML to path, 0400, atomically (directories 0700).
func WriteYAML(path, header string, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return file.WriteAtomic(path, 0o400, func(w io.Writer) error {
		_, err := io.WriteString(w, header+string(b))
		return err
	})
}

// Watched is a file parsed again whenever it changes (by size or time).
// A missing file is no error: Get returns the zero value and ok false.
type Watched[T any] struct {
	Path  string
	Parse func(name string, b []byte) (T, error)
	// Public files (the roles file, in the repository) may be readable by
	// others; secret ones must not be.
	Public bool

	mu   sync.Mutex
	mod  time.Time
	size int64
	seen bool
	val  T
	err  error
}

// Get returns the file's current value.
func (w *Watched[T]) Get() (v T, ok bool, err error) {
	fi, err := os.Stat(w.Path)
	if errors.Is(err, os.ErrNotExist) {
		var zero T
		return zero, false, nil
	}
	if err != nil {
		var zero T
		return zero, false, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.seen || !fi.ModTime().Equal(w.mod) || fi.Size() != w.size {
		if !w.Public && fi.Mode().Perm()&0o077 != 0 {
			w.err = fmt.Errorf("%s has mode %o: others may read it; chmod 0400 it", w.Path, fi.Mode().Perm())
		} else if b, err := os.ReadFile(w.Path); err != nil {
			w.err = err
		} else {
			w.val, w.err = w.Parse(w.Path, b)
		}
		w.mod, w.size, w.seen = fi.ModTime(), fi.Size(), true
	}
	return w.val, w.err == nil, w.err
}
