#!/usr/bin/env bash
# bench-cluster.sh — provisioner figures for docs/benchmarks.md: a fresh
# 3-node demo cluster (ZooKeeper ensemble + Redis primary/replicas, packages
# installed with apt-get from the signed repository) from cluster.create to
# cluster.ready, against the same cluster started from a snapshot (Hadoocker's
# preloaded images). Images must exist or are built first (not timed).
#
# Usage: infra/bench/bench-cluster.sh [RUNS]      (default: 3)
# Example: infra/bench/bench-cluster.sh 5
set -euo pipefail
runs="${1:-3}"
[[ "$runs" == -h || "$runs" == --help ]] && { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
. infra/bench/cluster-lib.sh
extra_cleanup() { docker image ls -q 'ringmaster/snapshot:bench-*' | xargs -r docker image rm -f >/dev/null 2>&1 || true; }
setup_demo node toolchain toolchain-java

# ready NAME ARGS…: creates a cluster and prints the seconds the provisioner
# measured from the command to the last probe.
ready() {
	local name=$1; shift
	"$ring" cluster create "$name" "$@" >"$work/create.log" 2>&1 || { cat "$work/create.log"; exit 1; }
	sed -n 's/.*ready: .* nodes in \([0-9.]*\)s$/\1/p' "$work/create.log"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "== fresh 3-node cluster, $runs runs"
fresh=()
for i in $(seq "$runs"); do
	s=$(ready "bench-fresh-$i" -n 3); fresh+=("$s"); echo "  run $i: $s s"
	[[ $i == 1 ]] && "$ring" cluster snapshot "bench-fresh-1" --as bench-snap >/dev/null
	"$ring" cluster destroy "bench-fresh-$i" >/dev/null
done
echo "== the same cluster from a snapshot, $runs runs"
snap=()
for i in $(seq "$runs"); do
	s=$(ready "bench-snap-$i" --from bench-snap); snap+=("$s"); echo "  run $i: $s s"
	"$ring" cluster destroy "bench-snap-$i" >/dev/null
done
f=$(printf '%s\n' "${fresh[@]}" | median)
s=$(printf '%s\n' "${snap[@]}" | median)
printf 'fresh 3-node cluster: median %.1f s (target < 60 s); from a snapshot: median %.1f s (target < 15 s); snapshot is %.1f× faster (target ≥ 5×)\n' \
	"$f" "$s" "$(echo "$f / $s" | bc -l)"
