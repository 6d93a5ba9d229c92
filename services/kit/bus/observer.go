package bus

// Outcome is what became of one delivery of a command.
type Outcome string

// Outcomes a Worker reports to its Observer.
const (
	// Done: the handler succeeded and the command was acknowledged.
	Done Outcome = "done"
	// Retried: the attempt failed and the command was handed back to be
	// delivered again after a backoff.
	Retried Outcome = "retried"
	// DeadLettered: poison, a permanent error or out of attempts; the
	// command was moved to the dead-letter stream.
	DeadLettered Outcome = "dead_lettered"
	// Duplicate: a redelivery of a command already done, acknowledged
	// without running it again.
	Duplicate Outcome = "duplicate"
	// HandedBack: the worker stopped while the handler ran; the command
	// goes to another instance at once.
	HandedBack Outcome = "handed_back"
)

// UnknownType labels a delivery whose event type could not be read.
const UnknownType = "unknown"

// Observer learns what became of each delivery (e.g. to count it), where
// Middleware sees only the handler's answer. eventType is the catalog name
// ("build.requested") or UnknownType. Settled is called on the worker's
// goroutines: it must be quick and safe for concurrent use.
type Observer interface {
	Settled(service, eventType string, o Outcome)
}
