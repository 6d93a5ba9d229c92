package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/command"
)

// Environment variables of the remote mode.
const (
	EnvServer    = "RING_SERVER"
	EnvTokenFile = "RING_TOKEN_FILE"
)

// localOnly are the commands that never go to a server: they set up or
// inspect this machine.
var localOnly = map[string]bool{"up": true, "version": true, "help": true, "completion": true, "token": true, "chat": true,
	"policy": true, "image": true, "mirror": true, "source": true, "dlq": true, "events": true, "ping": true, "stack": true, "schedule": true, "blob": true}

// remoteArgs finds --server and --token-file (or RING_SERVER and
// RING_TOKEN_FILE) among the arguments; ok says the rest is a verb for the
// server: not a local-only command, not a request for help.
func remoteArgs(args []string) (server, tokenFile string, words []string, ok bool) {
	server, tokenFile = os.Getenv(EnvServer), os.Getenv(EnvTokenFile)
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(a, "=")
		switch name {
		case "--server", "--token-file", "--nats", "--log-level":
			if !hasValue && i+1 < len(args) {
				i++
				value = args[i]
			}
			switch name {
			case "--server":
				server = value
			case "--token-file":
				tokenFile = value
			}
			continue
		case "-h", "--help":
			return "", "", nil, false
		}
		words = append(words, a)
	}
	if server == "" || len(words) == 0 || localOnly[words[0]] {
		return "", "", nil, false
	}
	return server, tokenFile, words, true
}

// runRemote carries a verb out through the gateway's REST API: the same
// grammar as chat-ops (the CLI's verbs and flags), a bearer token from a
// file, and for a verb that starts a run, its facts followed as
// Server-Sent Events until it ends. A denial exits 1 with the policy's
// message; a malformed verb 2.
func runRemote(ctx context.Context, out, errOut io.Writer, server, tokenFile string, words []string) int {
	asJSON := false
	var kept []string
	for i := 0; i < len(words); i++ {
		switch w := words[i]; {
		case w == "--output" || w == "-o":
			if i+1 < len(words) {
				asJSON = words[i+1] == "json"
				i++
			}
		case w == "--output=json" || w == "-ojson":
			asJSON = true
		case w == "--wait" && i+1 < len(words):
			i++ // the server follows the run; the stream ends with it
		case strings.HasPrefix(w, "--wait="):
		default:
			kept = append(kept, w)
		}
	}
	req, err := command.ParseWords(kept, command.REST)
	if err != nil {
		fmt.Fprintln(errOut, "ring:", err)
		return 2
	}
	spec, _ := req.Spec()
	token, err := readToken(tokenFile)
	if err != nil {
		fmt.Fprintln(errOut, "ring:", err)
		return 2
	}
	c := &restClient{base: strings.TrimRight(server, "/"), token: token, http: &http.Client{Timeout: 0}}
	resp, err := c.send(ctx, spec, req, asJSON)
	if err != nil {
		fmt.Fprintln(errOut, "ring:", err)
		return 2
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	switch {
	case resp.StatusCode == http.StatusAccepted:
		var a struct{ Run, Text, Events string }
		if err := json.Unmarshal(body, &a); err != nil {
			fmt.Fprintln(errOut, "ring: the server's answer:", err)
			return 2
		}
		fmt.Fprintln(out, a.Text)
		return c.follow(ctx, out, a.Events, req)
	case resp.StatusCode >= 300:
		var e struct{ Error, Rule, AllowBy, Usage string }
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			e.Error = fmt.Sprintf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
		}
		fmt.Fprintln(errOut, "ring:", e.Error)
		if e.Usage != "" && !strings.Contains(e.Error, "usage:") {
			fmt.Fprintln(errOut, "usage:", e.Usage)
		}
		if resp.StatusCode == http.StatusBadRequest {
			return 2
		}
		return 1
	}
	_, _ = out.Write(body)
	if len(body) > 0 && body[len(body)-1] != '\n' {
		fmt.Fprintln(out)
	}
	return 0
}

func readToken(file string) (string, error) {
	if file == "" {
		return "", fmt.Errorf("--server needs --token-file (or %s): a token from ring token create", EnvTokenFile)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("--token-file %s is empty", file)
	}
	return t, nil
}

type restClient struct {
	base, token string
	http        *http.Client
}

// send makes the verb's REST request: path fields in the path, the rest
// in the query (GET) or a JSON body.
func (c *restClient) send(ctx context.Context, spec command.Spec, req command.Request, asJSON bool) (*http.Response, error) {
	fields := map[string]any{}
	b, _ := json.Marshal(req)
	_ = json.Unmarshal(b, &fields)
	delete(fields, "verb")
	path := spec.Path
	for _, name := range []string{"cluster", "run"} {
		if strings.Contains(path, "{"+name+"}") {
			path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(fmt.Sprint(fields[name])))
			delete(fields, name)
		}
	}
	var body io.Reader
	if spec.Method == http.MethodGet || spec.Method == http.MethodDelete {
		q := url.Values{}
		for k, v := range fields {
			if l, ok := v.([]any); ok {
				for _, x := range l {
					q.Add(k, fmt.Sprint(x))
				}
			} else {
				q.Set(k, fmt.Sprint(v))
			}
		}
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
	} else {
		b, _ := json.Marshal(fields)
		body = strings.NewReader(string(b))
	}
	r, err := http.NewRequestWithContext(ctx, spec.Method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	r.Header.Set("Authorization", "Bearer "+c.token)
	r.Header.Set("Content-Type", "application/json")
	if !asJSON {
		r.Header.Set("Accept", "text/plain")
	}
	resp, err := c.http.Do(r)
	if err != nil {
		return nil, fmt.Errorf("%w (is the gateway at %s? ring status on its machine says where it listens)", err, c.base)
	}
	return resp, nil
}

// follow prints a run's progress from its event stream until it ends:
// exit 0 when it went well, 1 when not.
func (c *restClient) follow(ctx context.Context, out io.Writer, path string, req command.Request) int {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		fmt.Fprintln(out, "ring:", err)
		return 2
	}
	r.Header.Set("Authorization", "Bearer "+c.token)
	r.Header.Set("Accept", "text/event-stream")
	resp, err := c.http.Do(r)
	if err != nil {
		fmt.Fprintln(out, "ring: following the run:", err)
		return 2
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(out, "ring: following the run: %s %s\n", resp.Status, strings.TrimSpace(string(b)))
		return 2
	}
	t := command.NewTracker(req)
	start := time.Now()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 2<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "end":
			var end struct {
				OK     bool
				Result string
			}
			_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &end)
			fmt.Fprintf(out, "%6.1fs  %s\n", time.Since(start).Seconds(), end.Result)
			if end.OK {
				return 0
			}
			return 1
		case strings.HasPrefix(line, "data: ") && event == "run":
			// The run's record (its stages): the facts tell the same.
		case strings.HasPrefix(line, "data: "):
			var env events.Envelope
			if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &env) == nil {
				if l := t.Apply(env); l != "" && !t.Done() {
					fmt.Fprintf(out, "%6.1fs  %s\n", time.Since(start).Seconds(), l)
				}
			}
		case line == "":
			event = ""
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(out, "ring: the event stream broke:", err)
	} else {
		fmt.Fprintln(out, "ring: the event stream ended before the run did")
	}
	return 2
}
