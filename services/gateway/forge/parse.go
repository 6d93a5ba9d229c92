package forge

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"ringmaster.dev/kit/gitstack"
)

// Parse verifies body as the forge documents it and turns it into a
// Delivery. forge is what Detect said (github, gitlab or gitea; Forgejo is
// gitea); h are the request's headers; secret is the stack's webhook secret
// and must not be empty (an empty one is a bug in the caller: error).
//
// Verification is go-playground/webhooks' (GitHub: X-Hub-Signature-256,
// "sha256=" and the hex HMAC-SHA256 of the body; GitLab: X-Gitlab-Token
// equal to the secret; Gitea: X-Gitea-Signature, the hex HMAC-SHA256,
// Forgejo's X-Forgejo-Signature/-Event/-Delivery taken the same way; all
// compared in constant time) and comes before anything about the body is
// looked at, for every event: a verified event Ringmaster does not act on
// is no error but Kind KindIgnored.
//
// Errors match ErrUnknownForge, ErrSignature (answer 401), ErrMissingHeader
// or ErrMalformed (400). A missing event header and an empty body are
// refused before verification (the libraries check them first); nothing
// else is. Whatever the error, the Delivery holds Forge and Digest, and
// Event and ID when the headers carry well-formed, consistent ones, for the
// rejection fact: none of it is verified then. An ignored delivery holds
// the same four fields and Kind KindIgnored.
func Parse(forge string, h http.Header, body, secret []byte) (Delivery, error) {
	if len(secret) == 0 {
		return Delivery{Forge: forge}, errors.New("forge.Parse called with an empty secret: every stack from git has a webhook secret (a bug in the caller)")
	}
	var parse func(d *Delivery, h http.Header, body []byte, secret string) error
	switch forge {
	case gitstack.GitHub:
		parse = parseGitHub
	case gitstack.GitLab:
		parse = parseGitLab
	case gitstack.Gitea:
		parse = parseGitea
	default:
		return Delivery{}, fmt.Errorf("%w %q: want github, gitlab or gitea", ErrUnknownForge, printable(forge))
	}
	sum := sha256.Sum256(body)
	d := Delivery{Forge: forge, Digest: hex.EncodeToString(sum[:])}
	if err := parse(&d, h, body, string(secret)); err != nil {
		return Delivery{Forge: d.Forge, Event: d.Event, ID: d.ID, Digest: d.Digest}, err
	}
	if err := d.check(); err != nil {
		return Delivery{Forge: d.Forge, Event: d.Event, ID: d.ID, Digest: d.Digest}, err
	}
	if d.Kind == KindIgnored {
		return Delivery{Forge: d.Forge, Event: d.Event, ID: d.ID, Digest: d.Digest}, nil
	}
	return d, nil
}

// headers reads the event and delivery-id headers into d when they are
// well-formed; a malformed one is left out (and refused after verification).
func (d *Delivery) headers(h http.Header, event string, ids ...string) {
	if v := h.Get(event); eventRE.MatchString(v) {
		d.Event = v
	}
	for _, name := range ids {
		if v := h.Get(name); v != "" {
			if deliveryRE.MatchString(v) {
				d.ID = v
			}
			return
		}
	}
}

// verified checks what is left to check of the headers once the library
// has verified the body: a usable event and delivery id.
func (d *Delivery) verified(h http.Header, event string, ids ...string) error {
	if d.Event == "" {
		return fmt.Errorf("%w: %s: %s %q is not an event name", ErrMissingHeader, d.Forge, event, printable(h.Get(event)))
	}
	if d.ID == "" {
		for _, name := range ids {
			if v := h.Get(name); v != "" {
				return fmt.Errorf("%w: %s: %s %q is not a delivery id", ErrMissingHeader, d.Forge, name, printable(v))
			}
		}
		return fmt.Errorf("%w: %s: no %s header: the forge always sends one", ErrMissingHeader, d.Forge, strings.Join(ids, " or "))
	}
	return nil
}

// refusal is one error a webhook library returns before it has verified
// the body, or because verification failed, and what it means here.
type refusal struct {
	lib  error
	ours error
	why  string
}

// refused maps err to ours when it is one of the refusals, else nil: the
// library got past verification.
func refused(forge string, err error, rs []refusal) error {
	for _, r := range rs {
		if errors.Is(err, r.lib) {
			return fmt.Errorf("%w: %s: %s", r.ours, forge, r.why)
		}
	}
	return nil
}

// verify runs a webhook library's parse (which verifies, then decodes) on
// the delivery, after reading its event and delivery-id headers into d.
// err is the refusal, if any; otherwise payload is what the library
// decoded, or decodeErr why it could not decode the verified body.
func (d *Delivery) verify(h http.Header, body []byte, event string, ids []string, rs []refusal,
	parse func(*http.Request) (any, error)) (payload any, decodeErr, err error) {
	d.headers(h, event, ids...)
	r, err := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	r.Header = h
	payload, decodeErr = parse(r)
	if bad := refused(d.Forge, decodeErr, rs); bad != nil {
		return nil, nil, bad
	}
	if bad := d.verified(h, event, ids...); bad != nil {
		return nil, nil, bad
	}
	return payload, decodeErr, nil
}

// malformed wraps a decoding error of a verified body.
func malformed(d *Delivery, err error) error {
	return fmt.Errorf("%w: %s %s: %v", ErrMalformed, d.Forge, d.Event, err)
}
