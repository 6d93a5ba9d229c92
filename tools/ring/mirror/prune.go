package mirror

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"ringmaster.dev/kit/blob"
)

// stateDir holds, in the destination, one state file per mirrored source:
// the keys its last sync wrote and, for keys the source stopped listing,
// since when. Pruning deletes only such keys, and never one another state
// file still lists (two suites, or APT and YUM, may share a pool).
const stateDir = ".ring-mirror"

// state is one source's record in the destination.
type state struct {
	Format string   `json:"format"`
	Source string   `json:"source"`
	Suites []string `json:"suites,omitempty"`
	// Keys are what the source listed at the last sync.
	Keys []string `json:"keys"`
	// Unlisted are keys an earlier sync wrote that the source no longer
	// lists, with the first sync that saw them gone; pruning deletes them
	// once that is PruneAfter ago.
	Unlisted map[string]time.Time `json:"unlisted,omitempty"`
}

// stateKey names the state file of a format, source and suites.
func stateKey(format, source string, suites []string) string {
	s := slices.Sorted(slices.Values(suites))
	h := sha256.Sum256([]byte(format + "\x00" + source + "\x00" + strings.Join(s, "\x00")))
	return path.Join(stateDir, hex.EncodeToString(h[:8])+".json")
}

// listedKeys are every placement of the items this sync mirrored.
func (s *syncer) listedKeys() []string {
	var keys []string
	for _, it := range s.items {
		if it.absent {
			continue
		}
		for _, p := range it.places {
			keys = append(keys, p.key)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// record runs after a successful sync: it updates this source's state and,
// with Options.Prune, deletes what has been unlisted for PruneAfter.
func (s *syncer) record(ctx context.Context) error {
	key := stateKey(s.res.Format, s.res.Source, s.opt.Suites)
	prev, err := s.readState(ctx, key)
	if err != nil {
		return err
	}
	listed := s.listedKeys()
	next := state{Format: s.res.Format, Source: s.res.Source, Suites: s.opt.Suites, Keys: listed, Unlisted: map[string]time.Time{}}
	now := s.opt.Now().UTC()
	gone := map[string]time.Time{}
	for _, k := range prev.Keys {
		gone[k] = now
	}
	for k, since := range prev.Unlisted {
		gone[k] = since
	}
	for _, k := range listed {
		delete(gone, k)
	}
	if len(gone) > 0 {
		protected, err := s.otherStatesKeys(ctx, key)
		if err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(gone)) {
			switch {
			case protected[k]:
				// Another source's mirror lists it: not ours to delete.
			case !s.opt.Prune || now.Sub(gone[k]) < s.opt.PruneAfter:
				next.Unlisted[k] = gone[k]
			default:
				if err := s.opt.Dest.Delete(ctx, k); err != nil {
					// Kept in the state: the next sync tries again.
					next.Unlisted[k] = gone[k]
					_ = s.writeState(ctx, key, next)
					return fmt.Errorf("prune %s: %w", k, err)
				}
				s.res.Pruned++
			}
		}
	}
	s.res.Unlisted = len(next.Unlisted)
	return s.writeState(ctx, key, next)
}

// readState returns the state at key; an empty one if there is none yet
// (a first sync, or a mirror made before states were kept).
func (s *syncer) readState(ctx context.Context, key string) (state, error) {
	var st state
	rc, err := s.opt.Dest.Open(ctx, key)
	if isNotExist(err) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read %s in %s: %w", key, s.opt.Dest, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 256<<20))
	if err != nil {
		return st, fmt.Errorf("read %s in %s: %w", key, s.opt.Dest, err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("%s in %s is not a mirror state (%v); remove it to start its record afresh (nothing is pruned then)", key, s.opt.Dest, err)
	}
	return st, nil
}

// otherStatesKeys are the keys every other state file in the destination
// lists or still waits to prune.
func (s *syncer) otherStatesKeys(ctx context.Context, own string) (map[string]bool, error) {
	names, err := s.opt.Dest.List(ctx, stateDir)
	if err != nil {
		return nil, fmt.Errorf("list %s in %s: %w", stateDir, s.opt.Dest, err)
	}
	out := map[string]bool{}
	for _, n := range names {
		if n == own || !strings.HasSuffix(n, ".json") {
			continue
		}
		st, err := s.readState(ctx, n)
		if err != nil {
			return nil, err
		}
		for _, k := range st.Keys {
			out[k] = true
		}
		for k := range st.Unlisted {
			out[k] = true
		}
	}
	return out, nil
}

// writeState commits the state file (last, after every file it names).
func (s *syncer) writeState(ctx context.Context, key string, st state) error {
	b, _ := json.MarshalIndent(st, "", " ")
	b = append(b, '\n')
	tmp, err := writeTemp(s.opt.Dest.WorkDir(), b)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	if err := s.opt.Dest.Commit(ctx, key, tmp, hex.EncodeToString(sum[:]), int64(len(b)), true); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s in %s: %w", key, s.opt.Dest, err)
	}
	return nil
}

func isNotExist(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, blob.ErrNotFound)
}
