#!/usr/bin/env bash
# bench-scaling.sh — the figures docs/scaling.md reasons from, measured with
# the real engines on this machine: KV watch fan-out, the FACTS stream as it
# grows, work-queue commands shared vs routed, S3 objects/s on the embedded
# S3 and on SeaweedFS (services/kit/cmd/scalebench), and publishes/s to one
# channel vs one channel per writer (services/repo-publisher/cmd/channelbench).
# Prints the run's date, load and commit, then the tables. Bounded: about
# 6 minutes on 2 loaded cores; run it once, not in a loop.
#
# SeaweedFS's weed is $RING_WEED, else bin/weed (make weed); without one the
# S3 table has the embedded S3 only.
#
# Usage:
#   infra/bench/bench-scaling.sh [--markdown FILE] [--quick] [-- scalebench flags...]
# Examples:
#   infra/bench/bench-scaling.sh                         # every part, the sizes docs/scaling.md quotes
#   infra/bench/bench-scaling.sh --markdown /tmp/scaling.md
#   infra/bench/bench-scaling.sh --quick                 # smaller sizes, about 2 minutes
#   infra/bench/bench-scaling.sh -- --parts kv,queue     # only those scalebench parts (channelbench still runs)
set -euo pipefail

markdown="" quick=0 extra=()
while [[ $# -gt 0 ]]; do
	case "$1" in
	--markdown) markdown="$2"; shift ;;
	--quick) quick=1 ;;
	-h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; extra=("$@"); break ;;
	*) echo "bench-scaling.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done

root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

header() {
	echo "== $1: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs, commit $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "   uptime: $(uptime)"
}

header "start"
start=$(date +%s)
started="$(date -u '+%Y-%m-%d %H:%M')"
(cd "$root/services/kit" && go build -o "$work/scalebench" ./cmd/scalebench)
(cd "$root/services/repo-publisher" && go build -o "$work/channelbench" ./cmd/channelbench)

args=(--markdown "$work/scale.md")
weed="${RING_WEED:-$root/bin/weed}"
if [[ -x "$weed" ]]; then
	args+=(--weed "$weed")
else
	echo "   no $weed: S3 on SeaweedFS is left out (make weed builds bin/weed)"
fi
chan=(--markdown "$work/channels.md")
if [[ $quick == 1 ]]; then
	args+=(--watchers 1,10,100 --fact-sizes 10000,100000 --queue-runs 1 --s3-inflight 1,16 --s3-duration 2s)
	chan+=(--writers 1,4 --duration 4s)
fi

echo
"$work/scalebench" "${args[@]}" "${extra[@]}"
echo
"$work/channelbench" "${chan[@]}"
echo
header "end"
echo "   elapsed: $(( $(date +%s) - start )) s"

if [[ -n "$markdown" ]]; then
	{
		echo "Run of $started–$(date -u '+%H:%M') UTC, commit $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown), $(nproc) CPUs; \`infra/bench/bench-scaling.sh$([[ $quick == 1 ]] && echo ' --quick')\`."
		echo
		cat "$work/scale.md" "$work/channels.md"
	} >"$markdown"
	echo "   markdown: $markdown"
fi
