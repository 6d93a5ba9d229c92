package forge

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"testing"
)

const (
	ghHead  = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	ghHead2 = "34c5c7793cb3b279e22454cb6750c80560547b3a"
)

var (
	ghURLs = []string{
		"https://github.com/Codertocat/Hello-World.git", "git@github.com:Codertocat/Hello-World.git",
		"https://github.com/Codertocat/Hello-World", "git://github.com/Codertocat/Hello-World.git",
	}
	glDiaspora = []string{"http://example.com/mike/diaspora.git", "git@example.com:mike/diaspora.git", "http://example.com/mike/diaspora"}
	glExample  = []string{"http://example.com/jsmith/example.git", "git@example.com:jsmith/example.git",
		"http://example.com/jsmith/example", "ssh://git@example.com/jsmith/example.git"}
	glTest    = []string{"http://example.com/gitlabhq/gitlab-test.git", "git@example.com:gitlabhq/gitlab-test.git", "http://example.com/gitlabhq/gitlab-test"}
	gtWebhook = []string{"http://localhost:3000/gitea/webhooks.git", "ssh://gitea@localhost:2222/gitea/webhooks.git", "http://localhost:3000/gitea/webhooks"}
	fjWebhook = []string{"http://localhost:3000/forgejo/webhooks.git", "ssh://gitea@localhost:2222/forgejo/webhooks.git", "http://localhost:3000/forgejo/webhooks"}
)

