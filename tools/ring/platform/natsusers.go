package platform

import (
	"errors"
	"net"
	"os"
	"slices"
	"strings"

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

// serverTLS is the embedded server's certificate for its listen address,
// 127.0.0.1 and localhost, issued by the project's CA under home.
func serverTLS(home, listen string) (*natsserver.TLS, error) {
	dir := natsauth.TLSDir(home)
	ca, err := natsauth.LoadOrCreateCA(dir)
	if err != nil {
		return nil, err
	}
	hosts, name := []string{"127.0.0.1", "localhost"}, "nats-server"
	if h, _, err := net.SplitHostPort(listen); err == nil && h != "" && !slices.Contains(hosts, h) && h != "0.0.0.0" && h != "::" {
		hosts, name = append(hosts, h), "nats-server-"+strings.NewReplacer(".", "-", ":", "-").Replace(h)
	}
	cert, key, err := ca.Issue(dir, name, hosts)
	if err != nil {
		return nil, err
	}
	return &natsserver.TLS{CertFile: cert, KeyFile: key, CAFile: ca.CertFile}, nil
}

func caFile(t *natsserver.TLS) string {
	if t == nil {
		return ""
	}
	return t.CAFile
}
