#!/usr/bin/env bash
# bench-build.sh — builder figures for docs/benchmarks.md: image builds
# (cached), a cold build of a stack's matrix with cells in parallel and one
# by one, and the no-op rebuild (every cell found by its build key).
#
# Usage: infra/bench/bench-build.sh [STACK]      (default: demo)
# Example: infra/bench/bench-build.sh fixture
set -euo pipefail
stack="${1:-demo}"
[[ "$stack" == -h || "$stack" == --help ]] && { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
work="$(mktemp -d)"
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
(cd tools/ring && go build -o "$work/ring" .)
export RING_DEB_CACHE="${RING_DEB_CACHE:-$HOME/.local/share/ringmaster/cache/debs}"

secs() { local t0 t1; t0=$(date +%s.%N); "$@" >"$work/last.log" 2>&1 || { cat "$work/last.log"; exit 1; }; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }

echo "== images (cold builds happen here once per machine; then cached)"
first=$(secs "$work/ring" image build)
cached=$(secs "$work/ring" image build)
printf 'ring image build (all recipes × distros): first %.1f s, again %.2f s\n' "$first" "$cached"

up() { # $1: home, $2: parallel
	RING_HOME="$1" RING_BUILD_PARALLEL="$2" "$work/ring" up --nats-listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 --metrics 127.0.0.1:0 --log-level warn >"$1.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do [[ -s "$1/endpoints.json" ]] && return; sleep 0.1; done
	echo "ring up did not start"; cat "$1.log"; exit 1
}
down() { kill "$pid"; wait "$pid" || true; pid=""; }

echo "== cold build of $stack, cells in parallel (cores: $(nproc))"
up "$work/par" "$(nproc)"
par=$(RING_HOME="$work/par" secs "$work/ring" build --stack "$stack")
noop=$(RING_HOME="$work/par" secs "$work/ring" build --stack "$stack")
down
echo "== cold build of $stack, one cell at a time"
up "$work/seq" 1
seq=$(RING_HOME="$work/seq" secs "$work/ring" build --stack "$stack")
down
printf '%s: cold, parallel %.1f s; cold, one by one %.1f s; speedup %.2f×; no-op rebuild %.2f s (target < 2 s)\n' \
	"$stack" "$par" "$seq" "$(echo "$seq / $par" | bc -l)" "$noop"
