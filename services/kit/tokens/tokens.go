// Package tokens keeps the REST API's bearer tokens: a token is made once,
// handed to its user in a 0400 file, and only its SHA-256 is stored (KV
// bucket ring_tokens), with the user and role it stands for. The gateway
// looks a request's token up by its hash, from a copy of the bucket kept
// current by a watch, so a revoked token stops working at once.
package tokens

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/kit/kvjson"
)

// Bucket is the KV bucket of token records, keyed by the token's hash.
const Bucket = "ring_tokens"

// Prefix starts every token, so a leaked one is recognisable.
const Prefix = "ring_"

// Record is what is kept of a token: never the token itself.
type Record struct {
	// ID is the first 12 hex digits of the hash: what list and revoke name.
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Role    string    `json:"role"`
	Hash    string    `json:"hash"`
	Created time.Time `json:"created"`
}

// Errors, matched with errors.Is.
var (
	ErrNotFound = errors.New("no such token")
	ErrInvalid  = errors.New("invalid token request")
)

var (
	userRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,39}$`)
	roleRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
)

// Hash is the hex SHA-256 of a token. Tokens are 256 random bits, so a
// fast hash is enough: there is nothing to guess.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Store is the token records.
type Store struct{ kv jetstream.KeyValue }

// Open declares the bucket (idempotent).
func Open(ctx context.Context, js jetstream.JetStream) (*Store, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: Bucket,
		Description: "REST API tokens: sha256 → user and role (never the token)", Storage: jetstream.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return &Store{kv: kv}, nil
}

// Create makes a token for user with role, stores its hash and returns it:
// the only time the token exists outside its user's file.
func (s *Store) Create(ctx context.Context, user, role string) (string, Record, error) {
	if !userRE.MatchString(user) {
		return "", Record{}, fmt.Errorf("%w: user %q: lowercase letters, digits, '.', '_' and '-' (at most 40)", ErrInvalid, user)
	}
	if !roleRE.MatchString(role) {
		return "", Record{}, fmt.Errorf("%w: role %q: e.g. reader, developer or release", ErrInvalid, role)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", Record{}, err
	}
	token := Prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	h := Hash(token)
	rec := Record{ID: h[:12], User: user, Role: role, Hash: h, Created: time.Now().UTC()}
	v, _ := json.Marshal(rec)
	if _, err := s.kv.Create(ctx, h, v); err != nil {
		return "", Record{}, fmt.Errorf("tokens: %w", err)
	}
	return token, rec, nil
}

// List returns every token record, by user then creation.
func (s *Store) List(ctx context.Context) ([]Record, error) {
	out, err := kvjson.All[Record](ctx, s.kv)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].User != out[j].User {
			return out[i].User < out[j].User
		}
		return out[i].Created.Before(out[j].Created)
	})
	return out, nil
}

// Revoke deletes the token whose ID is id, or every token of the user id
// names; it returns what it deleted (none: ErrNotFound).
func (s *Store) Revoke(ctx context.Context, id string) ([]Record, error) {
	all, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	var gone []Record
	for _, r := range all {
		if r.ID == id || r.User == id || (len(id) >= 6 && strings.HasPrefix(r.ID, id)) {
			if err := s.kv.Delete(ctx, r.Hash); err != nil {
				return gone, fmt.Errorf("tokens: %w", err)
			}
			gone = append(gone, r)
		}
	}
	if len(gone) == 0 {
		return nil, fmt.Errorf("%w: %s (ring token list shows them)", ErrNotFound, id)
	}
	return gone, nil
}

// Cache is the bucket's records in memory, kept current by a watch.
type Cache struct{ m *kvjson.Mirror[Record] }

// Watch starts keeping a Cache of the bucket until ctx ends; it returns
// once the records stored now are in it.
func (s *Store) Watch(ctx context.Context) (*Cache, error) {
	m, err := kvjson.Watch[Record](ctx, s.kv, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return &Cache{m: m}, nil
}

// Lookup finds the record of a presented token (ErrNotFound: unknown or
// revoked).
func (c *Cache) Lookup(token string) (Record, error) {
	if !strings.HasPrefix(token, Prefix) || len(token) > 128 {
		return Record{}, ErrNotFound
	}
	r, ok := c.m.Get(Hash(token))
	if !ok {
		return Record{}, ErrNotFound
	}
	return r, nil
}
