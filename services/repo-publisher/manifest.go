package publisher

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"ringmaster.dev/kit/blob"
	"ringmaster.dev/repo-publisher/apt"
	"ringmaster.dev/repo-publisher/yum"
)

// Manifest is a channel's published state: the packages of each distro (with
// the metadata the indexes need, so adding one package does not re-read the
// others), the sha256 of every live object, and objects no longer referenced
// with the time they were retired (deleted by `ring repo gc` after a grace period).
type Manifest struct {
	Channel  string                   `json:"channel"`
	Revision int                      `json:"revision"`
	Updated  time.Time                `json:"updated"`
	Debs     map[string][]apt.Package `json:"debs,omitempty"`
	RPMs     map[string][]yum.Package `json:"rpms,omitempty"`
	Live     map[string]string        `json:"live"`
	Retired  map[string]time.Time     `json:"retired,omitempty"`
}

func newManifest(channel string) *Manifest {
	return &Manifest{Channel: channel, Debs: map[string][]apt.Package{}, RPMs: map[string][]yum.Package{}, Live: map[string]string{}, Retired: map[string]time.Time{}}
}

// Manifests is the part of the blob store manifests need.
type Manifests interface {
	Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error)
	Put(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error)
}

// LoadManifest reads a channel's manifest; a channel never published gets an empty one.
func LoadManifest(ctx context.Context, store Manifests, channel string) (*Manifest, error) {
	rc, _, err := store.Get(ctx, ManifestKey(channel))
	if errors.Is(err, blob.ErrNotFound) {
		return newManifest(channel), nil
	}
	if err != nil {
		return nil, fmt.Errorf("manifest of %s: %w", channel, err)
	}
	defer rc.Close()
	m := newManifest(channel)
	if err := json.NewDecoder(rc).Decode(m); err != nil {
		return nil, fmt.Errorf("manifest of %s: %w", channel, err)
	}
	for _, mp := range []*map[string]string{&m.Live} {
		if *mp == nil {
			*mp = map[string]string{}
		}
	}
	if m.Retired == nil {
		m.Retired = map[string]time.Time{}
	}
	if m.Debs == nil {
		m.Debs = map[string][]apt.Package{}
	}
	if m.RPMs == nil {
		m.RPMs = map[string][]yum.Package{}
	}
	return m, nil
}

func (m *Manifest) save(ctx context.Context, store Manifests) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if _, err := store.Put(ctx, ManifestKey(m.Channel), bytes.NewReader(b), int64(len(b)), blob.PutOptions{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("save manifest of %s: %w", m.Channel, err)
	}
	return nil
}

// retire records objects that were live and are not any more.
func (m *Manifest) retire(newLive map[string]string, now time.Time) {
	for k := range m.Live {
		if _, still := newLive[k]; !still {
			if _, known := m.Retired[k]; !known {
				m.Retired[k] = now
			}
		}
	}
	for k := range newLive {
		delete(m.Retired, k)
	}
	m.Live = newLive
}
