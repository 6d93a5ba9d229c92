# Compatibility gate for a requested cluster (issue #6).
#
# input: {stack, components: {name: version}, distro, roles: {role: node count},
#         nodes, kerberos, memory_mb_per_node, machine_mb (optional: the
#         memory of the machine the nodes run on, as measured), committed_mb
#         (optional: the memory clusters already running there hold)}
# data.compat: the facts in infra/compat/compat.json; every known_good and
#   known_bad entry says where it came from (run and date, or source)
#
# decision: {allow, deny: [{rule, message}]} — every deny reason carries a
# rule id and a sentence a person understands.
#
# For speed the rules (_deny) read two things made in advance: the index of
# the facts (data.compat_index, `index` below) and the parsed input versions
# (input.version_keys {name: vkey} and input.invalid_versions [name], what
# vkey and valid_version give). The Go Checker stores the index once and
# parses the versions in Go (versions.go); without them (opa eval, the Rego
# tests) deny computes both here and supplies them with `with`.
package ringmaster.compat

facts := data.compat

default allow := false

allow if count(deny) == 0

decision := {"allow": allow, "deny": deny}

# _deny below holds the reasons; deny gives it what it reads.
deny := _deny if _prepared

deny := d if {
	not _prepared
	d := _deny with data.compat_index as index with input as _prepared_input
}

_prepared if {
	data.compat_index
	input.version_keys
	input.invalid_versions
}

# The rules only read named fields of input, so an input that is not an
# object reads like an empty one.
_prepared_input := object.union(_input_object, {
	"version_keys": {name: vkey(v) | some name, v in input.components; valid_version(v)},
	"invalid_versions": [name | some name, v in input.components; not valid_version(v)],
})

_input_object := input if is_object(input)

else := {}

# index is what the rules look up in the facts, keyed the way they look:
# - bounds {name: {min, max}}: the supported versions as vkeys;
# - on_distro {distro: {name: true}}: the components packaged for a distro;
# - bad_pairs {component: {version: [i]}}: known_bad[i] by its first member;
# - bad_other [i]: the known_bad entries without a first member.
index := {
	"bounds": {name: {"min": vkey(r.min), "max": vkey(r.max)} | some name, r in facts.versions},
	"on_distro": {d: _packaged_for(d) | some name, _ in facts.versions; some d in object.get(facts.distros, name, [])},
	"bad_pairs": {c: _bad_by_version(c) | some bad in facts.known_bad; c := bad.pair[0].component},
	"bad_other": [i | some i, bad in facts.known_bad; not bad.pair[0].component],
}

_packaged_for(d) := {name: true | some name, _ in facts.versions; d in object.get(facts.distros, name, [])}

_bad_by_version(c) := {v: _bad_with_first(c, v) |
	some bad in facts.known_bad
	bad.pair[0].component == c
	v := bad.pair[0].version
}

_bad_with_first(c, v) := [i |
	some i, bad in facts.known_bad
	bad.pair[0].component == c
	bad.pair[0].version == v
]

# --- versions ---------------------------------------------------------------

# valid_version is true for dotted numeric versions with an optional suffix
# (3.8.0, 7.0.15, 3.9.1-rc1).
valid_version(v) if regex.match(`^[0-9]+(\.[0-9]+)*([-+~][0-9A-Za-z.+~-]*)?$`, v)

# vkey turns a version into four comparable numbers: the suffix is dropped and
# missing parts are 0 (3.8 == 3.8.0, 3.9.1-rc1 ~ 3.9.1). Keys of equal length
# compare part by part, numerically, with < and >.
vkey(v) := array.slice(array.concat([to_number(p) | some p in split(regex.replace(v, `[-+~].*$`, ""), ".")], [0, 0, 0, 0]), 0, 4)

# version_cmp(a, b) is -1, 0 or 1 comparing a and b part by part, numerically.
version_cmp(a, b) := -1 if vkey(a) < vkey(b)

