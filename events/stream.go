package events

import "strings"

// Subject and stream naming. Everything Ringmaster publishes starts with Prefix.
const (
	Prefix = "ringmaster"
	// FactStream keeps every fact by age and size (limits retention, replayable).
	FactStream = "FACTS"
	// DeadLetterStream keeps messages no service could handle, with the reason.
	DeadLetterStream = "DLQ"
	// AnyService stands in a command's Service for commands every service answers.
	AnyService = "*"
)

// Services lists every service that consumes commands, in a stable order.
var Services = []string{"builder", "repo-publisher", "provisioner", "tester", "kerberos-realm", "gateway"}

// CommandStream names the work-queue stream of a service's commands.
func CommandStream(service string) string {
	return "CMD_" + strings.ToUpper(strings.ReplaceAll(service, "-", "_"))
}

// CommandSubjects is the subject filter of a service's command stream.
func CommandSubjects(service string) string {
	return Prefix + ".cmd." + service + ".>"
}

// FactSubjects is the subject filter of the fact stream.
func FactSubjects() string { return Prefix + ".fact.>" }

// DeadLetterSubject is where a service's poison messages go.
func DeadLetterSubject(service string) string { return Prefix + ".dlq." + service }

// DeadLetterSubjects is the subject filter of the dead-letter stream.
func DeadLetterSubjects() string { return Prefix + ".dlq.>" }