// TestParseSamples: each recorded delivery is detected as its forge and
// parses into the Delivery the forge's documentation says it means.
func TestParseSamples(t *testing.T) {
	for _, tc := range []struct {
		dir, name string
		want      Delivery
	}{
		{"github", "push", Delivery{Forge: "github", Event: "push", ID: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
			Kind: KindPush, RepoURLs: ghURLs, RepoName: "Codertocat/Hello-World", Ref: "refs/heads/main",
			Branch: "main", Commit: ghHead, Sender: "Codertocat"}},
		{"github", "tag_push", Delivery{Forge: "github", Event: "push", ID: "7e1b9a40-7730-11ef-8a0c-3e1b4b9f2a51",
			Kind: KindTag, RepoURLs: ghURLs, RepoName: "Codertocat/Hello-World", Ref: "refs/tags/v1.0.0",
			Tag: "v1.0.0", Commit: ghHead, Sender: "Codertocat"}}, // head_commit, not the tag object in "after"
		{"github", "branch_delete", Delivery{Forge: "github", Event: "push", ID: "0b6f3a20-7731-11ef-9f4a-5a2c7e0d1b62",
			Kind: KindPush, RepoURLs: ghURLs, RepoName: "Codertocat/Hello-World", Ref: "refs/heads/changes",
			Branch: "changes", Deleted: true, Sender: "Codertocat"}},
		{"github", "ping", Delivery{Forge: "github", Event: "ping", ID: "e05eb1f2-fbc7-11e3-8e1d-423f213c5718",
			Kind: KindPing, RepoURLs: ghURLs, RepoName: "Codertocat/Hello-World", Sender: "Codertocat"}},
		{"github", "pull_request_opened", Delivery{Forge: "github", Event: "pull_request", ID: "a9c8e1f0-7731-11ef-8b9e-1d3f5c7a9b04",
			Kind: KindPullRequest, RepoURLs: ghURLs, RepoName: "Codertocat/Hello-World", HeadRepoName: "Codertocat/Hello-World",
			Ref: "refs/pull/2/head", Branch: "changes", Commit: ghHead, PR: 2, PRAction: ActionOpened, Sender: "Codertocat"}},
		{"github", "pull_request_synchronize", Delivery{Forge: "github", Event: "pull_request", ID: "c1d2e3f4-7731-11ef-9a8b-7c6d5e4f3a21",
			Kind: KindPullRequest, RepoURLs: ghURLs, RepoName: "Codertocat/Hello-World", HeadRepoName: "Octocoder/Hello-World",
			Ref: "refs/pull/2/head", Branch: "changes", Commit: ghHead2, PR: 2, PRAction: ActionSynchronize, Sender: "Codertocat"}},
		{"github", "pull_request_closed", Delivery{Forge: "github", Event: "pull_request", ID: "d4e5f6a7-7731-11ef-8c7d-2b3a4c5d6e7f",
			Kind: KindPullRequest, RepoURLs: ghURLs, RepoName: "Codertocat/Hello-World", HeadRepoName: "Codertocat/Hello-World",
			Ref: "refs/pull/2/head", Branch: "changes", Commit: ghHead2, PR: 2, PRAction: ActionClosed, Merged: true, Sender: "Codertocat"}},

		{"gitlab", "push", Delivery{Forge: "gitlab", Event: "Push Hook", ID: "f5e5f430-f57b-4e6e-9fac-d9128cd7232f",
			Kind: KindPush, RepoURLs: glDiaspora, RepoName: "mike/diaspora", Ref: "refs/heads/master", Branch: "master",
			Commit: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", Sender: "jsmith"}},
		{"gitlab", "branch_delete", Delivery{Forge: "gitlab", Event: "Push Hook", ID: "3b5d7f9a-1c2e-4f4a-8b6c-8d0e2f4a6b8c",
			Kind: KindPush, RepoURLs: glDiaspora, RepoName: "mike/diaspora", Ref: "refs/heads/feature", Branch: "feature",
			Deleted: true, Sender: "jsmith"}},
		{"gitlab", "tag_push", Delivery{Forge: "gitlab", Event: "Tag Push Hook", ID: "5d7f9b1c-3e4a-4b6c-8d8e-0f2a4b6c8d0e",
			Kind: KindTag, RepoURLs: glExample, RepoName: "jsmith/example", Ref: "refs/tags/v1.0.0", Tag: "v1.0.0",
			Commit: "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7", Sender: "jsmith"}},
		{"gitlab", "merge_request_open", Delivery{Forge: "gitlab", Event: "Merge Request Hook", ID: "7f9b1d3e-5a6c-4d8e-8f0a-2b4c6d8e0f2a",
			Kind: KindPullRequest, RepoURLs: glTest, RepoName: "gitlabhq/gitlab-test", HeadRepoName: "awesome_space/awesome_project",
			Ref: "refs/merge-requests/1/head", Branch: "ms-viewport", Commit: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
			PR: 1, PRAction: ActionOpened, Sender: "root"}},
		{"gitlab", "merge_request_update", Delivery{Forge: "gitlab", Event: "Merge Request Hook", ID: "9b1d3f5a-7c8e-4f0a-8b2c-4d6e8f0a2b4c",
			Kind: KindPullRequest, RepoURLs: glTest, RepoName: "gitlabhq/gitlab-test", HeadRepoName: "awesome_space/awesome_project",
			Ref: "refs/merge-requests/1/head", Branch: "ms-viewport", Commit: "0f2f1a7e9e1b3c5d7f9a1b3c5d7e9f1a3b5c7d9e",
			PR: 1, PRAction: ActionSynchronize, Sender: "root"}},

		{"gitea", "push", Delivery{Forge: "gitea", Event: "push", ID: "f6266f16-1bf3-46a5-9ea4-602e06ead473",
			Kind: KindPush, RepoURLs: gtWebhook, RepoName: "gitea/webhooks", Ref: "refs/heads/develop", Branch: "develop",
			Commit: "bffeb74224043ba2feb48d137756c8a9331c449a", Sender: "gitea"}},
		{"gitea", "pull_request", Delivery{Forge: "gitea", Event: "pull_request", ID: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
			Kind: KindPullRequest, RepoURLs: gtWebhook, RepoName: "gitea/webhooks", HeadRepoName: "gitea/webhooks",
			Ref: "refs/pull/3/head", Branch: "feature/faster-builds", Commit: "5a5ed1e7ab2b3c4d5e6f708192a3b4c5d6e7f809",
			PR: 3, PRAction: ActionOpened, Sender: "gitea"}},
		{"gitea", "pull_request_synchronized", Delivery{Forge: "gitea", Event: "pull_request", ID: "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e",
			Kind: KindPullRequest, RepoURLs: gtWebhook, RepoName: "gitea/webhooks", HeadRepoName: "gitea/webhooks",
			Ref: "refs/pull/3/head", Branch: "feature/faster-builds", Commit: "6b6fe2f8bc3c4d5e6f708192a3b4c5d6e7f8091a",
			PR: 3, PRAction: ActionSynchronize, Sender: "gitea"}},
		{"github", "issue_comment", Delivery{Forge: "github", Event: "issue_comment", ID: "5b2c9e70-7732-11ef-8d1a-4e2b6c8d0f13",
			Kind: KindComment, RepoURLs: ghURLs, RepoName: "Codertocat/Hello-World", PR: 2, Sender: "Codertocat",
			Comment: &Comment{ID: 492700400, Body: "Looks good to me.\n/ring retest", Author: "Codertocat", Created: true, Issue: 2, PullRequest: true,
				URL: "https://github.com/Codertocat/Hello-World/pull/2#issuecomment-492700400"}}},
		{"gitlab", "note_merge_request", Delivery{Forge: "gitlab", Event: "Note Hook", ID: "4d6f8a0c-2e3b-4c5d-8e7f-9a0b1c2d3e4f",
			Kind: KindComment, RepoURLs: glTest, RepoName: "gitlabhq/gitlab-test", PR: 1, Sender: "root",
			Comment: &Comment{ID: 1244, Body: "/ring retest", Author: "root", Created: true, Issue: 1, PullRequest: true,
				Commit: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", URL: "http://example.com/gitlabhq/gitlab-test/-/merge_requests/1#note_1244"}}},
		{"gitea", "issue_comment", Delivery{Forge: "gitea", Event: "issue_comment", ID: "3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a",
			Kind: KindComment, RepoURLs: gtWebhook, RepoName: "gitea/webhooks", PR: 3, Sender: "gitea",
			Comment: &Comment{ID: 31, Body: "/ring status", Author: "gitea", Created: true, Issue: 3, PullRequest: true,
				URL: "http://localhost:3000/gitea/webhooks/pulls/3#issuecomment-31"}}},
		{"gitea", "forgejo_push", Delivery{Forge: "gitea", Event: "push", ID: "2c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e6f",
			Kind: KindPush, RepoURLs: fjWebhook, RepoName: "forgejo/webhooks", Ref: "refs/heads/develop", Branch: "develop",
			Commit: "bffeb74224043ba2feb48d137756c8a9331c449a", Sender: "forgejo"}},
	} {
		t.Run(tc.dir+"/"+tc.name, func(t *testing.T) {
			h, body := sample(t, tc.dir, tc.name)
			forge, err := Detect(h)
			if err != nil || forge != tc.dir {
				t.Fatalf("Detect = %q, %v; want %q", forge, err, tc.dir)
			}
			got, err := Parse(forge, h, body, []byte(testSecret))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			sum := sha256.Sum256(body)
			tc.want.Digest = hex.EncodeToString(sum[:])
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

// TestForgejoOnlyHeaders: a delivery carrying only Forgejo's names for
// the event, delivery and signature headers parses like one with Gitea's.
func TestForgejoOnlyHeaders(t *testing.T) {
	h, body := sample(t, "gitea", "forgejo_push")
	want, err := Parse("gitea", h, body, []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	for name := range h {
		if name != "X-Forgejo-Event" && name != "X-Forgejo-Delivery" && name != "X-Forgejo-Signature" && name != "Content-Type" {
			h.Del(name)
		}
	}
	if f, err := Detect(h); f != "gitea" || err != nil {
		t.Fatalf("Detect = %q, %v", f, err)
	}
	got, err := Parse("gitea", h, body, []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Forgejo headers only:\n%+v\nwant\n%+v", got, want)
	}
	if len(h) != 4 {
		t.Errorf("Parse changed the caller's headers: %v", h)
	}
}

// TestParseVariants: actions and refs the samples do not show, made by
// changing a sample body and signing it again.
func TestParseVariants(t *testing.T) {
	for _, tc := range []struct {
		name, dir, sample string
		change            func(map[string]any)
		check             func(*testing.T, Delivery)
	}{
		{"github reopened", "github", "pull_request_opened", func(m map[string]any) { m["action"] = "reopened" },
			func(t *testing.T, d Delivery) { expect(t, d.PRAction, ActionReopened) }},
		{"github labeled is other", "github", "pull_request_opened", func(m map[string]any) { m["action"] = "labeled" },
			func(t *testing.T, d Delivery) { expect(t, d.PRAction, ActionOther) }},
		{"github closed unmerged", "github", "pull_request_closed", func(m map[string]any) { obj(m, "pull_request")["merged"] = false },
			func(t *testing.T, d Delivery) {
				expect(t, d.PRAction, ActionClosed)
				if d.Merged {
					t.Error("Merged")
				}
			}},
		{"github tag delete", "github", "tag_push", func(m map[string]any) {
			m["after"], m["deleted"], m["head_commit"] = "0000000000000000000000000000000000000000", true, nil
		}, func(t *testing.T, d Delivery) {
			expect(t, d.Kind, KindTag)
			if !d.Deleted || d.Commit != "" {
				t.Errorf("Deleted %v Commit %q", d.Deleted, d.Commit)
			}
		}},
		{"github push of another ref kind is ignored", "github", "push", func(m map[string]any) { m["ref"] = "refs/notes/commits" },
			func(t *testing.T, d Delivery) {
				expect(t, d.Kind, KindIgnored)
				if d.RepoURLs != nil || d.Sender != "" || d.Ref != "" || d.ID == "" || d.Digest == "" {
					t.Errorf("an ignored delivery holds %+v", d)
				}
			}},
		{"gitlab merge", "gitlab", "merge_request_open", func(m map[string]any) { obj(m, "object_attributes")["action"] = "merge" },
			func(t *testing.T, d Delivery) {
				expect(t, d.PRAction, ActionClosed)
				if !d.Merged {
					t.Error("not Merged")
				}
			}},
		{"gitlab close", "gitlab", "merge_request_open", func(m map[string]any) { obj(m, "object_attributes")["action"] = "close" },
			func(t *testing.T, d Delivery) { expect(t, d.PRAction, ActionClosed) }},
		{"gitlab reopen", "gitlab", "merge_request_open", func(m map[string]any) { obj(m, "object_attributes")["action"] = "reopen" },
			func(t *testing.T, d Delivery) { expect(t, d.PRAction, ActionReopened) }},
		{"gitlab update without oldrev is other", "gitlab", "merge_request_update", func(m map[string]any) { delete(obj(m, "object_attributes"), "oldrev") },
			func(t *testing.T, d Delivery) { expect(t, d.PRAction, ActionOther) }},
		{"gitlab approved is other", "gitlab", "merge_request_open", func(m map[string]any) { obj(m, "object_attributes")["action"] = "approved" },
			func(t *testing.T, d Delivery) { expect(t, d.PRAction, ActionOther) }},
		{"gitea closed merged", "gitea", "pull_request", func(m map[string]any) {
			m["action"] = "closed"
			obj(m, "pull_request")["merged"] = true
		}, func(t *testing.T, d Delivery) {
			expect(t, d.PRAction, ActionClosed)
			if !d.Merged {
				t.Error("not Merged")
			}
		}},
		{"gitea branch delete", "gitea", "push", func(m map[string]any) {
			m["after"], m["commits"], m["head_commit"] = "0000000000000000000000000000000000000000", []any{}, nil
		}, func(t *testing.T, d Delivery) {
			if !d.Deleted || d.Commit != "" || d.Kind != KindPush {
				t.Errorf("%+v", d)
			}
		}},
		{"gitea tag takes head_commit", "gitea", "push", func(m map[string]any) {
			m["ref"], m["after"] = "refs/tags/v2.0", "a10867b14bb761a232cd80139fbd4c0d33264240"
		}, func(t *testing.T, d Delivery) {
			expect(t, d.Tag, "v2.0")
			expect(t, d.Commit, "bffeb74224043ba2feb48d137756c8a9331c449a")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, body := sample(t, tc.dir, tc.sample)
			body = mutate(t, body, tc.change)
			sign(h, body, testSecret)
			d, err := Parse(tc.dir, h, body, []byte(testSecret))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, d)
		})
	}
}

func expect(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
