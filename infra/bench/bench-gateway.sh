#!/usr/bin/env bash
# bench-gateway.sh — the gateway's benchmarks (issue #14):
#   1. webhook intake: signed GitHub push deliveries at a fixed rate against
#      the gateway (verify, check, store the command in JetStream, 202) and,
#      in the same run, a bare net/http handler that only checks the HMAC;
#   2. push → green: with the images present, a push of the fixture stack
#      from git (git daemon on loopback) to its last green commit status —
#      the first push, a push changing one component, a README-only push.
#
# Usage:
#   infra/bench/bench-gateway.sh [--rate N] [--duration D] [--no-push]
# Examples:
#   infra/bench/bench-gateway.sh                     # 200 requests/s for 20 s each, then push → green
#   infra/bench/bench-gateway.sh --rate 400 --no-push
set -euo pipefail
rate=200 duration=20s push=1
while [[ $# -gt 0 ]]; do
	case "$1" in
	--rate) rate="$2"; shift ;;
	--duration) duration="$2"; shift ;;
	--no-push) push=0 ;;
	-h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench-gateway.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done
root="$(cd "$(dirname "$0")/../.." && pwd)"
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $(date -u +%FT%TZ), $(git -C "$root" describe --always --dirty)"
echo "== 1. webhook intake"
(cd "$root/services/gateway" && go run ./cmd/hookbench --rate "$rate" --duration "$duration")
if [[ $push == 1 ]]; then
	echo "== 2. push → green status (fixture stack from git, images present)"
	(cd "$root/tools/ring" && go test -tags integration -run '^$' -bench PushToGreen -benchtime 1x -timeout 60m . | grep -E 'Benchmark|ok|FAIL')
fi
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
