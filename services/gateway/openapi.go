package gateway

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the REST API's OpenAPI 3 document, written by hand and held
// to the routes by a test (every route documented, every documented route
// served).
//
//go:embed openapi.json
var OpenAPI []byte

// serveOpenAPI serves it: GET /api/v1/openapi.json.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(OpenAPI)
}
