#!/usr/bin/env bash
# bench-bus-cluster.sh — the bus on a 3-server JetStream cluster (real
# bin/nats-server processes from the pinned module, routes between them,
# streams with 3 replicas) vs one embedded server, same harness
# (services/kit/cmd/busbench), same run, back to back; prints the ratios.
#
# Usage:
#   infra/bench/bench-bus-cluster.sh [--events N] [--duration D]
# Examples:
#   infra/bench/bench-bus-cluster.sh
#   infra/bench/bench-bus-cluster.sh --events 20000 --duration 5s
set -euo pipefail

events=50000 duration=10s
while [[ $# -gt 0 ]]; do
	case "$1" in
	--events) events="$2"; shift ;;
	--duration) duration="$2"; shift ;;
	-h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench-bus-cluster.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done

root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

[[ -x "$root/bin/nats-server" ]] || { echo "no bin/nats-server: run make build" >&2; exit 1; }
(cd "$root/services/kit" && go build -o "$work/busbench" ./cmd/busbench)

# Six free ports: three client, three route.
mapfile -t ports < <(python3 -c 'import socket
ss=[socket.socket() for _ in range(6)]
[s.bind(("127.0.0.1",0)) for s in ss]
print("\n".join(str(s.getsockname()[1]) for s in ss))')
routes="nats://127.0.0.1:${ports[3]}, nats://127.0.0.1:${ports[4]}, nats://127.0.0.1:${ports[5]}"
urls=""
for i in 0 1 2; do
	n=$((i + 1))
	cat >"$work/n$n.conf" <<CONF
server_name: n$n
listen: 127.0.0.1:${ports[$i]}
jetstream { store_dir: "$work/n$n" }
cluster { name: bench, listen: 127.0.0.1:${ports[$((i + 3))]}, routes: [ $routes ] }
CONF
	"$root/bin/nats-server" -c "$work/n$n.conf" >"$work/n$n.log" 2>&1 &
	pids+=($!)
	urls="${urls:+$urls,}nats://127.0.0.1:${ports[$i]}"
done

run() { "$work/busbench" --events "$events" --concurrency 16,64 --duration "$duration" "$@"; }

echo "== one embedded server (file storage, 1 replica)"
run | tee "$work/single.txt"
echo
echo "== 3-server cluster (file storage, 3 replicas; clients given every seed URL)"
run --url "$urls" | tee "$work/cluster.txt"

best() { awk '$1=="on"{ if ($4>m) m=$4 } END{print m+0}' "$1"; }
p99() { awk '/acked \(at server\)/{v=$(NF-3) " ms"} END{print v}' "$1"; }
awk -v s="$(best "$work/single.txt")" -v c="$(best "$work/cluster.txt")" 'BEGIN {
	printf "\nbest events/s with done markers: single %.0f, cluster %.0f: cluster/single = %.2f\n", s, c, c/s
}'
echo "p99 publish → acked, 1,000 events/s for ${duration}, done markers on: single: $(p99 "$work/single.txt"), cluster: $(p99 "$work/cluster.txt")"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
