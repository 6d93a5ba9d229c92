// Package runs keeps one record per run a user can ask about — a pipeline
// run caused by a push, a chat-ops, REST or CLI request, a scheduled
// sweep — in the NATS KV bucket ring_runs: what
// caused it, where it stands, and where its logs and results are. The
// coordinator of a run is its only writer; readers (ring runs, the
// gateway's pages) list and get.
package runs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/kvjson"
)

// Bucket is the KV bucket of run records; MaxAge is how long one is kept.
const (
	Bucket = "ring_runs"
	MaxAge = 30 * 24 * time.Hour
)

// States of a run.
const (
	Queued  = "queued"
	Running = "running"
	Success = "success"
	Failure = "failure"
)

// Record is one run.
type Record struct {
	ID      string `json:"id"`
	Kind    string `json:"kind" doc:"pipeline, or the chat-ops verb: build, cluster create, …"`
	Trigger string `json:"trigger" doc:"push, pull_request, tag, manual, retest, chat, comment, rest, cli, schedule"`
	// Command is the chat-ops or REST request that started the run, as
	// the grammar writes it (kit/command).
	Command string `json:"command,omitempty"`
	State   string `json:"state" doc:"queued, running, success or failure"`
	Stack   string `json:"stack"`
	Repo    string `json:"repo,omitempty"`
	Ref     string `json:"ref,omitempty"`
	Commit  string `json:"commit,omitempty"`
	Channel string `json:"channel,omitempty"`
	PR      int    `json:"pr,omitempty"`
	Forge   string `json:"forge,omitempty"`
	// Delivery is the webhook delivery that caused the run.
	Delivery string `json:"delivery,omitempty"`
	Sender   string `json:"sender,omitempty"`
	// Reason says why a failed run failed.
	Reason  string              `json:"reason,omitempty"`
	Stages  []Stage             `json:"stages,omitempty"`
	Cells   []events.CellResult `json:"cells,omitempty"`
	Cluster string              `json:"cluster,omitempty"`
	// JUnitKey is the blob key of the suites' JUnit XML.
	JUnitKey string       `json:"junit_key,omitempty"`
	Tests    *TestSummary `json:"tests,omitempty"`
	Created  time.Time    `json:"created"`
	Updated  time.Time    `json:"updated"`
	Finished time.Time    `json:"finished,omitzero"`
}

// Stage is one step of a run.
type Stage struct {
	Name     string    `json:"name"`
	State    string    `json:"state" doc:"running, success, failure or skipped"`
	Detail   string    `json:"detail,omitempty"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
}

// TestSummary counts the suites' cases.
type TestSummary struct {
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	// Cached names the run whose result stood in: the same packages and
	// test spec were tested there.
	Cached string `json:"cached,omitempty"`
}

// Done tells whether the run has ended.
func (r Record) Done() bool { return r.State == Success || r.State == Failure }

// Seconds is how long the run took, or has taken so far.
func (r Record) Seconds() float64 { return r.Took().Seconds() }

// Took is how long the run took, or has taken so far, to a tenth of a second.
func (r Record) Took() time.Duration {
	end := r.Finished
	if end.IsZero() {
		end = time.Now()
	}
	return end.Sub(r.Created).Round(100 * time.Millisecond)
}

// SetStage records a stage's new state, adding it if new.
func (r *Record) SetStage(name, state, detail string, at time.Time) {
	for i := range r.Stages {
		if r.Stages[i].Name == name {
			s := &r.Stages[i]
			s.State, s.Detail = state, detail
			if state != Running {
				s.Finished = at
			}
			return
		}
	}
	s := Stage{Name: name, State: state, Detail: detail, Started: at}
	if state != Running {
		s.Finished = at
	}
	r.Stages = append(r.Stages, s)
}

// ErrNotFound means no run has that id.
var ErrNotFound = errors.New("no run with that id")

// Store is the run records in NATS KV.
type Store struct{ kv jetstream.KeyValue }

// Open declares the bucket (idempotent) and returns the store.
func Open(ctx context.Context, js jetstream.JetStream) (*Store, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: Bucket,
		Description: "runs: what caused them, where they stand", TTL: MaxAge, Storage: jetstream.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	return &Store{kv: kv}, nil
}

// Put writes r (its Updated set to now).
func (s *Store) Put(ctx context.Context, r *Record) error {
	r.Updated = time.Now().UTC()
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := s.kv.Put(ctx, r.ID, b); err != nil {
		return fmt.Errorf("runs: %w", err)
	}
	return nil
}

// Create writes r unless a record of its id exists; it reports whether it wrote.
func (s *Store) Create(ctx context.Context, r *Record) (bool, error) {
	r.Updated = time.Now().UTC()
	b, err := json.Marshal(r)
	if err != nil {
		return false, err
	}
	_, err = s.kv.Create(ctx, r.ID, b)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("runs: %w", err)
	}
	return true, nil
}

// Get returns the run id (or the only run whose id starts with it, when
// id is at least 8 characters), or an error matching ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (Record, error) {
	e, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		if len(id) >= 8 {
			return s.byPrefix(ctx, id)
		}
		return Record{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Record{}, fmt.Errorf("runs: %w", err)
	}
	var r Record
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		return Record{}, fmt.Errorf("runs: record %s: %w", id, err)
	}
	return r, nil
}

func (s *Store) byPrefix(ctx context.Context, prefix string) (Record, error) {
	all, err := s.List(ctx)
	if err != nil {
		return Record{}, err
	}
	var found []Record
	for _, r := range all {
		if len(r.ID) >= len(prefix) && r.ID[:len(prefix)] == prefix {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Record{}, fmt.Errorf("%w: %s (ring runs list shows them)", ErrNotFound, prefix)
	}
	return Record{}, fmt.Errorf("%w: %s is the start of %d runs: give more of the id", ErrNotFound, prefix, len(found))
}

// List returns every run, newest first.
func (s *Store) List(ctx context.Context) ([]Record, error) {
	out, err := kvjson.All[Record](ctx, s.kv)
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}
