package forge

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"testing"
)

// testSecret signs every sample in testdata: the secret of GitHub's
// "Validating webhook deliveries" example.
const testSecret = "It's a Secret to Everybody"

// sample reads testdata/<dir>/<name>.{headers,json}: the headers as the
// forge sends them (signed with testSecret) and the body byte for byte.
func sample(t *testing.T, dir, name string) (http.Header, []byte) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", dir, name+".headers"))
	if err != nil {
		t.Fatal(err)
	}
	mime, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(raw, '\n')))).ReadMIMEHeader()
	if err != nil {
		t.Fatalf("%s/%s.headers: %v", dir, name, err)
	}
	return http.Header(mime), body
}

// hmacHex is the hex HMAC of body under secret.
func hmacHex(secret string, body []byte, sha256sum bool) string {
	h := hmac.New(sha1.New, []byte(secret))
	if sha256sum {
		h = hmac.New(sha256.New, []byte(secret))
	}
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// sign sets every signature header h carries to body's under secret, as
// the forge would (GitLab sends the secret itself).
func sign(h http.Header, body []byte, secret string) {
	s256 := hmacHex(secret, body, true)
	for name, value := range map[string]string{
		"X-Hub-Signature-256": "sha256=" + s256,
		"X-Hub-Signature":     "sha1=" + hmacHex(secret, body, false),
		"X-Gitea-Signature":   s256,
		"X-Forgejo-Signature": s256,
		"X-Gogs-Signature":    s256,
		"X-Gitlab-Token":      secret,
	} {
		if h.Get(name) != "" {
			h.Set(name, value)
		}
	}
}

// mutate decodes body, lets change alter it and encodes it again.
func mutate(t *testing.T, body []byte, change func(map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// obj is m[key] as an object.
func obj(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

// TestSamplesSigned keeps the stored signatures honest: each is the
// sample body's under testSecret, so the samples also serve hand tests
// (curl --data-binary @push.json with the .headers).
func TestSamplesSigned(t *testing.T) {
	for _, dir := range []string{"github", "gitlab", "gitea"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		if len(files) == 0 {
			t.Fatalf("no samples in testdata/%s", dir)
		}
		for _, f := range files {
			name := filepath.Base(f[:len(f)-len(".json")])
			h, body := sample(t, dir, name)
			want := h.Clone()
			sign(want, body, testSecret)
			for k := range want {
				if h.Get(k) != want.Get(k) {
					t.Errorf("testdata/%s/%s.headers: %s is not the body's under %q; re-sign it (see testdata/README.md)", dir, name, k, testSecret)
				}
			}
		}
	}
}
