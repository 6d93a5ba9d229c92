#!/usr/bin/env bash
# bench-policy.sh — benchmarks of the compatibility policy (issue #6): the Go
# Checker's decisions/s and single-decision latency (go test -bench in
# policies/), then the same policy, data and input through the real OPA CLI,
# `opa bench` (OPA v1.20.2 built from the Go module proxy into a temporary
# directory; nothing of it is kept).
#
# Usage:
#   infra/bench/bench-policy.sh [--count N] [--decisions N] [--no-peer]
#     --count N       runs of each benchmark (default 3); best and range are printed
#     --decisions N   decisions timed by the latency benchmark (default 20000)
#     --no-peer       skip opa bench
set -euo pipefail

source "$(dirname "$0")/opa-lib.sh"
QUERY="data.ringmaster.compat.decision"
count=3 decisions=20000 peer=1
while [[ $# -gt 0 ]]; do
	case "$1" in
	--count) count="$2"; shift ;;
	--decisions) decisions="$2"; shift ;;
	--no-peer) peer=0 ;;
	-h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench-policy.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done

root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root/policies"

# metric FILE BENCHMARK UNIT: the values of UNIT on BENCHMARK's lines.
metric() { awk -v n="$2" -v u="$3" '$1 == n { for (i = 3; i <= NF; i++) if ($i == u) print $(i-1) }' "$1"; }
# summary LABEL high|low: best (highest or lowest) of the values on stdin and their range.
summary() {
	sort -g | awk -v label="$1" -v better="$2" '{ v[NR] = $1 } END {
		if (NR == 0) { printf "  %-50s no result\n", label; exit }
		best = better == "high" ? v[NR] : v[1]
		printf "  %-50s %10.0f   (%d runs: %.0f to %.0f)\n", label, best, NR, v[1], v[NR]
	}'
}
best() { sort -g | if [[ $1 == high ]]; then tail -1; else head -1; fi; }

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== go test -bench (policies/), $count runs each"
go test -run '^$' -bench '^Benchmark(Check|CheckParallel|CachedCheck)$' -benchmem -cpu 1,2 -count "$count" . | tee "$work/go.txt"
go test -run '^$' -bench '^BenchmarkCheckLatency$' -benchtime "${decisions}x" -cpu 1 -count "$count" . | tee "$work/lat.txt"

echo
echo "== Checker (uncached unless said), load average now $(cut -d' ' -f1-3 /proc/loadavg)"
metric "$work/go.txt" BenchmarkCheck decisions/s | summary "decisions/s, 1 core (GOMAXPROCS=1)" high
metric "$work/go.txt" BenchmarkCheck-2 decisions/s | summary "decisions/s, one caller, GOMAXPROCS=2" high
metric "$work/go.txt" BenchmarkCheckParallel-2 decisions/s | summary "decisions/s, 2 callers, GOMAXPROCS=2" high
metric "$work/lat.txt" BenchmarkCheckLatency p50-µs | summary "p50 µs, $decisions decisions (mostly denied)" low
metric "$work/lat.txt" BenchmarkCheckLatency p99-µs | summary "p99 µs, $decisions decisions (mostly denied)" low
metric "$work/go.txt" BenchmarkCachedCheck decisions/s | summary "decisions/s through Cache (all hits)" high
ours=$(metric "$work/go.txt" BenchmarkCheck decisions/s | best high)
p99=$(metric "$work/lat.txt" BenchmarkCheckLatency p99-µs | best low)
awk -v d="${ours:-0}" -v p="${p99:-1e9}" 'BEGIN {
	printf "  targets: >= 50,000 decisions/s: %s; p99 < 1,000 µs: %s\n", (d >= 50000 ? "met" : "missed"), (p < 1000 ? "met" : "missed")
}'

[[ $peer == 1 ]] || exit 0

echo
echo "== peer: opa bench ($OPA_MODULE), query $QUERY, $count runs each"
opa_install "$work" || exit 0
go run ./internal/benchdocs -o "$work" -data "$root/infra/compat/compat.json" -input "$root/infra/compat/examples/zk3.json"
# opa_rate DATA INPUT: the best decisions/s of opa bench over the policy.
opa_rate() {
	"$work/bin/opa" bench -f gobench --metrics=false --count "$count" \
		-d "$root/policies/compat.rego" -d "$work/$1" -i "$work/$2" "$QUERY" |
		awk '$1 ~ /^BenchmarkOPAEval/ { print 1e9 / $3 }' | best high
}
raw=$(opa_rate data.json input.json)
prepared=$(opa_rate data-checker.json input-checker.json)
awk -v ours="$ours" -v raw="$raw" -v prep="$prepared" 'BEGIN {
	printf "  %-50s %10.0f\n", "opa bench, data and input as given", raw
	printf "  %-50s %10.0f\n", "opa bench, with the Checker'"'"'s index and versions", prep
	printf "  %-50s %10.0f\n", "Checker (BenchmarkCheck, 1 core)", ours
	printf "  ratio Checker / opa bench: %.1fx (as given), %.1fx (same documents)\n", ours / raw, ours / prep
}'
echo "  (same machine, one after the other; opa bench asks for the decision object, the Checker for deny)"
