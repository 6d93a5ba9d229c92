package natsserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// ProcessConf is a standalone nats-server process of Ringmaster's: what
// WriteConf puts into its configuration file.
type ProcessConf struct {
	Name string
	// Listen is the client address (host:port); StoreDir JetStream's.
	Listen, StoreDir string
	// Passwords are the users' (ServerUsers); the file holds only bcrypt
	// hashes of them.
	Passwords map[string]string
	// TLS, if set, is required of clients and of the routes between servers.
	TLS *TLS
	// Cluster, when Routes are set: the cluster's name, this server's
	// route address (host:port) and every server's route URL.
	Cluster, ClusterListen string
	Routes                 []string
	// RoutePingInterval, if set, is how often the server pings each of
	// its routes, and RoutePingMax (if set) how many pings may go
	// unanswered before it closes the route (nats-server's cluster
	// ping_interval and ping_max; with its defaults, 30 s for routes and
	// 2, a cut route stays open for a minute or more).
	RoutePingInterval time.Duration
	RoutePingMax      int
	// Monitor, if set, is the address (host:port) of the server's HTTP
	// monitoring: /healthz answers 200 once JetStream is ready, in a
	// cluster once a meta leader is elected (what a healthcheck asks).
	Monitor string
}

// WriteConf writes the nats-server configuration of c to path (mode 0400:
// it holds password hashes). The file is JSON, which nats-server's
// configuration parser reads as it is.
func WriteConf(path string, c ProcessConf) error {
	var users []map[string]any
	for _, u := range ServerUsers(c.Passwords) {
		h, err := hash(u.Password)
		if err != nil {
			return err
		}
		e := map[string]any{"user": u.Username, "password": h}
		if p := u.Permissions; p != nil {
			perm := map[string]any{}
			if p.Publish != nil {
				perm["publish"] = map[string]any{"allow": p.Publish.Allow, "deny": p.Publish.Deny}
			}
			if p.Subscribe != nil {
				perm["subscribe"] = map[string]any{"allow": p.Subscribe.Allow, "deny": p.Subscribe.Deny}
			}
			e["permissions"] = perm
		}
		users = append(users, e)
	}
	conf := map[string]any{
		"server_name": c.Name,
		"listen":      c.Listen,
		"max_payload": 8 << 20,
		"jetstream":   map[string]any{"store_dir": c.StoreDir},
	}
	if c.Monitor != "" {
		conf["http"] = c.Monitor
	}
	if len(users) > 0 {
		conf["authorization"] = map[string]any{"users": users}
	}
	var tlsBlock map[string]any
	if c.TLS != nil {
		tlsBlock = map[string]any{"cert_file": c.TLS.CertFile, "key_file": c.TLS.KeyFile, "ca_file": c.TLS.CAFile, "timeout": 5}
		conf["tls"] = tlsBlock
	}
	if len(c.Routes) > 0 {
		cl := map[string]any{"name": c.Cluster, "listen": c.ClusterListen, "routes": c.Routes}
		if c.RoutePingInterval > 0 {
			cl["ping_interval"] = c.RoutePingInterval.String()
		}
		if c.RoutePingMax > 0 {
			cl["ping_max"] = c.RoutePingMax
		}
		if tlsBlock != nil {
			rt := map[string]any{"verify": true}
			for k, v := range tlsBlock {
				rt[k] = v
			}
			cl["tls"] = rt
		}
		conf["cluster"] = cl
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // nats-server's parser knows no \u escapes; subjects hold '>'
	enc.SetIndent("", "  ")
	if err := enc.Encode(conf); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("nats-server configuration: %w", err)
	}
	_ = os.Remove(path)
	if err := os.WriteFile(path, b.Bytes(), 0o400); err != nil {
		return fmt.Errorf("nats-server configuration: %w", err)
	}
	return nil
}

// hashes are the bcrypt hashes made in this process, by password: the
// servers of a cluster share their users, and a hash of cost 11 takes
// seconds under the race detector on a loaded machine (21 of them, one per
// user and server, outlasted a test's minute).
var hashes sync.Map

func hash(password string) (string, error) {
	if h, ok := hashes.Load(password); ok {
		return h.(string), nil
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), 11)
	if err != nil {
		return "", err
	}
	hashes.Store(password, string(h))
	return string(h), nil
}
