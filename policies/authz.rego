# Authorization of chat-ops, forge comment and REST requests (issue #15).
#
# input: {
#   identity: {platform, team, user, name, groups: [..], roles: [..]},
#             platform slack | mattermost | github | gitlab | gitea | rest;
#             name and groups come from the identity mapping
#             ($RING_HOME/keys/authz/identities.yaml), roles from a REST token
#   verb:     a verb of the grammar (ringmaster.dev/kit/command): "build",
#             "cluster destroy", …
#   target:   {stack, channel, from, to, cluster, protected, realms}
#   room:     {id, name}: the channel, room or pull request it came from
# }
# data.authz: infra/authz/roles.yaml — roles and what they include, groups
# and their roles and cluster prefixes, the release channels, the rooms
# that may ask for changes.
#
# decision: {allow, grant: {rule, message} when allowed,
#            deny: [{rule, message, allow_by}] when not} — every denial
# names its rule and what would allow the request.
package ringmaster.authz

cfg := data.authz

# The least role each verb needs; "" is anyone, even an unmapped identity.
verb_role := {
	"help": "",
	"status": "reader",
	"repo list": "reader",
	"cluster list": "reader",
	"runs show": "reader",
	"runs list": "reader",
	"build": "developer",
	"promote": "developer",
	"cluster create": "developer",
	"cluster destroy": "developer",
	"test run": "developer",
	"sweep run": "developer",
	"retest": "developer",
	"dlq retry": "developer",
	"realm trust": "release",
	"realm untrust": "release",
	"audit": "release",
}

# Verbs that change something: only from the rooms roles.yaml lists, if
# it lists any for the platform.
changes := {"build", "promote", "cluster create", "cluster destroy", "test run", "sweep run", "retest", "dlq retry", "realm trust", "realm untrust"}

release_channels := {c | some c in object.get(cfg, "release_channels", ["stable"])}

# --- who has which role ---------------------------------------------------

_groups := {g | some g in object.get(input.identity, "groups", [])}

_granted contains r if some r in object.get(input.identity, "roles", [])

_granted contains r if {
	some g in _groups
	some r in object.get(object.get(cfg.groups, g, {}), "roles", [])
}

_includes[r] := object.get(def, "includes", []) if some r, def in cfg.roles

# roles: the granted roles and every role they include.
roles contains r if {
	some reached in graph.reachable(_includes, _granted)
	r := reached
}

_have := concat(", ", sort([r | some r in roles])) if count(roles) > 0

else := "none"

_id := sprintf("%s:%s/%s", [input.identity.platform, input.identity.team, input.identity.user]) if {
	input.identity.team != ""
} else := sprintf("%s:%s", [input.identity.platform, input.identity.user])

_who := sprintf("%s (%s)", [input.identity.name, _id]) if {
	input.identity.name != ""
} else := _id

# _how says how someone gets role r.
_how(r) := sprintf("a token with role %s (ring token create %s --role %s)", [r, input.identity.user, r]) if {
	input.identity.platform == "rest"
} else := sprintf("a group with role %s for %s (ring chat setup --map; groups in roles.yaml)", [r, _who])

# --- what the request needs --------------------------------------------------

# needed is the role the request needs: release for anything that puts
# packages into a release channel, else the verb's.
needed := "release" if {
	input.verb == "promote"
	input.target.to in release_channels
} else := "release" if {
	input.verb == "build"
	input.target.channel in release_channels
} else := verb_role[input.verb]

_into_release if {
	input.verb == "promote"
	input.target.to in release_channels
}

_into_release if {
	input.verb == "build"
	input.target.channel in release_channels
}

# --- the rules -----------------------------------------------------------------

deny contains {
	"rule": "unknown-verb",
	"message": sprintf("%q is no verb Ringmaster takes", [input.verb]),
	"allow_by": "a verb that help lists",
} if not verb_role[input.verb]

deny contains {
	"rule": "release-channel",
	"message": sprintf("%s to %s needs role release; you have %s", [input.verb, _channel, _have]),
	"allow_by": sprintf("%s, or another channel than %s", [_how("release"), concat(", ", sort([c | some c in release_channels]))]),
} if {
	_into_release
	not "release" in roles
}

_channel := input.target.to if input.verb == "promote"

else := input.target.channel

deny contains {
	"rule": "role-required",
	"message": sprintf("%s needs role %s; you have %s", [input.verb, needed, _have]),
	"allow_by": _how(needed),
} if {
	not _into_release
	needed != ""
	not needed in roles
}

# Developers name their clusters with their prefix; release may name any.
prefixes contains p if {
	some g in _groups
	t := object.get(object.get(cfg.groups, g, {}), "cluster_prefix", "{name}-")
	input.identity.name != ""
	p := replace(t, "{name}", input.identity.name)
}

# A REST token's user names clusters the default way: name, then a dash.
prefixes contains p if {
	count(object.get(input.identity, "roles", [])) > 0
	input.identity.name != ""
	p := concat("", [input.identity.name, "-"])
}

deny contains {
	"rule": "cluster-prefix",
	"message": sprintf("developers %s clusters whose name starts with their prefix (%s); %s does not", [_act, _prefix_list, input.target.cluster]),
	"allow_by": sprintf("a name starting with %s, or role release", [_prefix_list]),
} if {
	input.verb in {"cluster create", "cluster destroy"}
	"developer" in roles
	not "release" in roles
	not _own_cluster
}

_act := "create" if input.verb == "cluster create"

else := "destroy"

_prefix_list := concat(" or ", sort([p | some p in prefixes])) if count(prefixes) > 0

else := "none: no name in the identity mapping"

_own_cluster if {
	some p in prefixes
	startswith(input.target.cluster, p)
}

deny contains {
	"rule": "cluster-protected",
	"message": sprintf("cluster %s is labelled protected: nobody may destroy it through chat-ops or the REST API", [input.target.cluster]),
	"allow_by": sprintf("an operator on the Ringmaster host: ring cluster destroy %s --force", [input.target.cluster]),
} if {
	input.verb == "cluster destroy"
	input.target.protected == true
}

_rooms := object.get(object.get(cfg, "rooms", {}), input.identity.platform, [])

deny contains {
	"rule": "room-not-allowed",
	"message": sprintf("%s changes something, and changes are taken only in %s", [input.verb, concat(", ", _rooms)]),
	"allow_by": sprintf("asking in one of them, or room %s under rooms.%s in roles.yaml", [object.get(input.room, "id", ""), input.identity.platform]),
} if {
	input.verb in changes
	count(_rooms) > 0
	not object.get(input.room, "id", "") in _rooms
	not object.get(input.room, "name", "") in _rooms
}

# --- the decision ----------------------------------------------------------------

default allow := false

allow if {
	verb_role[input.verb]
	count(deny) == 0
}

allow if {
	verb_role[input.verb] == ""
	count(deny) == 0
}

grant := {"rule": "anyone", "message": sprintf("anyone may ask %s", [input.verb])} if {
	allow
	needed == ""
} else := {"rule": sprintf("role-%s", [needed]), "message": sprintf("%s may %s; you have %s", [needed, input.verb, _have])} if allow

decision := {"allow": allow, "grant": grant, "deny": deny} if allow

else := {"allow": false, "deny": deny}
