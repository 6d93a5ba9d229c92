package gateway

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"net/http"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/slack-go/slack"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/chatconf"
	"ringmaster.dev/kit/command"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/policies"
)

// maxChatBody bounds a slash command's body (Slack's are about 1 KiB).
const maxChatBody = 64 << 10

// chatAnswer is a slash command's answer: Slack and Mattermost show text.
type chatAnswer struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

// slack takes a Slack slash command: POST /chat/slack. The request must be
// signed with the app's signing secret (X-Slack-Signature, v0 HMAC of
// "v0:timestamp:body", checked by slack-go's SecretsVerifier), at most 5
// minutes old, and not seen before; its response_url must point at a
// Slack origin. A verified request is always answered 200 with the
// ephemeral answer — "accepted, run R", a denial naming the rule, or the
// verb's usage line; an unverified one 401, a replay 409, and each is
// recorded as audit.recorded.
func (g *Gateway) slack(w http.ResponseWriter, r *http.Request) {
	a := ask{door: command.Chat, platform: "slack", remote: r.RemoteAddr}
	body, ok := g.chatBody(w, r, &a)
	if !ok {
		return
	}
	secret, err := gitstack.ReadSecret(chatconf.SlackSecretPath(g.KeyDir))
	if err != nil {
		g.Log.Warn().Err(err).Msg("chat-ops: no Slack signing secret")
		g.refuseChat(w, r, a, http.StatusServiceUnavailable, "not-set-up", "Slack is not set up on this gateway: ring chat setup --slack-secret-file FILE")
		return
	}
	sv, err := slack.NewSecretsVerifier(r.Header, string(secret))
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	switch {
	case errors.Is(err, slack.ErrExpiredTimestamp):
		g.refuseChat(w, r, a, http.StatusUnauthorized, "stale", "X-Slack-Request-Timestamp is more than 5 minutes from now: a replay, or a clock off")
		return
	case errors.Is(err, slack.ErrMissingHeaders):
		g.refuseChat(w, r, a, http.StatusUnauthorized, "signature", "no X-Slack-Signature or X-Slack-Request-Timestamp: not a Slack request")
		return
	case err != nil:
		g.refuseChat(w, r, a, http.StatusUnauthorized, "signature", "X-Slack-Signature does not verify with the signing secret")
		return
	}
	sum := sha256.Sum256([]byte(r.Header.Get("X-Slack-Request-Timestamp") + "." + r.Header.Get("X-Slack-Signature")))
	if !g.firstTime(r, "slack."+hex.EncodeToString(sum[:16])) {
		g.refuseChat(w, r, a, http.StatusConflict, "replay", "this signed request was taken before: a replay")
		return
	}
	g.slashCommand(w, r, a, body, nil)
}

// mattermost takes a Mattermost slash command: POST /chat/mattermost,
// with the command's token (compared in constant time); a trigger_id seen
// before is a replay. Mattermost's slash commands are Slack-compatible:
// the same form, read by slack-go's SlashCommandParse; the token is
// compared in constant time.
func (g *Gateway) mattermost(w http.ResponseWriter, r *http.Request) {
	a := ask{door: command.Chat, platform: "mattermost", remote: r.RemoteAddr}
	body, ok := g.chatBody(w, r, &a)
	if !ok {
		return
	}
	token, err := gitstack.ReadSecret(chatconf.MattermostTokenPath(g.KeyDir))
	if err != nil {
		g.Log.Warn().Err(err).Msg("chat-ops: no Mattermost token")
		g.refuseChat(w, r, a, http.StatusServiceUnavailable, "not-set-up", "Mattermost is not set up on this gateway: ring chat setup --mattermost-token-file FILE")
		return
	}
	g.slashCommand(w, r, a, body, token)
}

// chatBody reads a slash command's body, refusing one over maxChatBody.
func (g *Gateway) chatBody(w http.ResponseWriter, r *http.Request, a *ask) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxChatBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		g.refuseChat(w, r, *a, http.StatusRequestEntityTooLarge, "too-large", "the request is over 64 KiB")
		return nil, false
	}
	if err != nil {
		g.refuseChat(w, r, *a, http.StatusBadRequest, "body", "reading the request: "+err.Error())
		return nil, false
	}
	return body, true
}

// slashCommand reads the verified form and answers it. token, for
// Mattermost, is what the form's token must be.
func (g *Gateway) slashCommand(w http.ResponseWriter, r *http.Request, a ask, body, token []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s, err := slack.SlashCommandParse(r)
	if err != nil {
		g.refuseChat(w, r, a, http.StatusBadRequest, "form", "not a slash command form: "+err.Error())
		return
	}
	a.team, a.user, a.text = s.TeamID, s.UserID, s.Text
	a.room = policies.Room{ID: s.ChannelID, Name: s.ChannelName}
	if token != nil {
		// Mattermost's token is what Slack's deprecated verification token
		// was; compared in constant time.
		if subtle.ConstantTimeCompare([]byte(s.Token), token) != 1 {
			g.refuseChat(w, r, a, http.StatusUnauthorized, "token", "the slash command's token is not this gateway's (ring chat setup --mattermost-token-file)")
			return
		}
		if s.TriggerID != "" {
			sum := sha256.Sum256([]byte(s.TriggerID))
			if !g.firstTime(r, "mattermost."+hex.EncodeToString(sum[:16])) {
				g.refuseChat(w, r, a, http.StatusConflict, "replay", "this trigger_id was taken before: a replay")
				return
			}
		}
	}
	if s.ResponseURL != "" {
		conf, _, err := g.ops.conf.Get()
		if err != nil {
			g.Log.Warn().Err(err).Msg("chat-ops: chat.yaml does not load")
		}
		if !chatconf.Allowed(s.ResponseURL, conf.Origins(a.platform)) {
			g.refuseChat(w, r, a, http.StatusBadRequest, "response-url", "response_url is not on an allowed "+a.platform+" origin: nothing was started (ring chat setup --"+a.platform+"-origin)")
			return
		}
		a.reply = reply{Kind: a.platform, URL: s.ResponseURL}
	}
	ans := g.handle(r.Context(), a)
	writeJSON(w, http.StatusOK, chatAnswer{ResponseType: "ephemeral", Text: chatText(ans)})
}

// chatText is what a person reads: the answer, and the usage line when
// the command was malformed.
func chatText(ans answer) string {
	if ans.decision == events.DecisionDeny {
		return "⛔ " + ans.text
	}
	return ans.text
}

// firstTime records key in the seen bucket; false when it was there (a
// replay). A bucket that cannot answer refuses too.
func (g *Gateway) firstTime(r *http.Request, key string) bool {
	_, err := g.ops.seen.Create(r.Context(), key, []byte(r.RemoteAddr))
	if err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		g.Log.Warn().Err(err).Msg("chat-ops: replay check")
	}
	return err == nil
}

// refuseChat answers a request that never reached the policy, and records it.
func (g *Gateway) refuseChat(w http.ResponseWriter, r *http.Request, a ask, status int, rule, text string) {
	ans := refusedAnswer(status, rule, "%s", text)
	g.audit(r.Context(), a, nil, ans)
	g.Log.Info().Str("platform", a.platform).Str("remote", a.remote).Int("status", status).Str("reason", text).Msg("chat request refused")
	http.Error(w, text, status)
}
