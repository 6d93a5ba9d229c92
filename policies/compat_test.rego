package ringmaster.compat_test

import data.ringmaster.compat

# Facts of their own, so measured results written into compat.json later do
# not change what these tests mean.
facts := {
	"version": 1,
	"known_good": [{
		"pair": [{"component": "zookeeper", "version": "3.8.0"}, {"component": "redis", "version": "7.0.15"}],
		"run": "0b5e2c7a-1111-4222-8333-944445555666", "date": "2026-10-27", "distros": ["debian-12"],
	}],
	"known_bad": [
		{
			"pair": [{"component": "zookeeper", "version": "3.5.0"}, {"component": "redis", "version": "7.0.0"}],
			"reason": "sessions are lost",
			"source": "https://issues.example.org/SESSIONS-1",
		},
		{
			"pair": [{"component": "zookeeper", "version": "3.8.0"}, {"component": "redis", "version": "6.0.98"}],
			"reason": "failed on debian-12: redis/replica-catches-up-after-restart: no data",
			"run": "fedcba98-7654-4321-8000-000000000000", "date": "2026-10-26", "distros": ["debian-12"],
		},
	],
	"versions": {"zookeeper": {"min": "3.4.0", "max": "3.9.99"}, "redis": {"min": "6.0.0", "max": "7.2.99"}},
	"roles": {"zookeeper": {"odd": true, "min": 3}, "redis": {"min": 1}},
	"memory": {"machine_mb": 24576, "per_node_min_mb": {"zookeeper": 256, "redis": 128}},
	"distros": {"zookeeper": ["debian-12"], "redis": ["debian-12", "debian-11"]},
}

good := {
	"stack": "fixture",
	"components": {"zookeeper": "3.8.0", "redis": "7.0.15"},
	"distro": "debian-12",
	"roles": {"zookeeper": 3, "redis": 1},
	"nodes": 3,
	"kerberos": true,
	"memory_mb_per_node": 1024,
}

rules(inp) := {r.rule | some r in compat.deny with input as inp with data.compat as facts}

# --- version comparison ---

test_version_cmp if {
	compat.version_cmp("3.8.0", "3.8.0") == 0
	compat.version_cmp("3.8", "3.8.0") == 0
	compat.version_cmp("3.10.0", "3.9.99") == 1
	compat.version_cmp("3.9.99", "3.10.0") == -1
	compat.version_cmp("7.0.15", "7.0.9") == 1
	compat.version_cmp("3.4.14", "3.5") == -1
	compat.version_cmp("3.9.1-rc1", "3.9.1") == 0
}

test_valid_version if {
	compat.valid_version("3.8.0")
	compat.valid_version("3.9.1-rc1")
	not compat.valid_version("latest")
	not compat.valid_version("3..8")
}

# --- whole decisions ---

test_good_cluster_allowed if {
	compat.allow with input as good with data.compat as facts
	count(compat.deny) == 0 with input as good with data.compat as facts
}

test_decision_shape if {
	d := compat.decision with input as json.patch(good, [{"op": "replace", "path": "/roles/zookeeper", "value": 2}]) with data.compat as facts
	d.allow == false
	some r in d.deny
	r.rule == "zk-odd-ensemble"
	r.message == "ZooKeeper needs an odd ensemble of at least 3 nodes; 2 were requested"
}

test_even_ensemble_denied if {
	rules(json.patch(good, [{"op": "replace", "path": "/roles/zookeeper", "value": 4}, {"op": "replace", "path": "/nodes", "value": 4}])) == {"zk-odd-ensemble"}
}

test_single_zk_denied if {
	"zk-odd-ensemble" in rules(json.patch(good, [{"op": "replace", "path": "/roles/zookeeper", "value": 1}]))
}

test_zk_without_role_denied if {
	"zk-odd-ensemble" in rules(json.remove(good, ["roles/zookeeper"]))
}

test_five_node_ensemble_allowed if {
	rules(json.patch(good, [{"op": "replace", "path": "/roles/zookeeper", "value": 5}, {"op": "replace", "path": "/nodes", "value": 5}])) == set()
}

test_role_more_than_nodes_denied if {
	"role-nodes" in rules(json.patch(good, [{"op": "replace", "path": "/nodes", "value": 1}]))
}

test_version_too_new_denied if {
	rules(json.patch(good, [{"op": "replace", "path": "/components/zookeeper", "value": "3.10.0"}])) == {"version-range"}
}

test_version_too_old_denied if {
	"version-range" in rules(json.patch(good, [{"op": "replace", "path": "/components/redis", "value": "5.0.14"}]))
}