else := 1 if vkey(a) > vkey(b)

else := 0

version_lt(a, b) if vkey(a) < vkey(b)

version_gt(a, b) if vkey(a) > vkey(b)

_deny contains {"rule": "version-unknown-component", "message": msg} if {
	some name, _ in input.components
	not data.compat.versions[name]
	msg := sprintf("%s is not a known component; known components are %s", [name, _known_components])
}

_known_components := concat(", ", sort([n | some n, _ in facts.versions]))

_deny contains {"rule": "version-invalid", "message": msg} if {
	some name in input.invalid_versions
	data.compat.versions[name]
	v := input.components[name]
	msg := sprintf("%s version %q is not a dotted version number like 3.8.0", [name, v])
}

_deny contains {"rule": "version-range", "message": msg} if {
	some name, k in input.version_keys
	data.compat_index.bounds[name].min > k
	v := input.components[name]
	r := facts.versions[name]
	msg := sprintf("%s %s is older than the oldest supported version %s (supported: %s to %s)", [name, v, r.min, r.min, r.max])
}

_deny contains {"rule": "version-range", "message": msg} if {
	some name, k in input.version_keys
	k > data.compat_index.bounds[name].max
	v := input.components[name]
	r := facts.versions[name]
	msg := sprintf("%s %s is newer than the newest supported version %s (supported: %s to %s)", [name, v, r.max, r.min, r.max])
}

# --- known-bad pairs --------------------------------------------------------

# An entry applies when every member of its pair is requested. The index
# finds the entries by their first member, so a decision only looks at the
# ones that can apply (and at any without a first member).
_deny contains {"rule": "known-bad-pair", "message": _bad_message(bad)} if {
	some name, v in input.components
	some i in data.compat_index.bad_pairs[name][v]
	bad := data.compat.known_bad[i]
	every m in bad.pair {
		input.components[m.component] == m.version
	}
}

_deny contains {"rule": "known-bad-pair", "message": _bad_message(bad)} if {
	some i in data.compat_index.bad_other
	bad := data.compat.known_bad[i]
	every m in bad.pair {
		input.components[m.component] == m.version
	}
}

_bad_message(bad) := sprintf("%s are known not to work together: %s (%s)", [concat(" and ", names), bad.reason, provenance(bad)]) if {
	names := [sprintf("%s %s", [m.component, m.version]) | some m in bad.pair]
}

# provenance says where a fact came from: the sweep that measured it (its run
# id cut to 8 characters, as people read it, and the day) or its source URL.
# The loader (policies.ParseData) refuses facts with neither.
provenance(fact) := sprintf("measured by sweep %s on %s", [substring(fact.run, 0, 8), fact.date]) if fact.run

else := sprintf("source: %s", [fact.source]) if fact.source

else := "no source given"

# --- role counts ------------------------------------------------------------

# A role's node count is bad when it is below the role's minimum (default 1)
# or even where the role needs an odd count: one rule for each.
_deny contains {"rule": "zk-odd-ensemble", "message": _zk_message(r, n)} if {
	n := input.roles.zookeeper
	r := data.compat.roles.zookeeper
	n < object.get(r, "min", 1)
}

_deny contains {"rule": "zk-odd-ensemble", "message": _zk_message(r, n)} if {
	n := input.roles.zookeeper
	r := data.compat.roles.zookeeper
	r.odd == true
	n % 2 == 0
}

_zk_message(r, n) := sprintf("ZooKeeper needs an odd ensemble of at least %d nodes; %d were requested", [object.get(r, "min", 1), n])

_deny contains {"rule": "zk-odd-ensemble", "message": msg} if {
	input.components.zookeeper
	not input.roles.zookeeper
	r := data.compat.roles.zookeeper
	msg := sprintf("ZooKeeper needs an odd ensemble of at least %d nodes; none were requested in roles", [object.get(r, "min", 1)])
}

