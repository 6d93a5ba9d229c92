package forge

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestParseRefused: each bad delivery is refused with the error the
// gateway turns into its HTTP answer, and the secret is in no message.
func TestParseRefused(t *testing.T) {
	type edit func(t *testing.T, h http.Header, body []byte) []byte
	resigned := func(change func(map[string]any)) edit {
		return func(t *testing.T, h http.Header, body []byte) []byte {
			body = mutate(t, body, change)
			sign(h, body, testSecret)
			return body
		}
	}
	setHeader := func(name, value string) edit {
		return func(_ *testing.T, h http.Header, body []byte) []byte { h.Set(name, value); return body }
	}
	delHeader := func(names ...string) edit {
		return func(_ *testing.T, h http.Header, body []byte) []byte {
			for _, n := range names {
				h.Del(n)
			}
			return body
		}
	}
	newBody := func(b string) edit {
		return func(_ *testing.T, h http.Header, _ []byte) []byte { sign(h, []byte(b), testSecret); return []byte(b) }
	}
	for _, tc := range []struct {
		name, dir, sample string
		edit              edit
		want              error
	}{
		// signatures
		{"github body changed after signing", "github", "push", func(_ *testing.T, _ http.Header, b []byte) []byte {
			return []byte(strings.Replace(string(b), "Update README.md", "Update README.mD", 1))
		}, ErrSignature},
		{"github signed with another secret", "github", "push", func(_ *testing.T, h http.Header, b []byte) []byte {
			sign(h, b, "another secret")
			return b
		}, ErrSignature},
		{"github no signature", "github", "push", delHeader("X-Hub-Signature-256"), ErrSignature},
		{"github only the SHA-1 signature", "github", "push", delHeader("X-Hub-Signature-256"), ErrSignature},
		{"github garbage signature", "github", "push", setHeader("X-Hub-Signature-256", "sha256=zz"), ErrSignature},
		{"github ignored event, wrong signature", "github", "push", func(_ *testing.T, h http.Header, b []byte) []byte {
			h.Set("X-GitHub-Event", "issues")
			sign(h, b, "another secret")
			return b
		}, ErrSignature},
		{"github event the library does not know, wrong signature", "github", "push", func(_ *testing.T, h http.Header, b []byte) []byte {
			h.Set("X-GitHub-Event", "merge_group")
			h.Del("X-Hub-Signature-256")
			return b
		}, ErrSignature},
		{"gitlab no token", "gitlab", "push", delHeader("X-Gitlab-Token"), ErrSignature},
		{"gitlab ignored event, wrong token", "gitlab", "push", func(_ *testing.T, h http.Header, b []byte) []byte {
			h.Set("X-Gitlab-Event", "Issue Hook")
			h.Set("X-Gitlab-Token", "guess")
			return b
		}, ErrSignature},
		{"gitea body changed", "gitea", "push", func(_ *testing.T, _ http.Header, b []byte) []byte {
			return []byte(strings.Replace(string(b), "develop", "master", 1))
		}, ErrSignature},
		{"gitea no signature", "gitea", "push", delHeader("X-Gitea-Signature"), ErrSignature},
		{"gitea ignored event, wrong signature", "gitea", "push", func(_ *testing.T, h http.Header, b []byte) []byte {
			h.Set("X-Gitea-Event", "issues")
			sign(h, b, "another secret")
			return b
		}, ErrSignature},
		{"forgejo wrong signature", "gitea", "forgejo_push", func(_ *testing.T, h http.Header, b []byte) []byte {
			sign(h, b, "another secret")
			h.Del("X-Gitea-Signature")
			return b
		}, ErrSignature},
		{"forgejo and gitea signatures differ", "gitea", "forgejo_push", setHeader("X-Forgejo-Signature", strings.Repeat("0", 64)), ErrSignature},

		// headers
		{"github no delivery id", "github", "push", delHeader("X-GitHub-Delivery"), ErrMissingHeader},
		{"github no event", "github", "push", delHeader("X-GitHub-Event"), ErrMissingHeader},
		{"github delivery id with path tricks", "github", "push", setHeader("X-GitHub-Delivery", "../../x"), ErrMissingHeader},
		{"github event that is no event name", "github", "push", setHeader("X-GitHub-Event", "push;rm"), ErrMissingHeader},
		{"gitlab no delivery id", "gitlab", "push", delHeader("Idempotency-Key", "X-Gitlab-Event-UUID"), ErrMissingHeader},
		{"gitlab no event", "gitlab", "push", delHeader("X-Gitlab-Event"), ErrMissingHeader},
		{"gitea no delivery id", "gitea", "push", delHeader("X-Gitea-Delivery"), ErrMissingHeader},
		{"gitea no event", "gitea", "push", delHeader("X-Gitea-Event"), ErrMissingHeader},
		{"forgejo and gitea events differ", "gitea", "forgejo_push", setHeader("X-Forgejo-Event", "issues"), ErrMissingHeader},

		// bodies
		{"github malformed JSON", "github", "push", newBody(`{"ref": "refs/heads/main",`), ErrMalformed},
		{"github empty body", "github", "push", newBody(""), ErrMalformed},
		{"github wrong JSON types", "github", "push", newBody(`{"ref": 5}`), ErrMalformed},
		{"github ref with ..", "github", "push", resigned(func(m map[string]any) { m["ref"] = "refs/heads/../../etc/passwd" }), ErrMalformed},
		{"github ref with ;", "github", "push", resigned(func(m map[string]any) { m["ref"] = "refs/heads/a;rm -rf /" }), ErrMalformed},
		{"github ref with newline", "github", "push", resigned(func(m map[string]any) { m["ref"] = "refs/heads/main\nx" }), ErrMalformed},
		{"github PR branch with $()", "github", "pull_request_opened", resigned(func(m map[string]any) {
			obj(obj(m, "pull_request"), "head")["ref"] = "$(id)"
		}), ErrMalformed},
		{"github commit not hex", "github", "push", resigned(func(m map[string]any) {
			m["after"] = "$(id)"
			obj(m, "head_commit")["id"] = "$(id)"
		}), ErrMalformed},
		{"github clone URL with credentials", "github", "push", resigned(func(m map[string]any) {
			obj(m, "repository")["clone_url"] = "https://x:ghp_token@github.com/Codertocat/Hello-World.git"
		}), ErrMalformed},
		{"github no repository", "github", "push", resigned(func(m map[string]any) { delete(m, "repository") }), ErrMalformed},
		{"github PR without number", "github", "pull_request_opened", resigned(func(m map[string]any) { delete(m, "number") }), ErrMalformed},
		{"gitlab malformed JSON", "gitlab", "push", newBody(`{"object_kind":`), ErrMalformed},
		{"gitlab empty body", "gitlab", "push", newBody(""), ErrMalformed},
		{"gitlab ref with ..", "gitlab", "push", resigned(func(m map[string]any) { m["ref"] = "refs/heads/a/../b" }), ErrMalformed},
		{"gitea malformed JSON", "gitea", "push", newBody(`[`), ErrMalformed},
		{"gitea pull request without head", "gitea", "pull_request", resigned(func(m map[string]any) {
			delete(obj(m, "pull_request"), "head")
		}), ErrMalformed},
		{"gitea push without repository", "gitea", "push", resigned(func(m map[string]any) { delete(m, "repository") }), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, body := sample(t, tc.dir, tc.sample)
			body = tc.edit(t, h, body)
			d, err := Parse(tc.dir, h, body, []byte(testSecret))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Parse = %+v, %v; want %v", d, err, tc.want)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("the error shows the secret: %v", err)
			}
			if d.Forge != tc.dir || d.Kind != KindIgnored || d.Commit != "" {
				t.Errorf("a refused delivery holds more than its headers: %+v", d)
			}
			t.Log(err)
		})
	}
}

