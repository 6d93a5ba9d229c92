package events

import (
	"encoding/json"
	"fmt"
	"time"
)

// CloudEvents 1.0 attributes as NATS headers (binary content mode), plus the
// run id extension that follows one user action across services.
const (
	HeaderID          = "ce-id"
	HeaderSource      = "ce-source"
	HeaderType        = "ce-type"
	HeaderTime        = "ce-time"
	HeaderSpecVersion = "ce-specversion"
	HeaderContentType = "ce-datacontenttype"
	HeaderRunID       = "ce-runid"
	// HeaderMsgID is JetStream's de-duplication header.
	HeaderMsgID = "Nats-Msg-Id"

	SpecVersion = "1.0"
	ContentType = "application/json"
	// MaxBodyBytes is the default largest body a consumer accepts.
	MaxBodyBytes = 1 << 20
)

// Envelope is one event: its CloudEvents attributes and JSON body.
type Envelope struct {
	ID     string          `json:"id"`
	Source string          `json:"source"`
	Type   string          `json:"type"`
	Time   time.Time       `json:"time"`
	RunID  string          `json:"runid"`
	Data   json.RawMessage `json:"data"`
}

// Header is the subset of nats.Header the envelope needs (a map of values).
type Header map[string][]string

// Headers renders the CloudEvents attributes as NATS headers.
func (e Envelope) Headers() Header {
	return Header{
		HeaderID:          {e.ID},
		HeaderSource:      {e.Source},
		HeaderType:        {e.Type},
		HeaderTime:        {e.Time.UTC().Format(time.RFC3339Nano)},
		HeaderSpecVersion: {SpecVersion},
		HeaderContentType: {ContentType},
		HeaderRunID:       {e.RunID},
	}
}

func first(h Header, k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// FromHeaders reads an envelope from NATS headers and a body, checking what a
// consumer must check before it decodes: required attributes, spec version,
// body size and JSON well-formedness. It does not look the type up.
func FromHeaders(h Header, body []byte, maxBody int) (Envelope, error) {
	if maxBody > 0 && len(body) > maxBody {
		return Envelope{}, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(body), maxBody)
	}
	e := Envelope{ID: first(h, HeaderID), Source: first(h, HeaderSource), Type: first(h, HeaderType), RunID: first(h, HeaderRunID), Data: body}
	for k, v := range map[string]string{HeaderID: e.ID, HeaderSource: e.Source, HeaderType: e.Type, HeaderSpecVersion: first(h, HeaderSpecVersion)} {
		if v == "" {
			return e, fmt.Errorf("%w: %s", ErrMissingHeader, k)
		}
	}
	if sv := first(h, HeaderSpecVersion); sv != SpecVersion {
		return e, fmt.Errorf("%w: %q", ErrWrongSpecVersion, sv)
	}
	if ts := first(h, HeaderTime); ts != "" {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return e, fmt.Errorf("%w: %s %q is not RFC 3339", ErrMalformed, HeaderTime, ts)
		}
		e.Time = t
	}
	if !json.Valid(body) {
		return e, fmt.Errorf("%w: body is not valid JSON", ErrMalformed)
	}
	return e, nil
}

// Decode looks the envelope's type up in the catalog and decodes the body
// into a new payload of that type.
func (e Envelope) Decode() (Spec, any, error) {
	s, err := Lookup(e.Type)
	if err != nil {
		return s, nil, err
	}
	p := s.New()
	if err := decodeJSON(e.Data, p); err != nil {
		return s, nil, fmt.Errorf("%w: %s: %v", ErrMalformed, e.Type, err)
	}
	return s, p, nil
}
