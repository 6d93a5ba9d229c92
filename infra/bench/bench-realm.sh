#!/usr/bin/env bash
# bench-realm.sh — kerberos-realm figures for docs/benchmarks.md: four
# one-node clusters, four realms and mesh trust between them (the seed's
# old-prod / old-staging / new-prod / new-staging), images present; then
# one cross-realm kvno to prove the result works.
#
# Usage: infra/bench/bench-realm.sh
set -euo pipefail
[[ "${1:-}" == -h || "${1:-}" == --help ]] && { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
. infra/bench/cluster-lib.sh
setup_demo node kdc toolchain toolchain-java

t0=$(date +%s.%N)
for c in old-prod old-staging new-prod new-staging; do
	"$ring" cluster create "bench-$c" -n 1 --role redis=1 --memory 256 >"$work/c.log" 2>&1 || { cat "$work/c.log"; exit 1; }
done
t1=$(date +%s.%N)
for c in old-prod old-staging new-prod new-staging; do
	"$ring" realm create "BENCH-$(echo "$c" | tr a-z A-Z)" --cluster "bench-$c" >/dev/null
done
"$ring" realm trust BENCH-OLD-PROD BENCH-OLD-STAGING BENCH-NEW-PROD BENCH-NEW-STAGING --topology mesh >/dev/null
t2=$(date +%s.%N)
"$ring" cluster exec bench-old-prod -- sh -c 'kinit -kt /etc/ringmaster/tester.keytab tester@BENCH-OLD-PROD && kvno host/node1.bench-new-staging.ring@BENCH-NEW-STAGING'
printf 'four 1-node clusters: %.1f s; four realms + mesh trust: %.1f s; together %.1f s (target < 90 s)\n' \
	"$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$t2 - $t0" | bc)"
