#!/usr/bin/env bash
# bench-chatops.sh — chat-ops benchmarks (issue #15):
#   1. slash command → ephemeral answer: signed Slack slash commands at a
#      fixed rate against the gateway (verify, replay check, grammar, the
#      authorization decision, the audit fact, the run record and the
#      commands in JetStream), a developer's accepted build and a reader's
#      denied one (services/gateway/cmd/chatbench);
#   2. authorization decisions per second and their p99, through the
#      Authorizer (go test -bench in policies/), and the same request
#      through the opa CLI as the peer: `opa eval` once per decision (what a
#      script or sidecar that shells out pays) and `opa bench` (OPA's own
#      evaluation loop). OPA v1.20.2 is built from the Go module proxy into
#      a temporary directory; nothing of it is kept.
#
# Usage:
#   infra/bench/bench-chatops.sh [--rate N] [--duration D] [--count N] [--evals N] [--no-peer]
# Examples:
#   infra/bench/bench-chatops.sh                    # 50 requests/s for 20 s, 3 runs, 50 opa evals
#   infra/bench/bench-chatops.sh --rate 100 --no-peer
set -euo pipefail
source "$(dirname "$0")/opa-lib.sh"
QUERY="data.ringmaster.authz.decision"
rate=50 duration=20s count=3 evals=50 peer=1
while [[ $# -gt 0 ]]; do
	case "$1" in
	--rate) rate="$2"; shift ;;
	--duration) duration="$2"; shift ;;
	--count) count="$2"; shift ;;
	--evals) evals="$2"; shift ;;
	--no-peer) peer=0 ;;
	-h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench-chatops.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ), $(git -C "$root" describe --always --dirty)"

echo
echo "== 1. slash command → ephemeral answer"
(cd "$root/services/gateway" && go run ./cmd/chatbench --rate "$rate" --duration "$duration" --roles "$root/infra/authz/roles.yaml")

echo
echo "== 2. authorization decisions (policies/authz.rego, a developer destroying one of their clusters), $count runs"
cd "$root/policies"
go test -run '^$' -bench '^BenchmarkAuthorizeLatency$' -benchtime 5000x -cpu 1 -count "$count" . | tee "$work/go.txt"
metric() { awk -v u="$1" '$1 ~ /^BenchmarkAuthorizeLatency/ { for (i = 3; i <= NF; i++) if ($i == u) print $(i-1) }' "$work/go.txt"; }
ours=$(metric decisions/s | sort -g | tail -1)
p99=$(metric p99-µs | sort -g | head -1)
printf "  %-46s %10.0f\n  %-46s %10.0f\n" "Authorizer decisions/s (best, 1 core)" "$ours" "Authorizer p99 µs (best run)" "$p99"

[[ $peer == 1 ]] || exit 0
echo
echo "== peer: the opa CLI ($OPA_MODULE), query $QUERY, the same data and input"
opa_install "$work" || exit 0
AUTHZ_DOCS="$work" go test -run '^TestAuthzDocuments$' -count 1 . >/dev/null
"$work/bin/opa" eval -d "$root/policies/authz.rego" -d "$work/data.json" -i "$work/input.json" -f raw "$QUERY" > "$work/opa-decision.json"
echo "  opa eval says: $(cut -c1-160 "$work/opa-decision.json")"
start=$(date +%s.%N)
for _ in $(seq "$evals"); do
	"$work/bin/opa" eval -d "$root/policies/authz.rego" -d "$work/data.json" -i "$work/input.json" -f raw "$QUERY" >/dev/null
done
end=$(date +%s.%N)
bench=$("$work/bin/opa" bench -f gobench --metrics=false --count "$count" -d "$root/policies/authz.rego" -d "$work/data.json" -i "$work/input.json" "$QUERY" |
	awk '$1 ~ /^BenchmarkOPAEval/ { print 1e9 / $3 }' | sort -g | tail -1)
awk -v s="$start" -v e="$end" -v n="$evals" -v ours="$ours" -v bench="$bench" 'BEGIN {
	per = (e - s) / n
	printf "  %-46s %10.1f ms (%.0f decisions/s)\n", "opa eval, one process per decision", per * 1000, 1 / per
	printf "  %-46s %10.0f\n", "opa bench decisions/s", bench
	printf "  ratio Authorizer / opa eval: %.0fx; Authorizer / opa bench: %.2fx\n", ours * per, ours / bench
}'
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
