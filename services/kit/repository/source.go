package repository

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/rs/zerolog"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/relay"
)

// KeyringPath is where nodes keep the repository key (apt Signed-By).
const KeyringPath = "/usr/share/keyrings/ringmaster.gpg"

// Source is where a node's apt finds a channel: a relay's URL and the binary
// keyring.
type Source struct {
	URL     string // base URL of repos/ (…/apt is the APT root)
	Keyring []byte
	Suite   string
}

// Sources is the deb822 apt sources file for the channel, Signed-By the
// keyring installed at KeyringPath.
func (s Source) Sources() []byte {
	return []byte(fmt.Sprintf("# Written by Ringmaster: the %s suite of the signed Ringmaster repository.\nTypes: deb\nURIs: %s/apt\nSuites: %s\nComponents: main\nSigned-By: %s\n",
		s.Suite, strings.TrimSuffix(s.URL, "/"), s.Suite, KeyringPath))
}

// Store is the part of the blob store serving a channel needs.
type Store interface {
	Reader
	Stat(ctx context.Context, key string) (blob.Info, error)
}

// Open makes the suite of distro in channel reachable at host (the address
// of a cluster's network gateway): it checks that the suite is published
// (ErrNotPublished otherwise), reads the repository key and starts a relay.
// Close the relay when done.
func Open(ctx context.Context, store Store, log zerolog.Logger, host, distro, channel string) (Source, *relay.Relay, error) {
	suite := Suite(distro, channel)
	if _, err := store.Stat(ctx, Dists(distro, channel)+"InRelease"); err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			err = fmt.Errorf("%w: channel %s has nothing for %s yet", ErrNotPublished, channel, distro)
		}
		return Source{}, nil, err
	}
	rc, _, err := store.Get(ctx, KeyBinary)
	if err != nil {
		return Source{}, nil, fmt.Errorf("repository key: %w", err)
	}
	key, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return Source{}, nil, fmt.Errorf("repository key: %w", err)
	}
	r, err := relay.Start(host, Root, store, log)
	if err != nil {
		return Source{}, nil, err
	}
	return Source{URL: r.URL, Keyring: key, Suite: suite}, r, nil
}

// ForCluster opens the channel of cluster c (its spec's distro and channel)
// on the gateway of the cluster's network, where its nodes reach it.
func ForCluster(ctx context.Context, store Store, log zerolog.Logger, c cluster.Cluster) (Source, *relay.Relay, error) {
	s := c.Spec
	if c.Gateway == "" {
		return Source{}, nil, fmt.Errorf("cluster network %s has no IPv4 gateway", cluster.NetworkName(s.Name))
	}
	src, r, err := Open(ctx, store, log, c.Gateway, s.Distro, s.Channel)
	if errors.Is(err, ErrNotPublished) {
		err = fmt.Errorf("%w (ring build --stack %s --distro %s publishes it)", err, s.Stack, s.Distro)
	}
	return src, r, err
}
