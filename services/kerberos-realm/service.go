// Package realm is the kerberos-realm service: a KDC per cluster (MIT
// krb5-kdc in a container on the cluster's network), principals and
// keytabs for every node and role, krb5.conf on every node, and
// cross-realm trust with [capaths] across any number of clusters.
//
// Secrets — master passwords, trust passwords, keytabs — reach containers
// only through stdin and copied files, never command lines, environment,
// logs or events. Master passwords are kept in the key directory, 0400.
package realm

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/docker/docker/client"
	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kerberos-realm/krb"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/dockerhost"
	"ringmaster.dev/kit/health"
	"ringmaster.dev/kit/image"
	"ringmaster.dev/kit/service"
)

// Name is the service name.
const Name = "kerberos-realm"

// ErrConflict is a realm or cluster already used otherwise.
var ErrConflict = errors.New("conflict")

// Images builds (or finds) the kdc image.
type Images interface {
	Build(ctx context.Context, name, distro string) (image.Result, error)
}

// Service holds what realm operations share. Operations are serialized:
// trust changes touch several realms at once.
type Service struct {
	// Hosts reaches the Docker host of each cluster: a realm's KDC runs
	// on its cluster's host.
	Hosts *dockerhost.Fleet
	// Images is the image builder on a Docker host's daemon.
	Images func(docker *client.Client) Images
	// KeyDir keeps each realm's master password (realms/<REALM>.master, 0400).
	KeyDir string
	Log    zerolog.Logger
	mu     sync.Mutex
}

// New is the service's service.Factory, with image recipes from RING_IMAGES.
func New(ctx context.Context, deps service.Deps) (service.Definition, error) {
	return Factory(config.ProjectDir("RING_IMAGES", "infra/images"))(ctx, deps)
}

// Factory makes the service's factory with image recipes from recipesDir
// (absolute: `ring up` changes its working directory before services start).
func Factory(recipesDir string) service.Factory {
	return func(ctx context.Context, deps service.Deps) (service.Definition, error) {
		return build(ctx, deps, recipesDir)
	}
}

func build(ctx context.Context, deps service.Deps, recipesDir string) (service.Definition, error) {
	deps.Health.Add("docker", health.Docker)
	s, err := Open(ctx, deps.KeyDir, recipesDir, deps.Hosts(), deps.Log)
	if err != nil {
		deps.Log.Warn().Err(err).Msg("kerberos-realm cannot work")
		fail := func(*bus.Delivery) error { return bus.Permanent(fmt.Errorf("kerberos-realm cannot work: %w", err)) }
		return service.Definition{Name: Name, Handlers: map[string]bus.Handler{
			"realm.create.requested": fail, "realm.trust.requested": fail}}, nil
	}
	return service.Definition{Name: Name, Handlers: map[string]bus.Handler{
		"realm.create.requested": s.handleCreate,
		"realm.trust.requested":  s.handleTrust,
	}}, nil
}

// Open loads the image recipes; the service reaches the Docker hosts of
// clusters through hosts (dockerhost.NewFleet(nil): the local Docker).
func Open(ctx context.Context, keyDir, recipesDir string, hosts *dockerhost.Fleet, log zerolog.Logger) (*Service, error) {
	recipes, err := image.Load(recipesDir)
	if err != nil {
		return nil, fmt.Errorf("image recipes: %w (set RING_IMAGES)", err)
	}
	return &Service{Hosts: hosts, KeyDir: keyDir, Log: log,
		Images: func(dc *client.Client) Images {
			return &image.Builder{Docker: dc, Recipes: recipes, CacheDir: config.DebCache()}
		}}, nil
}

func permanent(err error) bool {
	var apart *HostsApartError
	return errors.As(err, &apart) || errors.Is(err, krb.ErrInvalid) || errors.Is(err, ErrConflict) || errors.Is(err, cluster.ErrNotFound) || errors.Is(err, cluster.ErrInvalid)
}

func (s *Service) handleCreate(d *bus.Delivery) error {
	req := d.Payload.(*events.RealmCreateRequested)
	ready, err := s.Create(d.Ctx, req.Realm, req.Cluster)
	if err != nil {
		if permanent(err) {
			return bus.Permanent(err)
		}
		return err
	}
	return d.Emit(&ready)
}

func (s *Service) handleTrust(d *bus.Delivery) error {
	req := d.Payload.(*events.RealmTrustRequested)
	done, err := s.Trust(d.Ctx, req.Realms, req.Topology, req.Remove)
	if err != nil {
		if permanent(err) {
			return bus.Permanent(err)
		}
		return err
	}
	return d.Emit(&done)
}