// TestParseIgnored: a verified event Ringmaster does not act on is no
// error, whether or not the library decodes it, and whatever its body.
func TestParseIgnored(t *testing.T) {
	for _, tc := range []struct{ dir, sample, header, event, body string }{
		{"github", "push", "X-GitHub-Event", "issues", `{"action":"opened","issue":{"number":1}}`},
		{"github", "push", "X-GitHub-Event", "issues", `not json at all`},
		{"github", "push", "X-GitHub-Event", "merge_group", `{"action":"checks_requested"}`},
		{"gitlab", "push", "X-Gitlab-Event", "Issue Hook", `{"object_kind":"issue"}`},
		{"gitlab", "push", "X-Gitlab-Event", "System Hook", `{"object_kind":"push"}`},
		{"gitea", "push", "X-Gitea-Event", "issues", `{"action":"opened"}`},
		{"gitea", "push", "X-Gitea-Event", "package", `{"action":"created"}`},
	} {
		t.Run(tc.dir+"/"+tc.event, func(t *testing.T) {
			h, _ := sample(t, tc.dir, tc.sample)
			h.Set(tc.header, tc.event)
			sign(h, []byte(tc.body), testSecret)
			d, err := Parse(tc.dir, h, []byte(tc.body), []byte(testSecret))
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != KindIgnored || d.Event != tc.event || d.ID == "" {
				t.Errorf("Parse = %+v", d)
			}
		})
	}
}

