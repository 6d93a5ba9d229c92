// Package publisher is the repo-publisher service: it publishes packages as
// signed APT and YUM repositories in the blob store, one writer per channel
// at a time, in an order that keeps every reader consistent.
package publisher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/lease"
	"ringmaster.dev/kit/service"
	"ringmaster.dev/kit/signing"
)

// Name is the service name.
const Name = "repo-publisher"

// New is the service's service.Factory. It loads the signing key from
// deps.KeyDir (generating it on first start, private key file 0400),
// publishes the public key at its stable paths and makes repos/ public-read.
func New(ctx context.Context, deps service.Deps) (service.Definition, error) {
	if deps.KeyDir == "" {
		return service.Definition{}, errors.New("repo-publisher: no key directory (--key-dir or RING_KEY_DIR)")
	}
	key, created, err := signing.LoadOrCreate(deps.KeyDir, "Ringmaster repository signing key", "repos@ringmaster.invalid")
	if err != nil {
		return service.Definition{}, fmt.Errorf("repo-publisher: %w", err)
	}
	deps.Log.Info().Str("fingerprint", key.Fingerprint()).Bool("generated", created).Msg("repository signing key")
	if err := publishKey(ctx, deps.Blob, key); err != nil {
		return service.Definition{}, err
	}
	leases, err := lease.Open(ctx, deps.Bus.JS)
	if err != nil {
		return service.Definition{}, err
	}
	work := filepath.Join(deps.WorkDir, "publish")
	if err := os.MkdirAll(work, 0o700); err != nil {
		return service.Definition{}, err
	}
	parallel, err := ParallelFromEnv(os.Getenv(EnvParallel))
	if err != nil {
		return service.Definition{}, err
	}
	p := &Publisher{Store: deps.Blob, Key: key, WorkDir: work, Log: deps.Log, URL: deps.Blob.URL, Parallel: parallel, metrics: newRepoMetrics(deps.Metrics)}
	return service.Definition{Name: Name, Handlers: map[string]bus.Handler{
		"repo.publish.requested": publishHandler(p, leases),
		"repo.promote.requested": promoteHandler(p, leases),
		"repo.gc.requested":      gcHandler(p, leases),
		"repo.list.requested":    listHandler(p),
	}}, nil
}

func publishKey(ctx context.Context, store *blob.Store, key *signing.Key) error {
	asc, err := key.PublicArmored()
	if err != nil {
		return err
	}
	gpg, err := key.PublicBinary()
	if err != nil {
		return err
	}
	for k, b := range map[string][]byte{KeyArmored: asc, KeyBinary: gpg} {
		if _, err := store.Put(ctx, k, bytes.NewReader(b), int64(len(b)), blob.PutOptions{ContentType: "application/pgp-keys"}); err != nil {
			return fmt.Errorf("publish public key: %w", err)
		}
	}
	if err := store.SetPublicRead(ctx, Root); err != nil {
		return fmt.Errorf("make %s public-read: %w", Root, err)
	}
	return nil
}

func publishHandler(p *Publisher, leases jetstream.KeyValue) bus.Handler {
	return func(d *bus.Delivery) error {
		req := d.Payload.(*events.RepoPublishRequested)
		if err := Validate(req); err != nil {
			return bus.Permanent(err)
		}
		var out *events.RepoPublished
		err := underLeases(d, leases, []string{req.Channel}, func(ctx context.Context) error {
			var err error
			start := time.Now()
			out, err = p.Publish(ctx, req)
			p.metrics.timed("publish", req.Channel, start, err)
			return err
		})
		if err != nil {
			return err
		}
		return d.Emit(out)
	}
}
