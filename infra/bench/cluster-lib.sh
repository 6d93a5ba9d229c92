# cluster-lib.sh — sourced by the cluster benchmarks: builds ring into a
# temp dir, starts `ring up` on free ports with a fresh RING_HOME, and on
# exit destroys the clusters it made (named bench-*, never another's) and
# stops the platform.
# After sourcing: $work (temp dir), $ring (the binary), RING_HOME exported.
work="$(mktemp -d)"
ring="$work/ring"
pid=""
extra_cleanup() { :; }
cleanup() {
	if [[ -n "$pid" ]]; then
		local mine
		mine=$("$ring" cluster list 2>/dev/null | awk '$1 ~ /^bench-/ {print $1}')
		[[ -n "$mine" ]] && "$ring" cluster destroy $mine >/dev/null 2>&1 || true
	fi
	[[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	extra_cleanup
	rm -rf "$work"
}
trap cleanup EXIT
(cd tools/ring && go build -o "$ring" .)
export RING_DEB_CACHE="${RING_DEB_CACHE:-$HOME/.local/share/ringmaster/cache/debs}"
export RING_HOME="$work/home"
"$ring" up --nats-listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 --metrics 127.0.0.1:0 --log-level warn >"$work/up.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [[ -s "$RING_HOME/endpoints.json" ]] && break; sleep 0.1; done
[[ -s "$RING_HOME/endpoints.json" ]] || { echo "ring up did not start"; cat "$work/up.log"; exit 1; }

# setup_demo IMAGES…: builds the images and publishes the demo stack for
# debian-12 (not timed).
setup_demo() {
	echo "== setup (not timed): images, the demo stack built and published for debian-12"
	"$ring" image build "$@" --distro debian-12 >/dev/null 2>&1
	"$ring" build --stack demo --distro debian-12 | tail -1
}
