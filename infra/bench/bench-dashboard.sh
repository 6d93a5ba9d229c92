#!/usr/bin/env bash
# bench-dashboard.sh — the dashboard's benchmarks (issue #16):
#   1. the runs page's server time with 10,000 runs in history (target
#      < 50 ms): the records in memory; in the ring_runs bucket of an
#      embedded NATS listed from the gateway's watched cache; and, in the
#      same run as the peer, the same page reading the whole bucket per view
#      (what the page did before the cache);
#   2. a stand-in build (the demo stack's 6 cells, their build.log batches
#      with real CPU work between them, a build.succeeded each) with 0 and
#      with 50 Server-Sent Event streams of its run open on the gateway
#      (goal: the 50 add < 5 % to its wall time). Not the demo stack's real
#      build: that needs the toolchain images.
#
# Usage:
#   infra/bench/bench-dashboard.sh [--count N]
# Examples:
#   infra/bench/bench-dashboard.sh              # 5 runs of each, medians and ratios
#   infra/bench/bench-dashboard.sh --count 9
set -euo pipefail
count=5
while [[ $# -gt 0 ]]; do
	case "$1" in
	--count) count="$2"; shift ;;
	-h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench-dashboard.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $(date -u +%FT%TZ), $(git -C "$root" describe --always --dirty)"
echo "== 1. runs page, 10,000 runs"
(cd "$root/services/gateway" && go test -run '^$' -bench 'RunsPage' -benchtime 20x -count "$count" ./dashboard) | tee "$out/runs.txt" | grep -E '^Benchmark'
echo "== 2. a stand-in build with 0 and 50 event streams open"
# One test binary; 0 and 50 streams back to back in each round, so a change
# of the machine's load between rounds falls on both.
(cd "$root/services/gateway" && go test -c -o "$out/gateway.test" .)
for i in $(seq "$count"); do
	(cd "$root/services/gateway" && "$out/gateway.test" -test.run '^$' -test.bench 'BuildWatched' -test.benchtime 3x -test.timeout 30m) | grep -E '^Benchmark' | tee -a "$out/sse.txt"
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ms() { grep -E "^Benchmark$1-" "$2" | awk '{print $3/1e6}' | median; }
mem=$(ms 'RunsPage' "$out/runs.txt"); cache=$(ms 'RunsPageStore/cache' "$out/runs.txt"); bucket=$(ms 'RunsPageStore/bucket' "$out/runs.txt")
zero=$(ms 'BuildWatched/clients=0' "$out/sse.txt"); fifty=$(ms 'BuildWatched/clients=50' "$out/sse.txt")
# the median of each round's ratio (50 streams / 0)
paired=$(paste <(grep 'clients=0-' "$out/sse.txt" | awk '{print $3}') <(grep 'clients=50-' "$out/sse.txt" | awk '{print $3}') | awk '{print ($2/$1-1)*100}' | median)
echo "== medians of $count"
printf 'runs page, records in memory:           %8.1f ms\n' "$mem"
printf 'runs page, watched cache (the gateway):  %8.1f ms   (target < 50 ms)\n' "$cache"
printf 'runs page, whole bucket per view (peer): %8.1f ms   ratio bucket / cache: %.1fx\n' "$bucket" "$(echo "$bucket $cache" | awk '{print $1/$2}')"
printf 'stand-in build, 0 streams:               %8.1f ms\n' "$zero"
printf 'stand-in build, 50 streams:              %8.1f ms   overhead of the medians: %+.1f %%, median of the rounds: %+.1f %% (goal < 5 %%)\n' "$fifty" "$(echo "$fifty $zero" | awk '{print ($1/$2-1)*100}')" "$paired"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
