# Compatibility gate for a requested cluster (issue #6).
#
# input: {stack, components: {name: version}, distro, roles: {role: node count},
#         nodes, kerberos, memory_mb_per_node}
# data.compat: the facts in infra/compat/compat.json
#
# decision: {allow, deny: [{rule, message}]} — every deny reason carries a
# rule id and a sentence a person understands.
package ringmaster.compat_orig

facts := data.compat

default allow := false

allow if count(deny) == 0

decision := {"allow": allow, "deny": deny}

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

# _key and _bounds are computed once per decision.
_key[name] := vkey(v) if {
	some name, v in input.components
	valid_version(v)
}

_bounds[name] := {"min": vkey(r.min), "max": vkey(r.max)} if {
	some name, _ in input.components
	r := facts.versions[name]
}

deny contains {"rule": "version-unknown-component", "message": msg} if {
	some name, _ in input.components
	not facts.versions[name]
	msg := sprintf("%s is not a known component; known components are %s", [name, _known_components])
}

_known_components := concat(", ", sort([n | some n, _ in facts.versions]))

deny contains {"rule": "version-invalid", "message": msg} if {
	some name, v in input.components
	facts.versions[name]
	not valid_version(v)
	msg := sprintf("%s version %q is not a dotted version number like 3.8.0", [name, v])
}

deny contains {"rule": "version-range", "message": msg} if {
	some name, k in _key
	_bounds[name].min > k
	v := input.components[name]
	r := facts.versions[name]
	msg := sprintf("%s %s is older than the oldest supported version %s (supported: %s to %s)", [name, v, r.min, r.min, r.max])
}

deny contains {"rule": "version-range", "message": msg} if {
	some name, k in _key
	k > _bounds[name].max
	v := input.components[name]
	r := facts.versions[name]
	msg := sprintf("%s %s is newer than the newest supported version %s (supported: %s to %s)", [name, v, r.max, r.min, r.max])
}

# --- known-bad pairs --------------------------------------------------------

deny contains {"rule": "known-bad-pair", "message": msg} if {
	some bad in facts.known_bad
	every m in bad.pair {
		input.components[m.component] == m.version
	}
	names := [sprintf("%s %s", [m.component, m.version]) | some m in bad.pair]
	msg := sprintf("%s are known not to work together: %s (%s)", [concat(" and ", names), bad.reason, _provenance(bad)])
}

# Where the fact came from (added with issue 16, as in compat.rego).
_provenance(fact) := sprintf("measured by sweep %s on %s", [substring(fact.run, 0, 8), fact.date]) if fact.run

else := sprintf("source: %s", [fact.source]) if fact.source

else := "no source given"

# --- role counts ------------------------------------------------------------

deny contains {"rule": "zk-odd-ensemble", "message": msg} if {
	n := input.roles.zookeeper
	r := facts.roles.zookeeper
	_bad_count(n, r)
	msg := sprintf("ZooKeeper needs an odd ensemble of at least %d nodes; %d were requested", [object.get(r, "min", 1), n])
}

deny contains {"rule": "zk-odd-ensemble", "message": msg} if {
	input.components.zookeeper
	not input.roles.zookeeper
	r := facts.roles.zookeeper
	msg := sprintf("ZooKeeper needs an odd ensemble of at least %d nodes; none were requested in roles", [object.get(r, "min", 1)])
}

deny contains {"rule": "role-count", "message": msg} if {
	some role, n in input.roles
	role != "zookeeper"
	r := facts.roles[role]
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

deny contains {"rule": "role-nodes", "message": msg} if {
	some role, n in input.roles
	n > input.nodes
	msg := sprintf("%s asks for %d nodes but the cluster has only %d", [role, n, input.nodes])
}

deny contains {"rule": "nodes", "message": "A cluster needs at least one node; nodes is 0 or missing"} if {
	not _has_nodes
}

_has_nodes if input.nodes >= 1

# --- distros ----------------------------------------------------------------

deny contains {"rule": "distro", "message": msg} if {
	some name, _ in input.components
	facts.versions[name]
	ds := object.get(facts.distros, name, [])
	not input.distro in ds
	msg := sprintf("%s is not available on %s; it is packaged for %s", [name, _distro_name, _list(ds)])
}

_distro_name := input.distro if input.distro != ""
else := "an unnamed distro"

_list(xs) := concat(", ", xs) if count(xs) > 0
else := "no distro yet"

# --- memory -----------------------------------------------------------------

deny contains {"rule": "memory-total", "message": msg} if {
	total := input.nodes * input.memory_mb_per_node
	total > facts.memory.machine_mb
	msg := sprintf("%d nodes × %d MB = %d MB is more than the machine's %d MB", [input.nodes, input.memory_mb_per_node, total, facts.memory.machine_mb])
}

deny contains {"rule": "memory-per-node", "message": msg} if {
	some role, _ in input.roles
	need := facts.memory.per_node_min_mb[role]
	input.memory_mb_per_node < need
	msg := sprintf("%s needs at least %d MB per node; %d MB were requested", [role, need, input.memory_mb_per_node])
}

# --- kerberos (example rule) ------------------------------------------------

deny contains {"rule": "kerberos-zk-version", "message": msg} if {
	input.kerberos == true
	_key.zookeeper < [3, 5, 0, 0]
	v := input.components.zookeeper
	msg := sprintf("Kerberos needs ZooKeeper 3.5 or later (SASL in the ensemble); %s was requested", [v])
}
