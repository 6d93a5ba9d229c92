package ringmaster.authz_test

import data.ringmaster.authz

roles := {
	"version": 1,
	"roles": {"reader": {}, "developer": {"includes": ["reader"]}, "release": {"includes": ["developer"]}},
	"groups": {
		"readers": {"roles": ["reader"]},
		"developers": {"roles": ["developer"], "cluster_prefix": "{name}-"},
		"release-engineers": {"roles": ["release"]},
	},
	"release_channels": ["stable"],
	"rooms": {"mattermost": ["town-square"]},
}

who(groups) := {"platform": "slack", "team": "T1", "user": "U1", "name": "alice", "groups": groups, "roles": []}

req(groups, verb, target) := {"identity": who(groups), "verb": verb, "target": target, "room": {"id": "C1", "name": "ci"}}

decide(inp) := d if {
	d := authz.decision with input as inp with data.authz as roles
}

rules(inp) := {r.rule | some r in decide(inp).deny}

test_reader_may_read if {
	every verb in ["status", "repo list", "cluster list", "runs show", "runs list"] {
		decide(req(["readers"], verb, {})).allow
	}
}

test_anyone_may_ask_help if {
	d := decide({"identity": {"platform": "slack", "team": "T9", "user": "U9", "name": "", "groups": [], "roles": []}, "verb": "help", "target": {}, "room": {}})
	d.allow
	d.grant.rule == "anyone"
}

test_unmapped_identity_may_not_read if {
	inp := {"identity": {"platform": "slack", "team": "T9", "user": "U9", "name": "", "groups": [], "roles": []}, "verb": "status", "target": {}, "room": {}}
	rules(inp) == {"role-required"}
	some r in decide(inp).deny
	r.message == "status needs role reader; you have none"
}

test_reader_may_not_build if {
	d := decide(req(["readers"], "build", {"stack": "fixture"}))
	not d.allow
	some r in d.deny
	r.rule == "role-required"
	r.message == "build needs role developer; you have reader"
}

test_developer_builds_tests_sweeps if {
	every verb in ["build", "test run", "sweep run", "retest", "status"] {
		decide(req(["developers"], verb, {"stack": "fixture", "cluster": "x"})).allow
	}
	decide(req(["developers"], "build", {"stack": "fixture"})).grant.rule == "role-developer"
}

test_promote_to_stable_needs_release if {
	inp := req(["developers"], "promote", {"from": "nightly", "to": "stable"})
	rules(inp) == {"release-channel"}
	some r in decide(inp).deny
	r.message == "promote to stable needs role release; you have developer, reader"
	decide(req(["release-engineers"], "promote", {"from": "nightly", "to": "stable"})).allow
	decide(req(["developers"], "promote", {"from": "nightly", "to": "testing"})).allow
}

test_build_into_stable_needs_release if {
	rules(req(["developers"], "build", {"stack": "demo", "channel": "stable"})) == {"release-channel"}
	decide(req(["developers"], "build", {"stack": "demo", "channel": "nightly"})).allow
}

test_realm_trust_is_release_only if {
	rules(req(["developers"], "realm trust", {"realms": ["A", "B"]})) == {"role-required"}
	rules(req(["developers"], "realm untrust", {"realms": ["A", "B"]})) == {"role-required"}
	decide(req(["release-engineers"], "realm trust", {"realms": ["A", "B"]})).allow
}

test_cluster_prefix if {
	decide(req(["developers"], "cluster create", {"cluster": "alice-zk"})).allow
	decide(req(["developers"], "cluster destroy", {"cluster": "alice-zk"})).allow
	inp := req(["developers"], "cluster destroy", {"cluster": "bob-zk"})
	rules(inp) == {"cluster-prefix"}
	some r in decide(inp).deny
	r.message == "developers destroy clusters whose name starts with their prefix (alice-); bob-zk does not"
	decide(req(["release-engineers"], "cluster destroy", {"cluster": "bob-zk"})).allow
}

test_nobody_destroys_a_protected_cluster if {
	every groups in [["developers"], ["release-engineers"], ["developers", "release-engineers"]] {
		"cluster-protected" in rules(req(groups, "cluster destroy", {"cluster": "alice-prod", "protected": true}))
	}
	decide(req(["developers"], "cluster create", {"cluster": "alice-prod", "protected": true})).allow
}

test_rooms if {
	inp := {"identity": object.union(who(["developers"]), {"platform": "mattermost"}), "verb": "build", "target": {"stack": "demo"}, "room": {"id": "x1", "name": "random"}}
	rules(inp) == {"room-not-allowed"}
	ok := object.union(inp, {"room": {"id": "x2", "name": "town-square"}})
	decide(ok).allow
	read := object.union(inp, {"verb": "status"})
	decide(read).allow
}

test_token_developer_prefix if {
	dev := {"platform": "rest", "team": "", "user": "carol", "name": "carol", "groups": [], "roles": ["developer"]}
	decide({"identity": dev, "verb": "cluster destroy", "target": {"cluster": "carol-zk"}, "room": {}}).allow
	rules({"identity": dev, "verb": "cluster destroy", "target": {"cluster": "zk"}, "room": {}}) == {"cluster-prefix"}
}

test_token_roles if {
	inp := {"identity": {"platform": "rest", "team": "", "user": "carol", "name": "carol", "groups": [], "roles": ["release"]}, "verb": "audit", "target": {}, "room": {}}
	decide(inp).allow
}

test_unknown_verb if {
	rules(req(["release-engineers"], "deploy", {})) == {"unknown-verb"}
}

# The dashboard's dead-letter retry: a developer's token may, a reader's may not.
test_dlq_retry_needs_developer if {
	dev := {"platform": "rest", "team": "", "user": "carol", "name": "carol", "groups": [], "roles": ["developer"]}
	decide({"identity": dev, "verb": "dlq retry", "target": {}, "room": {}}).allow
	reader := object.union(dev, {"roles": ["reader"]})
	rules({"identity": reader, "verb": "dlq retry", "target": {}, "room": {}}) == {"role-required"}
}
