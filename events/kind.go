package events

// Kind tells commands from facts.
type Kind int

const (
	// Command asks one service to do one thing. Commands live on work-queue streams.
	Command Kind = iota + 1
	// Fact records something that happened. Facts live on the FACTS limits stream.
	Fact
)

func (k Kind) String() string {
	switch k {
	case Command:
		return "command"
	case Fact:
		return "fact"
	}
	return "unknown"
}
