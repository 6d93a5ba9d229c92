package events

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Spec describes one event type of the catalog.
type Spec struct {
	// Name is the dotted event name without prefix and version, e.g. "build.requested".
	Name string
	// Version is the schema's major version; it ends the type name (".v1").
	Version int
	// Kind is Command or Fact.
	Kind Kind
	// Service handles a command, or emits a fact ("*" for every service).
	// A fact is emitted by its Service only: the NATS user of every other
	// service is refused when it publishes one (kit/natsserver.Permissions).
	Service string
	// Senders are the services that send a command (the `ring` CLI may
	// send any): the NATS user of every other service is refused when it
	// publishes one (kit/natsserver.Permissions), and a test in tools/ring
	// fails when a service's code sends a command whose Senders lack it.
	Senders []string
	// Doc is one sentence for docs/events.md.
	Doc string
	// Routed commands carry a route (their payload is a Router): the
	// route's tokens end the subject, so that only the instances serving
	// that route take them (build cells by distro and architecture).
	Routed bool
	// payload is the zero value of the body's Go type.
	payload any
}

// Type is the CloudEvents type, e.g. "ringmaster.build.requested.v1".
func (s Spec) Type() string { return Prefix + "." + s.Name + ".v" + strconv.Itoa(s.Version) }

// Stream is the JetStream stream the event is stored in.
func (s Spec) Stream(service string) string {
	if s.Kind == Fact {
		return FactStream
	}
	return CommandStream(service)
}

// Subject is the NATS subject of the event. Commands answered by every service
// ("*") need the target service; for all other events service is ignored.
func (s Spec) Subject(service string) string {
	if s.Kind == Fact {
		return Prefix + ".fact." + s.Name
	}
	if s.Service != AnyService {
		service = s.Service
	}
	return Prefix + ".cmd." + service + "." + s.Name
}

// RoutedSubject is the subject of a routed command for one route, e.g.
// "ringmaster.cmd.builder.cell.build.requested.debian-12.amd64"; route
// "*.*" (or any wildcard) makes a filter.
func (s Spec) RoutedSubject(route string) string { return s.Subject("") + "." + route }

// New returns a pointer to a new zero payload of this event's Go type.
func (s Spec) New() any { return reflect.New(reflect.TypeOf(s.payload)).Interface() }

// GoType is the Go type of the payload.
func (s Spec) GoType() reflect.Type { return reflect.TypeOf(s.payload) }

// ParseType splits "ringmaster.<name>.v<major>" into name and major version.
func ParseType(t string) (name string, major int, err error) {
	rest, ok := strings.CutPrefix(t, Prefix+".")
	if !ok {
		return "", 0, fmt.Errorf("event type %q: %w: must start with %q", t, ErrUnknownType, Prefix+".")
	}
	i := strings.LastIndex(rest, ".v")
	if i <= 0 {
		return "", 0, fmt.Errorf("event type %q: %w: must end with .v<major>", t, ErrUnknownType)
	}
	major, err = strconv.Atoi(rest[i+2:])
	if err != nil || major < 1 {
		return "", 0, fmt.Errorf("event type %q: %w: bad major version", t, ErrUnknownType)
	}
	return rest[:i], major, nil
}
