package stack

import "testing"

// The shipped stacks parse and order.
func TestShippedStacks(t *testing.T) {
	for _, name := range []string{"fixture", "demo"} {
		s, err := Load("../../../infra/stacks/" + name + "/stack.yaml")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := s.Order(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}
