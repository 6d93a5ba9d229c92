package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// bucketPolicy is the part of an S3 bucket policy SetPublicRead edits;
// statements are kept as raw JSON so foreign ones survive unchanged.
type bucketPolicy struct {
	Version   string            `json:"Version"`
	ID        string            `json:"Id,omitempty"`
	Statement []json.RawMessage `json:"Statement"`
}

type statement struct {
	Sid       string              `json:"Sid"`
	Effect    string              `json:"Effect"`
	Principal map[string][]string `json:"Principal"`
	Action    []string            `json:"Action"`
	Resource  []string            `json:"Resource"`
}

// SetPublicRead adds a bucket-policy statement letting anyone (no
// credentials) GetObject keys under prefix; prefix "" makes the whole bucket
// readable. Other statements of the existing policy are kept; calling it
// again with the same prefix changes nothing.
func (s *Store) SetPublicRead(ctx context.Context, prefix string) error {
	if err := ValidatePrefix(prefix); err != nil {
		return err
	}
	current, err := s.client.GetBucketPolicy(ctx, s.bucket)
	if err != nil {
		return wrap("get bucket policy", s.bucket, err)
	}
	policy := bucketPolicy{Version: "2012-10-17"}
	if strings.TrimSpace(current) != "" {
		if err := json.Unmarshal([]byte(current), &policy); err != nil {
			return fmt.Errorf("blob: parse bucket policy of %q: %w", s.bucket, err)
		}
	}
	st := publicReadStatement(s.bucket, prefix)
	for _, raw := range policy.Statement {
		var existing struct{ Sid string }
		if json.Unmarshal(raw, &existing) == nil && existing.Sid == st.Sid {
			return nil
		}
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("blob: encode policy statement: %w", err)
	}
	policy.Statement = append(policy.Statement, raw)
	doc, err := json.Marshal(policy)
	if err != nil {
		return fmt.Errorf("blob: encode bucket policy: %w", err)
	}
	if err := s.client.SetBucketPolicy(ctx, s.bucket, string(doc)); err != nil {
		return wrap("set bucket policy", s.bucket, err)
	}
	return nil
}

func publicReadStatement(bucket, prefix string) statement {
	sum := sha256.Sum256([]byte(prefix))
	return statement{
		Sid:       "RingPublicRead" + hex.EncodeToString(sum[:8]),
		Effect:    "Allow",
		Principal: map[string][]string{"AWS": {"*"}},
		Action:    []string{"s3:GetObject"},
		Resource:  []string{"arn:aws:s3:::" + bucket + "/" + prefix + "*"},
	}
}

// URL is the path-style URL of key (readable anonymously only under a
// prefix passed to SetPublicRead). The key is not validated.
func (s *Store) URL(key string) string {
	segs := strings.Split(key, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return s.ep.base + "/" + s.bucket + "/" + strings.Join(segs, "/")
}
