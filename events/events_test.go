package events

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		err  error
	}{
		{"ringmaster.build.requested.v1", "build.requested", nil},
		{"ringmaster.service.pong.v1", "service.pong", nil},
		{"ringmaster.build.requested.v2", "", ErrUnknownVersion},
		{"ringmaster.build.exploded.v1", "", ErrUnknownType},
		{"other.build.requested.v1", "", ErrUnknownType},
		{"ringmaster.build.requested", "", ErrUnknownType},
		{"ringmaster.build.requested.vx", "", ErrUnknownType},
		{"ringmaster.build.requested.v0", "", ErrUnknownType},
	} {
		s, err := Lookup(tc.in)
		if !errors.Is(err, tc.err) {
			t.Errorf("Lookup(%q) error = %v, want %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && s.Name != tc.want {
			t.Errorf("Lookup(%q) = %q, want %q", tc.in, s.Name, tc.want)
		}
	}
}

func TestCatalogConsistency(t *testing.T) {
	known := map[string]bool{AnyService: true, "ring": true}
	for _, s := range Services {
		known[s] = true
	}
	for _, s := range All() {
		if !known[s.Service] {
			t.Errorf("%s: service %q is not in Services", s.Name, s.Service)
		}
		if s.Kind == Command && !strings.HasSuffix(s.Name, ".requested") {
			t.Errorf("%s: commands end in .requested", s.Name)
		}
		if s.Kind == Fact && strings.HasSuffix(s.Name, ".requested") {
			t.Errorf("%s: facts must not end in .requested", s.Name)
		}
		if s.Doc == "" {
			t.Errorf("%s: no Doc", s.Name)
		}
		got, err := Of(s.New())
		if err != nil || got.Name != s.Name {
			t.Errorf("Of(%s) = %v, %v", s.Name, got.Name, err)
		}
		svc := s.Service
		if svc == AnyService {
			svc = "builder"
		}
		filter := FactSubjects()
		if s.Kind == Command {
			filter = CommandSubjects(svc)
		}
		if !strings.HasPrefix(s.Subject(svc), strings.TrimSuffix(filter, ">")) {
			t.Errorf("%s: subject %s outside stream filter %s", s.Name, s.Subject(svc), filter)
		}
	}
	if _, err := Of(struct{}{}); !errors.Is(err, ErrNotRegistered) {
		t.Errorf("Of(unregistered) = %v", err)
	}
}

func TestFromHeaders(t *testing.T) {
	good := Envelope{ID: "id-1", Source: "test", Type: "ringmaster.build.requested.v1", Time: time.Now(), RunID: "run-1"}.Headers()
	without := func(k string) Header {
		h := Header{}
		for kk, v := range good {
			if kk != k {
				h[kk] = v
			}
		}
		return h
	}
	with := func(k, v string) Header {
		h := without(k)
		h[k] = []string{v}
		return h
	}
	for _, tc := range []struct {
		name string
		h    Header
		body string
		err  error
	}{
		{"ok", good, `{"stack":"demo"}`, nil},
		{"no id", without(HeaderID), `{}`, ErrMissingHeader},
		{"no type", without(HeaderType), `{}`, ErrMissingHeader},
		{"no source", without(HeaderSource), `{}`, ErrMissingHeader},
		{"no specversion", without(HeaderSpecVersion), `{}`, ErrMissingHeader},
		{"specversion 0.3", with(HeaderSpecVersion, "0.3"), `{}`, ErrWrongSpecVersion},
		{"bad time", with(HeaderTime, "yesterday"), `{}`, ErrMalformed},
		{"bad json", good, `{"stack":`, ErrMalformed},
		{"too large", good, `"` + strings.Repeat("x", 100) + `"`, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromHeaders(tc.h, []byte(tc.body), 64)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	e := Envelope{Type: "ringmaster.build.requested.v1", Data: []byte(`{"stack":"demo","distros":["debian-12"],"added_later":1}`)}
	s, p, err := e.Decode()
	if err != nil {
		t.Fatal(err)
	}
	br, ok := p.(*BuildRequested)
	if !ok || s.Name != "build.requested" || br.Stack != "demo" || br.Distros[0] != "debian-12" {
		t.Fatalf("decoded %T %+v", p, p)
	}
	e.Data = []byte(`{"stack": 3}`)
	if _, _, err := e.Decode(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("wrong field type: err = %v", err)
	}
	e.Data = []byte(`{} {}`)
	if _, _, err := e.Decode(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("trailing data: err = %v", err)
	}
}

func TestEventsDocIsFresh(t *testing.T) {
	got, err := os.ReadFile("../docs/events.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != Markdown() {
		t.Fatal("docs/events.md is stale: run `make docs` (go run ./events/cmd/eventsdoc docs/events.md)")
	}
}
