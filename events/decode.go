package events

import (
	"bytes"
	"encoding/json"
	"errors"
)

// decodeJSON decodes one JSON value. Unknown fields are ignored: within a major
// version, producers may add optional fields.
func decodeJSON(data []byte, into any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(into); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
