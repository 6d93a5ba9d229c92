package stack

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
)

// SchemaID is the $id of the published schema, docs/stack.schema.json.
const SchemaID = "https://ringmaster.dev/schemas/stack.schema.json"

// Schema is the JSON Schema of stack.yaml, generated from the Go types.
// Parse is stricter than the schema (paths, cycles, cross references).
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{ExpandedStruct: true}
	s := r.Reflect(&Stack{})
	s.ID = SchemaID
	s.Title = "Ringmaster stack definition (infra/stacks/<name>/stack.yaml)"
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("stack schema: %w", err)
	}
	return buf.Bytes(), nil
}
