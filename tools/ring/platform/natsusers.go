package platform

import (
	"errors"
	"os"

	"github.com/rs/zerolog"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/natsauth"
	"ringmaster.dev/kit/natsserver"
)

// NATSCredentials returns the credentials of every NATS user (each service
// and the CLI) under home, creating the missing ones (RING_HOME/nats-users,
// files 0400) — what the embedded server lets in.
func NATSCredentials(home string) (map[string]natsauth.Credentials, error) {
	return natsauth.LoadOrCreate(home, natsserver.Users())
}

// dialAs is the option connecting as user with home's credentials, if home
// has them (an external server may run without authentication).
func dialAs(home, user string, log zerolog.Logger) ([]bus.Option, error) {
	c, err := natsauth.Read(natsauth.Path(home, user))
	if errors.Is(err, os.ErrNotExist) {
		return []bus.Option{bus.WithLog(log)}, nil
	}
	if err != nil {
		return nil, err
	}
	return []bus.Option{bus.WithCredentials(c), bus.WithLog(log)}, nil
}

func passwords(creds map[string]natsauth.Credentials) map[string]string {
	out := make(map[string]string, len(creds))
	for u, c := range creds {
		out[u] = c.Password
	}
	return out
}
