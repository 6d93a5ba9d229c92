package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/command"
	"ringmaster.dev/kit/tokens"
)

// restError is the body of every REST refusal.
type restError struct {
	Error    string `json:"error"`
	Rule     string `json:"rule,omitempty"`
	AllowBy  string `json:"allow_by,omitempty"`
	Usage    string `json:"usage,omitempty"`
	Decision string `json:"decision,omitempty"`
}

// Accepted is the body of a 202: the run a request started.
type Accepted struct {
	Run     string `json:"run"`
	Command string `json:"command"`
	Text    string `json:"text"`
	// Events is the run's facts as Server-Sent Events.
	Events string `json:"events"`
}

// authenticate finds the token's user and role: Authorization: Bearer.
func (g *Gateway) authenticate(w http.ResponseWriter, r *http.Request, a *ask) bool {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	var rec tokens.Record
	var err error = tokens.ErrNotFound
	if ok {
		rec, err = g.ops.tokens.Lookup(strings.TrimSpace(token))
	}
	if err != nil {
		why := "no Authorization: Bearer token (ring token create USER --role ROLE makes one)"
		if ok {
			why = "the token is unknown or revoked (ring token list)"
		}
		ans := refusedAnswer(http.StatusUnauthorized, "token", "%s", why)
		g.audit(r.Context(), *a, nil, ans)
		w.Header().Set("WWW-Authenticate", `Bearer realm="ringmaster"`)
		writeJSON(w, http.StatusUnauthorized, restError{Error: why, Rule: "token", Decision: events.DecisionRefused})
		return false
	}
	a.name, a.user, a.roles = rec.User, rec.User, []string{rec.Role}
	return true
}

// rest serves one verb's route: the request from the path, the query (GET)
// or the JSON body, read back through the grammar (its defaults and
// checks), then the same policy and the same work as chat-ops.
func (g *Gateway) rest(spec command.Spec) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := ask{door: command.REST, platform: "rest", remote: r.RemoteAddr, delivery: idempotencyKey(r)}
		if !g.authenticate(w, r, &a) {
			return
		}
		req, err := restRequest(spec, r)
		if err != nil {
			a.text = spec.Verb + " (" + err.Error() + ")"
			ans := refusedAnswer(http.StatusBadRequest, "syntax", "%v", err)
			var ue *command.UsageError
			if errors.As(err, &ue) {
				ans.usage = ue.Usage
			}
			g.audit(r.Context(), a, nil, ans)
			writeJSON(w, ans.status, restError{Error: ans.text, Rule: ans.rule, Usage: ans.usage, Decision: ans.decision})
			return
		}
		a.req = &req
		ans := g.handle(r.Context(), a)
		switch {
		case ans.status == http.StatusAccepted:
			writeJSON(w, http.StatusAccepted, Accepted{Run: ans.run, Command: req.Line(), Text: ans.text, Events: "/api/v1/runs/" + ans.run + "/events"})
		case ans.status >= 300:
			writeJSON(w, ans.status, restError{Error: ans.text, Rule: ans.rule, AllowBy: ans.allowBy, Usage: ans.usage, Decision: ans.decision})
		case strings.Contains(r.Header.Get("Accept"), "text/plain"):
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(ans.status)
			_, _ = io.WriteString(w, ans.text+"\n")
		default:
			writeJSON(w, ans.status, ans.data)
		}
	}
}

// idempotencyKey is the Idempotency-Key header when it is usable: the same
// key starts one run.
func idempotencyKey(r *http.Request) string {
	k := r.Header.Get("Idempotency-Key")
	if k == "" || len(k) > 128 || strings.IndexFunc(k, func(c rune) bool { return c <= ' ' || c > '~' }) >= 0 {
		return ""
	}
	return k
}

// restRequest reads a REST request into the grammar's Request: fields from
// the path, the query or the JSON body (unknown fields are errors), then
// its line parsed again, so defaults and checks are the grammar's; a field
// that does not apply to the verb is an error too.
func restRequest(spec command.Spec, r *http.Request) (command.Request, error) {
	fields := map[string]any{}
	if r.Method == http.MethodGet || r.Method == http.MethodDelete {
		for k, vs := range r.URL.Query() {
			if k == "topic" || k == "verb" || len(vs) == 1 && !listField(k) {
				fields[k] = vs[0]
				if n, err := strconv.Atoi(vs[0]); err == nil && numeric(k) {
					fields[k] = n
				}
			} else {
				fields[k] = vs
			}
		}
	} else if r.ContentLength != 0 {
		dec := json.NewDecoder(io.LimitReader(r.Body, maxChatBody))
		dec.UseNumber()
		if err := dec.Decode(&fields); err != nil {
			return command.Request{}, fmt.Errorf("the body is not a JSON object: %v", err)
		}
	}
	for _, name := range []string{"cluster", "run"} {
		if v := r.PathValue(name); v != "" {
			fields[name] = v
		}
	}
	if v, ok := fields["verb"]; ok && v != spec.Verb {
		return command.Request{}, fmt.Errorf("verb %v does not go to %s %s", v, spec.Method, spec.Path)
	}
	fields["verb"] = spec.Verb
	b, _ := json.Marshal(fields)
	var req command.Request
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return command.Request{}, fmt.Errorf("%s: %v (the fields are those of the OpenAPI document, /api/v1/openapi.json)", spec.Verb, err)
	}
	got, err := command.Parse(req.Line(), command.REST)
	if err != nil {
		return command.Request{}, err
	}
	kept := map[string]any{}
	b, _ = json.Marshal(got)
	_ = json.Unmarshal(b, &kept)
	for k, v := range fields {
		if _, ok := kept[k]; !ok && k != "verb" && !zero(v) {
			return command.Request{}, fmt.Errorf("%s: field %q does not apply (usage: %s)", spec.Verb, k, spec.Usage)
		}
	}
	return got, nil
}

func listField(k string) bool {
	switch k {
	case "distros", "components", "packages", "suites", "realms":
		return true
	}
	return false
}

func numeric(k string) bool { return k == "nodes" || k == "max" || k == "memory_mb" }

func zero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case json.Number:
		return x.String() == "0"
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// whoami says who a token is: GET /api/v1/whoami.
func (g *Gateway) whoami(w http.ResponseWriter, r *http.Request) {
	a := ask{door: command.REST, platform: "rest", remote: r.RemoteAddr}
	if !g.authenticate(w, r, &a) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": a.name, "roles": a.roles})
}
