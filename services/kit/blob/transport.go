package blob

import "net/http"

// closeAfterEmptyPut sends every PUT without a body with "Connection: close".
// VersityGW (the embedded S3 server) leaves bytes of such a request unread on
// a kept-alive connection and answers them later with a stray 400 that the
// next request on that connection would take for its own answer; a fresh
// connection for these rare requests (the conditional-PUT probe, empty
// objects) avoids that. Every other request keeps its connection.
type closeAfterEmptyPut struct{ http.RoundTripper }

func (t closeAfterEmptyPut) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut && req.ContentLength == 0 && !req.Close {
		req = req.Clone(req.Context())
		req.Close = true
	}
	return t.RoundTripper.RoundTrip(req)
}
