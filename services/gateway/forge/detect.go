package forge

import (
	"fmt"
	"net/http"

	"ringmaster.dev/kit/gitstack"
)

// Detect names the forge whose headers h carries: X-Gitea-Event or
// X-Forgejo-Event → gitea (checked first: Gitea and Forgejo also send
// X-GitHub-Event); X-Gitlab-Event → gitlab; X-GitHub-Event → github.
// None → an error matching ErrUnknownForge. Nothing is verified here.
func Detect(h http.Header) (string, error) {
	switch {
	case h.Get("X-Gitea-Event") != "" || h.Get("X-Forgejo-Event") != "":
		return gitstack.Gitea, nil
	case h.Get("X-Gitlab-Event") != "":
		return gitstack.GitLab, nil
	case h.Get("X-GitHub-Event") != "":
		return gitstack.GitHub, nil
	}
	return "", fmt.Errorf("%w: no X-GitHub-Event, X-Gitlab-Event, X-Gitea-Event or X-Forgejo-Event header: point a GitHub, GitLab, Gitea or Forgejo webhook here", ErrUnknownForge)
}
