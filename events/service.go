package events

// ServicePingRequested asks one service to answer through its worker loop.
type ServicePingRequested struct {
	Note string `json:"note,omitempty"`
}

// ServicePong answers a ping: the command travelled through the service's
// stream, consumer, handler and back.
type ServicePong struct {
	Service  string `json:"service"`
	Instance string `json:"instance"`
	Version  string `json:"version"`
}

// CommandFailed reports a command a service gave up on; the message is in the
// dead-letter stream with the same reason.
type CommandFailed struct {
	Service     string `json:"service"`
	CommandType string `json:"command_type"`
	CommandID   string `json:"command_id"`
	Reason      string `json:"reason"`
	Attempts    int    `json:"attempts"`
}
