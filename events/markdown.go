package events

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Markdown renders the catalog as docs/events.md.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# Events\n\n")
	b.WriteString("<!-- Generated from events/catalog.go by `make docs`. Do not edit; a test fails when this file is stale. -->\n\n")
	b.WriteString("Every message is a CloudEvents 1.0 event in binary mode: attributes are NATS headers, the body is JSON.\n\n")
	b.WriteString("| header | meaning |\n|---|---|\n")
	for _, h := range [][2]string{
		{HeaderID, "unique event id; facts emitted for a command have ids derived from the command's id"},
		{HeaderSource, "who published it (`ring`, a service name)"},
		{HeaderType, "`ringmaster.<name>.v<major>`; an unknown name or major version goes to the dead-letter stream"},
		{HeaderTime, "RFC 3339 time of publication"},
		{HeaderSpecVersion, "`" + SpecVersion + "`"},
		{HeaderContentType, "`" + ContentType + "`"},
		{HeaderRunID, "run id: one user action, followed across services (`ring events tail --run ID`)"},
		{HeaderMsgID, "JetStream de-duplication id (same as `ce-id`)"},
	} {
		fmt.Fprintf(&b, "| `%s` | %s |\n", h[0], h[1])
	}
	fmt.Fprintf(&b, "\nBodies larger than %d bytes are dead-lettered.\n\n", MaxBodyBytes)
	b.WriteString("## Streams\n\n| stream | retention | subjects | consumers |\n|---|---|---|---|\n")
	for _, svc := range Services {
		consumers := fmt.Sprintf("one durable pull consumer, `%s`", svc)
		for _, r := range RoutedCommandsOf(svc) {
			consumers += fmt.Sprintf("; `%s`: one per route, `%s`, shared by the instances serving it", r.Name, RouteConsumer(svc, r.Name, "<route>"))
		}
		fmt.Fprintf(&b, "| `%s` | work queue | `%s` | %s |\n", CommandStream(svc), CommandSubjects(svc), consumers)
	}
	fmt.Fprintf(&b, "| `%s` | limits (age, size) | `%s` | any, replayable |\n", FactStream, FactSubjects())
	fmt.Fprintf(&b, "| `%s` | limits (age, size) | `%s` | `ring dlq` |\n\n", DeadLetterStream, DeadLetterSubjects())
	for _, kind := range []Kind{Command, Fact} {
		if kind == Command {
			b.WriteString("## Commands\n\n")
		} else {
			b.WriteString("## Facts\n\n")
		}
		for _, s := range All() {
			if s.Kind != kind {
				continue
			}
			writeSpec(&b, s)
		}
	}
	return b.String()
}

func writeSpec(b *strings.Builder, s Spec) {
	fmt.Fprintf(b, "### `%s`\n\n%s\n\n", s.Type(), s.Doc)
	svc, subject, stream := s.Service, s.Subject(""), s.Stream(s.Service)
	if s.Kind == Command && s.Service == AnyService {
		svc, subject, stream = "every service", s.Subject("<service>"), CommandStream("<service>")
	} else if s.Service == AnyService {
		svc = "every service"
	}
	if s.Routed {
		subject = s.RoutedSubject("<route>")
	}
	role := "handled by"
	if s.Kind == Fact {
		role = "emitted by"
	}
	fmt.Fprintf(b, "- %s: %s\n", role, svc)
	if s.Kind == Command {
		fmt.Fprintf(b, "- sent by: %s\n", strings.Join(append(slices.Clone(s.Senders), "`ring`"), ", "))
	}
	fmt.Fprintf(b, "- subject: `%s`\n- stream: `%s`\n\n", subject, stream)
	b.WriteString("| field | type | meaning |\n|---|---|---|\n")
	writeFields(b, s.GoType(), "")
	b.WriteString("\n")
}

func writeFields(b *strings.Builder, t reflect.Type, prefix string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		fmt.Fprintf(b, "| `%s%s` | %s | %s |\n", prefix, name, typeName(f.Type), f.Tag.Get("doc"))
		et := f.Type
		if et.Kind() == reflect.Slice {
			et = et.Elem()
		}
		if et.Kind() == reflect.Struct && et.PkgPath() == t.PkgPath() {
			writeFields(b, et, prefix+name+"[].")
		}
	}
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice:
		return "list of " + typeName(t.Elem())
	case reflect.Map:
		return "map " + typeName(t.Key()) + " → " + typeName(t.Elem())
	case reflect.Struct:
		return "object"
	case reflect.Int, reflect.Int64:
		return "integer"
	case reflect.Bool:
		return "boolean"
	}
	return t.Kind().String()
}