// TestGitHubDocumentedSignature checks verification against GitHub's own
// example (docs "Validating webhook deliveries"), not this package's
// signing helper: secret "It's a Secret to Everybody", payload
// "Hello, World!". Gitea's header is the same hex without "sha256=".
func TestGitHubDocumentedSignature(t *testing.T) {
	const sig = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	body := []byte("Hello, World!")
	for _, tc := range []struct {
		dir, value string
		ok         bool
	}{
		{"github", "sha256=" + sig, true},
		{"github", "sha256=" + sig[:63] + "8", false},
		{"github", "sha256=" + strings.ToUpper(sig), false},
		{"gitea", sig, true},
		{"gitea", sig[:63] + "8", false},
	} {
		h := http.Header{}
		if tc.dir == "github" {
			h.Set("X-GitHub-Event", "star")
			h.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
			h.Set("X-Hub-Signature-256", tc.value)
		} else {
			h.Set("X-Gitea-Event", "star")
			h.Set("X-Gitea-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
			h.Set("X-Gitea-Signature", tc.value)
		}
		_, err := Parse(tc.dir, h, body, []byte(testSecret))
		if tc.ok && err != nil || !tc.ok && !errors.Is(err, ErrSignature) {
			t.Errorf("%s %s: %v", tc.dir, tc.value, err)
		}
	}
}

// TestGitLabTokenConstantTime: GitLab sends the secret itself, which the
// library compares as SHA-512 digests with subtle.ConstantTimeCompare, so
// neither the length nor a right prefix of a guess changes the answer or
// its time. Near misses are all refused.
func TestGitLabTokenConstantTime(t *testing.T) {
	h, body := sample(t, "gitlab", "push")
	for _, guess := range []string{
		"", "I", testSecret[:len(testSecret)-1], testSecret + " ", testSecret + testSecret,
		strings.ToLower(testSecret), strings.Replace(testSecret, "Everybody", "Everybodz", 1), " " + testSecret,
	} {
		h.Set("X-Gitlab-Token", guess)
		if _, err := Parse("gitlab", h, body, []byte(testSecret)); !errors.Is(err, ErrSignature) {
			t.Errorf("token %q: %v", guess, err)
		}
	}
}

// TestGitLabDeliveryID: Idempotency-Key (the same on GitLab's retries) is
// the id when sent, X-Gitlab-Event-UUID otherwise (GitLab before 17.4).
func TestGitLabDeliveryID(t *testing.T) {
	h, body := sample(t, "gitlab", "push")
	d, err := Parse("gitlab", h, body, []byte(testSecret))
	if err != nil || d.ID != h.Get("Idempotency-Key") {
		t.Fatalf("ID = %q, %v", d.ID, err)
	}
	h.Del("Idempotency-Key")
	d, err = Parse("gitlab", h, body, []byte(testSecret))
	if err != nil || d.ID != h.Get("X-Gitlab-Event-UUID") {
		t.Fatalf("without Idempotency-Key: ID = %q, %v", d.ID, err)
	}
}

// TestParseRejectionKeepsHeaders: a refused delivery still says its forge,
// event and id, for the webhook.rejected fact.
func TestParseRejectionKeepsHeaders(t *testing.T) {
	h, body := sample(t, "github", "push")
	h.Set("X-Hub-Signature-256", "sha256=00")
	d, err := Parse("github", h, body, []byte(testSecret))
	if !errors.Is(err, ErrSignature) || d.Forge != "github" || d.Event != "push" || d.ID != "72d3162e-cc78-11e3-81ab-4c9367dc0958" || d.Digest == "" {
		t.Errorf("Parse = %+v, %v", d, err)
	}
}

func TestParseCallerErrors(t *testing.T) {
	h, body := sample(t, "github", "push")
	if _, err := Parse("github", h, body, nil); err == nil || errors.Is(err, ErrSignature) {
		t.Errorf("empty secret: %v; want a caller error", err)
	}
	if _, err := Parse("bitbucket", h, body, []byte(testSecret)); !errors.Is(err, ErrUnknownForge) {
		t.Errorf("bitbucket: %v", err)
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		headers map[string]string
		want    string
	}{
		{map[string]string{"X-GitHub-Event": "push"}, "github"},
		{map[string]string{"X-Gitlab-Event": "Push Hook"}, "gitlab"},
		{map[string]string{"X-Gitea-Event": "push"}, "gitea"},
		{map[string]string{"X-Forgejo-Event": "push"}, "gitea"},
		{map[string]string{"X-Gitea-Event": "push", "X-GitHub-Event": "push", "X-Gogs-Event": "push"}, "gitea"},
		{map[string]string{"X-Forgejo-Event": "push", "X-GitHub-Event": "push"}, "gitea"},
		{map[string]string{"X-Gogs-Event": "push"}, ""},
		{map[string]string{"X-GitHub-Event": ""}, ""},
		{map[string]string{}, ""},
	} {
		h := http.Header{}
		for k, v := range tc.headers {
			h.Set(k, v)
		}
		got, err := Detect(h)
		if got != tc.want || (tc.want == "") != errors.Is(err, ErrUnknownForge) {
			t.Errorf("Detect(%v) = %q, %v; want %q", tc.headers, got, err, tc.want)
		}
	}
}
