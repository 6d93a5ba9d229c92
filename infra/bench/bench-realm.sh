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
	"$ring" cluster create "$c" -n 1 --role redis=1 --memory 256 >"$work/c.log" 2>&1 || { cat "$work/c.log"; exit 1; }
done
t1=$(date +%s.%N)
for c in old-prod old-staging new-prod new-staging; do
	"$ring" realm create "$(echo "$c" | tr a-z A-Z)" --cluster "$c" >/dev/null
done
"$ring" realm trust OLD-PROD OLD-STAGING NEW-PROD NEW-STAGING --topology mesh >/dev/null
t2=$(date +%s.%N)
"$ring" cluster exec old-prod -- sh -c 'kinit -kt /etc/ringmaster/tester.keytab tester@OLD-PROD && kvno host/node1.new-staging.ring@NEW-STAGING'
printf 'four 1-node clusters: %.1f s; four realms + mesh trust: %.1f s; together %.1f s (target < 90 s)\n' \
	"$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$t2 - $t0" | bc)"
