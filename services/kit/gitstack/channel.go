package gitstack

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// channelMax is the repo-publisher's longest channel name.
const channelMax = 32

var notChannel = regexp.MustCompile(`[^a-z0-9]+`)

// BranchChannel is the channel of a branch other than the default one:
// branch-<name>, lowercased, with every run of other characters made one
// "-". When that loses information (capitals, "/", "_") or is too long, a
// short hash of the branch name keeps two branches apart: feature/x and
// feature-x do not share a channel.
func BranchChannel(branch string) string {
	return channel("branch-", branch)
}

// PRChannel is the channel of pull (or merge) request n.
func PRChannel(n int) string { return fmt.Sprintf("pr-%d", n) }

func channel(prefix, name string) string {
	slug := strings.Trim(notChannel.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if slug == name && len(prefix)+len(slug) <= channelMax {
		return prefix + slug
	}
	sum := sha256.Sum256([]byte(name))
	tag := hex.EncodeToString(sum[:])[:6]
	room := channelMax - len(prefix) - len(tag) - 1
	if len(slug) > room {
		slug = strings.TrimRight(slug[:room], "-")
	}
	if slug == "" {
		return prefix + tag
	}
	return prefix + slug + "-" + tag
}
