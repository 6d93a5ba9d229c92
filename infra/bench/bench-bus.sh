#!/usr/bin/env bash
# bench-bus.sh — end-to-end bus benchmark (services/kit/cmd/busbench), the
# overhead of the command metrics on it (without and with, alternating, same
# run) and, with --peer, a comparison with raw JetStream measured by `nats
# bench` (natscli v0.5.0, run through `go run`; nothing of it is vendored).
#
# Usage:
#   infra/bench/bench-bus.sh [--peer] [--events N] [--overhead-rounds N] [-- busbench flags...]
# Examples:
#   infra/bench/bench-bus.sh                      # busbench: throughput + 1,000 events/s latency
#   infra/bench/bench-bus.sh --peer --events 100000
#   infra/bench/bench-bus.sh -- --markdown --concurrency 16,64
#   infra/bench/bench-bus.sh --overhead-rounds 0  # leave out the metrics overhead
set -euo pipefail

NATSCLI="github.com/nats-io/natscli/nats@v0.5.0"
peer=0 events=100000 overhead_rounds=15 extra=()
while [[ $# -gt 0 ]]; do
	case "$1" in
	--peer) peer=1 ;;
	--events) events="$2"; shift ;;
	--overhead-rounds) overhead_rounds="$2"; shift ;;
	-h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; extra=("$@"); break ;;
	*) echo "bench-bus.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done

root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
server_pid=""
cleanup() {
	[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$root/services/kit" && go build -o "$work/busbench" ./cmd/busbench)

echo "== busbench (embedded NATS, file storage)"
"$work/busbench" --events "$events" "${extra[@]}"

if [[ $overhead_rounds -gt 0 ]]; then
	echo
	echo "== metrics overhead: $overhead_rounds rounds without and with the command metrics, in pairs back to back (/metrics scraped every 15 s while on)"
	"$work/busbench" --metrics-overhead "$overhead_rounds" --events $((events / 10)) --concurrency 16,64 --markdown
fi

echo
echo "== idle memory of ring up (embedded NATS + S3 + every service, 10 s after start)"
(cd "$root/tools/ring" && go build -o "$work/ring" .)
RING_HOME="$work/home" "$work/ring" up --nats-listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 --metrics 127.0.0.1:0 --log-level warn >"$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 100); do [[ -s "$work/home/endpoints.json" ]] && break; sleep 0.1; done
sleep 10
rss_kib=$(awk '/^VmRSS/{print $2}' "/proc/$up_pid/status")
kill -TERM "$up_pid"; wait "$up_pid" || true
printf 'ring up idle RSS: %d MiB (target < 100 MiB)\n' $((rss_kib / 1024))

[[ $peer == 1 ]] || exit 0

echo
echo "== peer: raw JetStream via nats bench ($NATSCLI) against one embedded server"
"$work/busbench" --serve --dir "$work/js" >"$work/url" 2>"$work/serve.err" &
server_pid=$!
for _ in $(seq 50); do [[ -s "$work/url" ]] && break; sleep 0.1; done
url="$(head -1 "$work/url")"
[[ -n "$url" ]] || { cat "$work/serve.err" >&2; exit 1; }

# Ours on this server: the best events/s with done markers off and on.
"$work/busbench" --url "$url" --events "$events" --skip latency "${extra[@]}" | tee "$work/ours.txt"
ours_off=$(awk '$1=="off"{ if ($4>m) m=$4 } END{print m+0}' "$work/ours.txt")
ours_on=$(awk '$1=="on"{ if ($4>m) m=$4 } END{print m+0}' "$work/ours.txt")

# `go run` from an empty directory so no workspace or module applies.
nats() { (cd "$work" && GOWORK=off GOFLAGS= go run "$NATSCLI" -s "$url" "$@"); }
rate() { sed -n 's/.*stats: \([0-9,]*\) msgs\/sec.*/\1/p' | tail -1 | tr -d ,; }
pub=$(nats bench js pub async bench.peer --create --storage file --dedup --msgs "$events" --size 128B --no-progress 2>&1 | tee "$work/pub.txt" | rate)
con=$(nats bench js consume --acks explicit --msgs "$events" --no-progress 2>&1 | tee "$work/con.txt" | rate)
[[ -n "$pub" && -n "$con" ]] || { echo "could not read nats bench output:" >&2; cat "$work/pub.txt" "$work/con.txt" >&2; exit 1; }

awk -v pub="$pub" -v con="$con" -v off="$ours_off" -v on="$ours_on" 'BEGIN {
	serial = 1 / (1/pub + 1/con)
	printf "\nraw JetStream (%s, file storage, 128 B, Nats-Msg-Id):\n", "nats bench"
	printf "  async publish            %10.0f msgs/s\n", pub
	printf "  consume + explicit ack   %10.0f msgs/s\n", con
	printf "  publish then consume     %10.0f msgs/s  (1 / (1/pub + 1/consume))\n", serial
	printf "\nours end to end (publish → Worker handler → ack):\n"
	printf "  done markers off         %10.0f events/s  = %.2f of publish, %.2f of consume, %.2f of publish-then-consume\n", off, off/pub, off/con, off/serial
	printf "  done markers on          %10.0f events/s  = %.2f of publish, %.2f of consume, %.2f of publish-then-consume\n", on, on/pub, on/con, on/serial
}'
