package stack

import (
	"bytes"
	"os"
	"testing"
)

// TestSchemaUpToDate fails when docs/stack.schema.json no longer matches the
// Go types. Regenerate with:
//
//	go run ./services/kit/stack/cmd/stackschema docs/stack.schema.json
func TestSchemaUpToDate(t *testing.T) {
	want, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../../docs/stack.schema.json")
	if err != nil {
		t.Fatalf("%v (generate it: go run ./services/kit/stack/cmd/stackschema docs/stack.schema.json)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("docs/stack.schema.json is stale: run go run ./services/kit/stack/cmd/stackschema docs/stack.schema.json from the repository root")
	}
}
