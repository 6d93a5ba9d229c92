package natsauth

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"ringmaster.dev/kit/config"
)

// EnvCredentials names a user's credentials file for processes that are not
// `ring up` (a service alone, the CLI against another home).
const EnvCredentials = "RING_NATS_CREDS"

// ErrInvalid marks a credentials file that cannot be used.
var ErrInvalid = errors.New("invalid NATS credentials")

// Credentials are one NATS user's. The password is a secret: it is never
// logged and its file is 0400.
type Credentials struct {
	User     string `json:"user"`
	Password string `json:"password"`
	// CAFile, if set, is the PEM file of the CA whose certificates the
	// servers present: the client then requires TLS and verifies them.
	CAFile string `json:"ca_file,omitempty"`
}

// String hides the password, so that a logged value leaks nothing.
func (c Credentials) String() string { return "nats user " + c.User }

// Dir is where `ring up` keeps every user's credentials file.
func Dir(home string) string { return filepath.Join(home, "nats-users") }

// Path is the credentials file of user under home.
func Path(home, user string) string { return filepath.Join(Dir(home), user+".json") }

// Read reads a credentials file. An error wrapping os.ErrNotExist means
// there is none.
func Read(path string) (Credentials, error) {
	var c Credentials
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("NATS credentials file %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &c); err != nil || c.User == "" || c.Password == "" {
		return Credentials{}, fmt.Errorf("%w: file %s: want {\"user\": …, \"password\": …}; remove the directory %s to let ring up generate new ones", ErrInvalid, path, filepath.Dir(path))
	}
	if c.CAFile != "" && !filepath.IsAbs(c.CAFile) {
		c.CAFile = filepath.Join(filepath.Dir(path), c.CAFile)
	}
	return c, nil
}

// Find returns the credentials a process acting as user should use: the
// file $RING_NATS_CREDS names, else RING_HOME's file for user. ok is false
// when neither exists (a server without authentication).
func Find(user string) (c Credentials, ok bool, err error) {
	if p := os.Getenv(EnvCredentials); p != "" {
		c, err = Read(config.Abs(p))
		if err != nil {
			return c, false, fmt.Errorf("%w (from %s)", err, EnvCredentials)
		}
		return c, true, nil
	}
	home, err := config.Home()
	if err != nil {
		return c, false, nil
	}
	c, err = Read(Path(home, user))
	if errors.Is(err, os.ErrNotExist) {
		return c, false, nil
	}
	return c, err == nil, err
}

// LoadOrCreate returns the credentials of every user under home, creating a
// file with a random password (mode 0400, directory 0700) for each user
// that has none yet.
func LoadOrCreate(home string, users []string) (map[string]Credentials, error) {
	if err := os.MkdirAll(Dir(home), 0o700); err != nil {
		return nil, fmt.Errorf("NATS credentials: %w", err)
	}
	out := make(map[string]Credentials, len(users))
	for _, u := range users {
		c, err := Read(Path(home, u))
		if errors.Is(err, os.ErrNotExist) {
			c, err = create(Path(home, u), u)
		}
		if err != nil {
			return nil, err
		}
		if c.User != u {
			return nil, fmt.Errorf("%w: file %s is for user %q, want %q", ErrInvalid, Path(home, u), c.User, u)
		}
		out[u] = c
	}
	return out, nil
}

func create(path, user string) (Credentials, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return Credentials{}, err
	}
	c := Credentials{User: user, Password: hex.EncodeToString(b)}
	data, _ := json.Marshal(c)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o400)
	if err != nil {
		return c, fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return c, fmt.Errorf("write %s: %w", path, err)
	}
	return c, f.Close()
}

// InboxPrefix is the prefix of user's reply subjects: the server lets each
// user subscribe to its own replies only.
func InboxPrefix(user string) string { return "_INBOX_" + user }

// TLSDir is where `ring up --nats-tls` keeps the NATS CA and the embedded
// server's certificate (keys 0400).
func TLSDir(home string) string { return filepath.Join(home, "nats-tls") }

// SetCA makes every credentials file under home name caFile ("": none,
// plain TCP), rewriting those that name another, still mode 0400.
func SetCA(home string, creds map[string]Credentials, caFile string) (map[string]Credentials, error) {
	out := make(map[string]Credentials, len(creds))
	for u, c := range creds {
		if c.CAFile != caFile {
			c.CAFile = caFile
			p := Path(home, u)
			data, _ := json.Marshal(c)
			tmp := p + ".new"
			_ = os.Remove(tmp)
			if err := os.WriteFile(tmp, data, 0o400); err != nil {
				return nil, fmt.Errorf("write %s: %w", tmp, err)
			}
			if err := os.Rename(tmp, p); err != nil {
				return nil, err
			}
		}
		out[u] = c
	}
	return out, nil
}