test_version_at_bounds_allowed if {
	rules(json.patch(good, [{"op": "replace", "path": "/components/zookeeper", "value": "3.9.99"}])) == set()
	rules(json.patch(good, [{"op": "replace", "path": "/components/redis", "value": "6.0.0"}])) == set()
}

test_version_invalid_denied if {
	rules(json.patch(good, [{"op": "replace", "path": "/components/redis", "value": "latest"}])) == {"version-invalid"}
}

test_unknown_component_denied if {
	"version-unknown-component" in rules(json.patch(good, [{"op": "add", "path": "/components/hbase", "value": "2.5.0"}]))
}

test_known_bad_pair_denied if {
	inp := json.patch(good, [
		{"op": "replace", "path": "/components/zookeeper", "value": "3.5.0"},
		{"op": "replace", "path": "/components/redis", "value": "7.0.0"},
	])
	rules(inp) == {"known-bad-pair"}
	some r in compat.deny with input as inp with data.compat as facts
	r.message == "zookeeper 3.5.0 and redis 7.0.0 are known not to work together: sessions are lost (source: https://issues.example.org/SESSIONS-1)"
}

test_measured_bad_pair_says_which_sweep if {
	inp := json.patch(good, [{"op": "replace", "path": "/components/redis", "value": "6.0.98"}])
	some r in compat.deny with input as inp with data.compat as facts
	r.rule == "known-bad-pair"
	r.message == "zookeeper 3.8.0 and redis 6.0.98 are known not to work together: failed on debian-12: redis/replica-catches-up-after-restart: no data (measured by sweep fedcba98 on 2026-10-26)"
}

test_provenance if {
	compat.provenance({"run": "0b5e2c7a-1111", "date": "2026-10-27"}) == "measured by sweep 0b5e2c7a on 2026-10-27"
	compat.provenance({"run": "short", "date": "2026-10-27"}) == "measured by sweep short on 2026-10-27"
	compat.provenance({"source": "https://example.org/x"}) == "source: https://example.org/x"
	compat.provenance({}) == "no source given"
}

test_half_of_bad_pair_allowed if {
	rules(json.patch(good, [{"op": "replace", "path": "/components/redis", "value": "7.0.0"}])) == set()
}

test_wrong_distro_denied if {
	# redis is packaged for debian-11, zookeeper is not
	rules(json.patch(good, [{"op": "replace", "path": "/distro", "value": "debian-11"}])) == {"distro"}
}

test_too_much_memory_denied if {
	rules(json.patch(good, [{"op": "replace", "path": "/memory_mb_per_node", "value": 9000}])) == {"memory-total"}
}

test_memory_exactly_machine_allowed if {
	rules(json.patch(good, [{"op": "replace", "path": "/memory_mb_per_node", "value": 8192}])) == set()
}

test_memory_held_by_running_clusters if {
	# 3 × 1024 = 3072 MB of the facts' 24576: 21504 MB held leaves too little.
	rules(json.patch(good, [{"op": "add", "path": "/committed_mb", "value": 21505}])) == {"memory-available"}
	rules(json.patch(good, [{"op": "add", "path": "/committed_mb", "value": 21504}])) == set()
	# A cluster bigger than the machine is memory-total's alone.
	rules(json.patch(good, [{"op": "replace", "path": "/memory_mb_per_node", "value": 9000}, {"op": "add", "path": "/committed_mb", "value": 1000}])) == {"memory-total"}
	# What is left is counted from the measured machine when there is one.
	rules(json.patch(good, [{"op": "add", "path": "/machine_mb", "value": 65536}, {"op": "add", "path": "/committed_mb", "value": 63000}])) == {"memory-available"}
}

test_measured_machine_memory_wins if {
	small := json.patch(good, [{"op": "add", "path": "/machine_mb", "value": 2048}])
	rules(small) == {"memory-total"}
	rules(json.patch(small, [{"op": "replace", "path": "/memory_mb_per_node", "value": 512}])) == set()
	rules(json.patch(good, [{"op": "add", "path": "/machine_mb", "value": 0}])) == set()
	rules(json.patch(good, [{"op": "replace", "path": "/memory_mb_per_node", "value": 9000}, {"op": "add", "path": "/machine_mb", "value": 65536}])) == set()
}

test_too_little_memory_per_node_denied if {
	rules(json.patch(good, [{"op": "replace", "path": "/memory_mb_per_node", "value": 200}])) == {"memory-per-node"}
}

test_kerberos_needs_zk_35 if {
	old := json.patch(good, [{"op": "replace", "path": "/components/zookeeper", "value": "3.4.14"}])
	rules(old) == {"kerberos-zk-version"}
	rules(json.patch(old, [{"op": "replace", "path": "/kerberos", "value": false}])) == set()
}

test_no_nodes_denied if {
	"nodes" in rules(json.remove(good, ["nodes"]))
}