_deny contains {"rule": "role-count", "message": msg} if {
	some role, n in input.roles
	role != "zookeeper"
	r := data.compat.roles[role]
	_bad_count(n, r)
	msg := sprintf("%s needs %sat least %d nodes; %d were requested", [role, _odd_word(r), object.get(r, "min", 1), n])
}

_bad_count(n, r) if n < object.get(r, "min", 1)

_bad_count(n, r) if {
	r.odd == true
	n % 2 == 0
}

_odd_word(r) := "an odd number of, " if r.odd == true

else := ""

_deny contains {"rule": "role-nodes", "message": msg} if {
	some role, n in input.roles
	n > input.nodes
	msg := sprintf("%s asks for %d nodes but the cluster has only %d", [role, n, input.nodes])
}

# nodes is below 1 or missing (not input.nodes >= 1), one rule for each.
_deny contains {"rule": "nodes", "message": "A cluster needs at least one node; nodes is 0 or missing"} if {
	input.nodes < 1
}

_deny contains {"rule": "nodes", "message": "A cluster needs at least one node; nodes is 0 or missing"} if {
	not input.nodes
}

# --- distros ----------------------------------------------------------------

# The known components that on_distro does not list for the requested distro
# (none are listed for an unknown one). Without input.distro: no reason.
_deny contains {"rule": "distro", "message": msg} if {
	some name, _ in object.remove(input.components, object.get(data.compat_index.on_distro, input.distro, {}))
	data.compat.versions[name]
	ds := object.get(facts.distros, name, [])
	msg := sprintf("%s is not available on %s; it is packaged for %s", [name, _distro_name, _list(ds)])
}

_distro_name := input.distro if input.distro != ""

else := "an unnamed distro"

_list(xs) := concat(", ", xs) if count(xs) > 0

else := "no distro yet"

# --- memory -----------------------------------------------------------------

_deny contains {"rule": "memory-total", "message": msg} if {
	input.nodes * input.memory_mb_per_node > _machine_mb
	total := input.nodes * input.memory_mb_per_node
	msg := sprintf("%d nodes × %d MB = %d MB is more than the machine's %d MB", [input.nodes, input.memory_mb_per_node, total, _machine_mb])
}

# What is left of the machine once the clusters already running on it
# (input.committed_mb, their nodes' limits added up) are counted. Only when
# the cluster fits the machine at all (else memory-total says so).
_deny contains {"rule": "memory-available", "message": msg} if {
	input.committed_mb > 0
	total := input.nodes * input.memory_mb_per_node
	total <= _machine_mb
	total + input.committed_mb > _machine_mb
	msg := sprintf("%d nodes × %d MB = %d MB is more than the %d MB left of the machine's %d MB: running clusters hold %d MB (ring cluster list; stop or destroy one, or ask for less --memory)", [input.nodes, input.memory_mb_per_node, total, _machine_mb - input.committed_mb, _machine_mb, input.committed_mb])
}

# The machine's memory: as measured (input.machine_mb, the Docker host's
# for the provisioner) or else the facts' figure.
_machine_mb := input.machine_mb if input.machine_mb > 0

else := data.compat.memory.machine_mb

_deny contains {"rule": "memory-per-node", "message": msg} if {
	some role, _ in input.roles
	need := data.compat.memory.per_node_min_mb[role]
	input.memory_mb_per_node < need
	msg := sprintf("%s needs at least %d MB per node; %d MB were requested", [role, need, input.memory_mb_per_node])
}

# --- kerberos (example rule) ------------------------------------------------

_deny contains {"rule": "kerberos-zk-version", "message": msg} if {
	input.kerberos == true
	input.version_keys.zookeeper < [3, 5, 0, 0]
	v := input.components.zookeeper
	msg := sprintf("Kerberos needs ZooKeeper 3.5 or later (SASL in the ensemble); %s was requested", [v])
}
