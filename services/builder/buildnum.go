package builder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"
)

// NumberBucket keeps the build numbers of package versions (no expiry):
// which build key got which number, and the last number of each version.
const NumberBucket = "ring_buildnums"

// Numbers hands out build numbers: the first build key of a component's
// version on a distro gets 1, each build key after it (other sources,
// patches, dependencies — a push that changed the code but not the
// version) the next one, and a build key keeps its number for good. The
// packaging ends a number over 1 in the release ("+b2"), so published
// versions stay immutable and a rebuild sorts above what it replaces, as
// Debian's binary rebuilds do. Builders sharing the bucket agree: numbers
// are taken with compare-and-set.
type Numbers struct{ KV jetstream.KeyValue }

// OpenNumbers declares the bucket (idempotent).
func OpenNumbers(ctx context.Context, js jetstream.JetStream) (*Numbers, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: NumberBucket,
		Description: "build numbers: build key → number per component version and distro", Storage: jetstream.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", NumberBucket, err)
	}
	return &Numbers{KV: kv}, nil
}

// Of returns the build number of key among the builds of component's
// version (version-release) on distro, taking the next one if key has none.
func (n *Numbers) Of(ctx context.Context, component, distro, version, key string) (int, error) {
	sum := sha256.Sum256([]byte(component + "\x00" + distro + "\x00" + version))
	h := hex.EncodeToString(sum[:16])
	assigned, last := "key."+h+"."+key, "last."+h
	if num, ok, err := n.get(ctx, assigned); err != nil || ok {
		return num, err
	}
	for range 50 {
		cur, rev := 0, uint64(0)
		e, err := n.KV.Get(ctx, last)
		switch {
		case err == nil:
			if cur, err = strconv.Atoi(string(e.Value())); err != nil {
				return 0, fmt.Errorf("build numbers: %s holds %q", last, e.Value())
			}
			rev = e.Revision()
		case !errors.Is(err, jetstream.ErrKeyNotFound):
			return 0, fmt.Errorf("build numbers: %w", err)
		}
		next := []byte(strconv.Itoa(cur + 1))
		if rev == 0 {
			_, err = n.KV.Create(ctx, last, next)
		} else {
			_, err = n.KV.Update(ctx, last, next, rev)
		}
		if err != nil {
			continue // another builder took a number meanwhile
		}
		if _, err := n.KV.Create(ctx, assigned, next); err != nil {
			// The same key numbered by another builder at once: its number
			// stands (this one is skipped).
			if num, ok, gerr := n.get(ctx, assigned); gerr == nil && ok {
				return num, nil
			}
			return 0, fmt.Errorf("build numbers: %w", err)
		}
		return cur + 1, nil
	}
	return 0, errors.New("build numbers: too many builders taking numbers at once; try again")
}

func (n *Numbers) get(ctx context.Context, key string) (int, bool, error) {
	e, err := n.KV.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("build numbers: %w", err)
	}
	num, err := strconv.Atoi(string(e.Value()))
	if err != nil {
		return 0, false, fmt.Errorf("build numbers: %s holds %q", key, e.Value())
	}
	return num, true, nil
}
