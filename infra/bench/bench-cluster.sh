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
work="$(mktemp -d)"
pid=""
cleanup() {
	[[ -n "$pid" ]] && RING_HOME="$work/home" "$work/ring" cluster destroy --all >/dev/null 2>&1 || true
	[[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	docker image ls -q 'ringmaster/snapshot:bench-*' | xargs -r docker image rm -f >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
(cd tools/ring && go build -o "$work/ring" .)
export RING_DEB_CACHE="${RING_DEB_CACHE:-$HOME/.local/share/ringmaster/cache/debs}"
export RING_HOME="$work/home"
"$work/ring" up --nats-listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 --log-level warn >"$work/up.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [[ -s "$work/home/endpoints.json" ]] && break; sleep 0.1; done

echo "== setup (not timed): images, the demo stack built and published for debian-12"
"$work/ring" image build node toolchain toolchain-java --distro debian-12 >/dev/null
"$work/ring" build --stack demo --distro debian-12 | tail -1

# ready NAME ARGS…: creates a cluster and prints the seconds the provisioner
# measured from the command to the last probe.
ready() {
	local name=$1; shift
	"$work/ring" cluster create "$name" "$@" >"$work/create.log" 2>&1 || { cat "$work/create.log"; exit 1; }
	sed -n 's/.*ready: .* nodes in \([0-9.]*\)s$/\1/p' "$work/create.log"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "== fresh 3-node cluster, $runs runs"
fresh=()
for i in $(seq "$runs"); do
	s=$(ready "bench-fresh-$i" -n 3); fresh+=("$s"); echo "  run $i: $s s"
	[[ $i == 1 ]] && "$work/ring" cluster snapshot "bench-fresh-1" --as bench-snap >/dev/null
	"$work/ring" cluster destroy "bench-fresh-$i" >/dev/null
done
echo "== the same cluster from a snapshot, $runs runs"
snap=()
for i in $(seq "$runs"); do
	s=$(ready "bench-snap-$i" --from bench-snap); snap+=("$s"); echo "  run $i: $s s"
	"$work/ring" cluster destroy "bench-snap-$i" >/dev/null
done
f=$(printf '%s\n' "${fresh[@]}" | median)
s=$(printf '%s\n' "${snap[@]}" | median)
printf 'fresh 3-node cluster: median %.1f s (target < 60 s); from a snapshot: median %.1f s (target < 15 s); snapshot is %.1f× faster (target ≥ 5×)\n' \
	"$f" "$s" "$(echo "$f / $s" | bc -l)"
