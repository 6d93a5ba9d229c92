package natsserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/bcrypt"
)

// ProcessConf is a standalone nats-server process of Ringmaster's: what
// WriteConf puts into its configuration file.
type ProcessConf struct {
	Name string
	// Listen is the client address (host:port); StoreDir JetStream's.
	Listen, StoreDir string
	// Passwords are the users' (ServerUsers); the file holds only bcrypt
	// hashes of them: Hashes (HashPasswords) when given, else made here.
	Passwords map[string]string
	Hashes    map[string]string
	// TLS, if set, is required of clients and of the routes between servers.
	TLS *TLS
	// Cluster, when Routes are set: the cluster's name, this server's
	// route address (host:port) and every server's route URL.
	Cluster, ClusterListen string
	Routes                 []string
	// Monitor, if set, is the address (host:port) of the server's HTTP
	// monitoring: /healthz answers 200 once JetStream is ready, in a
	// cluster once a meta leader is elected (what a healthcheck asks).
	Monitor string
}

// bcryptCost is the work factor of the users' password hashes.
const bcryptCost = 11

// HashPasswords bcrypts each user's password, for the configuration files
// of servers that share users (one hash per user, not one per server:
// each costs ~0.1 s of CPU, many times that under the race detector).
func HashPasswords(passwords map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(passwords))
	for u, pw := range passwords {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcryptCost)
		if err != nil {
			return nil, fmt.Errorf("hash the password of %s: %w", u, err)
		}
		out[u] = string(h)
	}
	return out, nil
}

// WriteConf writes the nats-server configuration of c to path (mode 0400:
// it holds password hashes). The file is JSON, which nats-server's
// configuration parser reads as it is.
func WriteConf(path string, c ProcessConf) error {
	hashes := c.Hashes
	if hashes == nil {
		var err error
		if hashes, err = HashPasswords(c.Passwords); err != nil {
			return err
		}
	}
	var users []map[string]any
	for _, u := range ServerUsers(c.Passwords) {
		h, ok := hashes[u.Username]
		if !ok {
			return fmt.Errorf("nats-server configuration: no password hash for user %s", u.Username)
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
