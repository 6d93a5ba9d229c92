#!/usr/bin/env bash
# bench-cells.sh — a build matrix spread over builder processes: each run
# is a fresh `ring up --services repo-publisher` (embedded NATS and S3, so
# nothing is cached) plus N separate builder processes (bin/builder, own
# work directory, one cell at a time each, every distro), and `ring build`
# of the stack, timed from the command to its publications.
#   - synthetic: 40 short cells (20 components × 2 distros, each a 3 s sleep
#     in its toolchain container) with 1, 2 and 4 builders: the scaling curve;
#   - demo (unless --no-demo): the demo stack with 1 and 2 builders (in the
#     order --demo gives, e.g. --demo "2 1" to see whether order matters).
# All builders share this machine's cores and Docker, so the curve shows
# what spreading cells costs and gains here, not what more machines add.
#
# Usage: infra/bench/bench-cells.sh [--no-demo] [--builders "1 2 4"] [--demo "1 2"]
# Example: infra/bench/bench-cells.sh --no-demo
# Example: infra/bench/bench-cells.sh --builders "" --demo "2 1"
# BENCH_LOGS=DIR keeps each run's `ring build` output there.
set -euo pipefail
demo=1 counts="1 2 4" demos="1 2"
while [[ $# -gt 0 ]]; do
	case "$1" in
	--no-demo) demo=0 ;;
	--builders) counts="$2"; shift ;;
	--demo) demos="$2"; shift ;;
	-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "bench-cells.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
[[ -x bin/ring && -x bin/builder ]] || { echo "no bin/ring or bin/builder: run make build" >&2; exit 1; }
work="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
export RING_DEB_CACHE="${RING_DEB_CACHE:-$HOME/.local/share/ringmaster/cache/debs}"
bin/ring image build >/dev/null # the toolchains exist before anything is timed

# The synthetic stack: 20 components, each a 3 s cell on both distros.
stacks="$work/stacks"
mkdir -p "$stacks/cells40/src"
echo cell >"$stacks/cells40/src/README"
{
	echo "name: cells40"
	echo "distros: [debian-12, debian-11]"
	echo "components:"
	for i in $(seq -w 1 20); do
		cat <<-YAML
		  - name: cell$i
		    version: "1.0"
		    summary: a short synthetic cell
		    license: MIT
		    maintainer: Bench <bench@example.org>
		    sources: [{dir: src}]
		    build:
		      image: toolchain
		      commands: ["sleep 3", "mkdir -p \$OUT/share && cp README \$OUT/share/"]
		    install: [{src: share/README, dst: /usr/share/cell$i/README}]
		YAML
	done
} >"$stacks/cells40/stack.yaml"
cp -r infra/stacks/demo "$stacks/demo"

# run STACK N: prints the seconds of a cold build of STACK with N builders.
run() {
	local stack="$1" n="$2" home="$work/home-$1-$2" t0 t1
	RING_HOME="$home" bin/ring up --services repo-publisher --nats-listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 --log-level warn >"$home.log" 2>&1 &
	local up=$!
	pids+=("$up")
	for _ in $(seq 200); do [[ -s "$home/endpoints.json" ]] && break; sleep 0.1; done
	[[ -s "$home/endpoints.json" ]] || { echo "ring up did not start"; cat "$home.log"; exit 1; }
	local nats s3
	nats=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nats"])' "$home/endpoints.json")
	s3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["s3"])' "$home/endpoints.json")
	local bs=()
	for i in $(seq "$n"); do
		RING_HOME="$home" RING_NATS_URL="$nats" RING_S3_URL="$s3" RING_S3_CREDENTIALS="$home/s3-credentials.json" \
			RING_STACKS="$stacks" RING_WORK_DIR="$home/builder-$i" RING_BUILD_PARALLEL=1 RING_LOG_LEVEL=warn \
			bin/builder >"$home/builder-$i.log" 2>&1 &
		bs+=("$!")
		pids+=("$!")
	done
	t0=$(date +%s.%N)
	RING_HOME="$home" RING_STACKS="$stacks" bin/ring build --stack "$stack" >"$home/build.log" 2>&1 || { echo "ring build failed:"; tail -20 "$home/build.log"; exit 1; }
	t1=$(date +%s.%N)
	if [[ -n ${BENCH_LOGS:-} ]]; then mkdir -p "$BENCH_LOGS" && cp "$home/build.log" "$BENCH_LOGS/build-$stack-$n.log"; fi
	kill "${bs[@]}" "$up" 2>/dev/null || true
	wait "${bs[@]}" "$up" 2>/dev/null || true
	echo "$t1 - $t0" | bc
}

echo "# bench-cells $(date -u +%FT%TZ) commit $(git rev-parse --short HEAD) cores $(nproc) load:$(uptime | sed 's/.*load average://')"
declare -A took
for n in $counts; do
	took[$n]=$(run cells40 "$n")
	printf 'cells40 (40 cells of 3 s), %d builder(s): %.1f s\n' "$n" "${took[$n]}"
done
first=${counts%% *}
for n in $counts; do
	printf 'cells40 speedup with %d builder(s) vs %d: %.2f×\n' "$n" "$first" "$(echo "${took[$first]} / ${took[$n]}" | bc -l)"
done
if [[ $demo == 1 ]]; then
	declare -A demo_took
	for n in $demos; do
		demo_took[$n]=$(run demo "$n")
		printf 'demo, %d builder(s): %.1f s (load:%s)\n' "$n" "${demo_took[$n]}" "$(uptime | sed 's/.*load average://')"
	done
	if [[ -n ${demo_took[1]:-} && -n ${demo_took[2]:-} ]]; then
		printf 'demo, 2 builders vs 1: %.2f×\n' "$(echo "${demo_took[1]} / ${demo_took[2]}" | bc -l)"
	fi
fi
echo "load after:$(uptime | sed 's/.*load average://')"
