package gateway

import (
	"net"
	"time"

	"ringmaster.dev/kit/config"
)

// Defaults of Options.
const (
	DefaultHTTP    = "127.0.0.1:8080"
	DefaultMaxBody = 5 << 20
	// Concurrency is how many commands the gateway handles at once: a
	// pipeline run mostly waits for other services, so many run at once.
	Concurrency = 64
)

// Options configure the gateway. Zero values mean the defaults.
type Options struct {
	// HTTP is the address to listen on (default 127.0.0.1:8080; port 0:
	// any free port). Ignored when Listener is set.
	HTTP string
	// Listener, if set, is where the server accepts connections (ring up
	// listens itself, so it can report the address before services start).
	Listener net.Listener
	// PublicURL is how forges and people reach the gateway: the base of the
	// links in commit statuses (default http://<the listening address>).
	PublicURL string
	// MaxBody bounds a request body in bytes (default 5 MiB).
	MaxBody int64
	// BuildTimeout, ClusterTimeout and TestTimeout bound a pipeline's waits
	// for the build and its publishing, the cluster, and the suites
	// (defaults 60, 15 and 30 minutes).
	BuildTimeout, ClusterTimeout, TestTimeout time.Duration
	// RolesFile is the authorization policy's roles file (default
	// $RING_AUTHZ_ROLES, else infra/authz/roles.yaml).
	RolesFile string
	// Clusters, if set, is the cluster inventory (default: Docker's).
	Clusters Clusters
	// CompatFile is the compatibility facts the dashboard's matrix shows
	// (default $RING_COMPAT, else infra/compat/compat.json).
	CompatFile string
}

// Environment variables of the gateway's options.
const (
	EnvHTTP      = "RING_HTTP"
	EnvPublicURL = "RING_PUBLIC_URL"
)

// OptionsFromEnv reads RING_HTTP and RING_PUBLIC_URL.
func OptionsFromEnv() Options {
	return Options{HTTP: config.Env(EnvHTTP, DefaultHTTP), PublicURL: config.Env(EnvPublicURL, "")}
}

func (o *Options) defaults() {
	if o.HTTP == "" {
		o.HTTP = DefaultHTTP
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.BuildTimeout <= 0 {
		o.BuildTimeout = 60 * time.Minute
	}
	if o.ClusterTimeout <= 0 {
		o.ClusterTimeout = 15 * time.Minute
	}
	if o.TestTimeout <= 0 {
		o.TestTimeout = 30 * time.Minute
	}
}
