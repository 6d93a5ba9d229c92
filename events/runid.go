package events

// ShortRunID is a run id cut to its first 8 characters, for names and
// sentences people read (a cluster sweep-0b5e2c7a-1, "measured by sweep
// 0b5e2c7a"); the full id stays in the envelope.
func ShortRunID(id string) string { return id[:min(8, len(id))] }
