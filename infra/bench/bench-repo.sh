#!/usr/bin/env bash
# bench-repo.sh — the repo publisher against the repository tools Debian ships
# (services/repo-publisher/cmd/repobench): apt-ftparchive (+gzip, xz -6, gpg),
# createrepo_c --no-database, aptly (repo add + publish) and reprepro
# (includedeb), on the same synthetic .deb/.rpm files, in one run; also a bare
# parallel upload of the same bytes, the peak RSS, and `ring repo publish` of
# 2,000 .debs against a `ring up` it starts.
#
# Usage:
#   infra/bench/bench-repo.sh [--no-install] [-- repobench flags...]
# Examples:
#   infra/bench/bench-repo.sh                                  # 2,000 and 20,000 packages
#   infra/bench/bench-repo.sh -- --sizes 2000 --runs 1 --markdown
#   infra/bench/bench-repo.sh -- --cpuprofile /tmp/repobench-prof
# Missing peers are installed with apt-get (as root, or through sudo) unless
# --no-install; a peer that is still missing is reported in the table, not fatal.
set -euo pipefail

install=1 extra=()
while [[ $# -gt 0 ]]; do
	case "$1" in
	--no-install) install=0 ;;
	-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; extra=("$@"); break ;;
	*) echo "bench-repo.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done

root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# tool → Debian package
declare -A pkg_of=([apt-ftparchive]=apt-utils [createrepo_c]=createrepo-c [aptly]=aptly [reprepro]=reprepro [gpg]=gpg [xz]=xz-utils)
missing=()
for tool in "${!pkg_of[@]}"; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("${pkg_of[$tool]}")
done
if [[ ${#missing[@]} -gt 0 && $install == 1 ]]; then
	sudo=()
	[[ $(id -u) == 0 ]] || sudo=(sudo -n)
	echo "== installing missing peers: ${missing[*]}" >&2
	if ! { "${sudo[@]}" apt-get install -y -q "${missing[@]}" >"$work/apt.log" 2>&1 ||
		{ "${sudo[@]}" apt-get update -q >>"$work/apt.log" 2>&1 && "${sudo[@]}" apt-get install -y -q "${missing[@]}" >>"$work/apt.log" 2>&1; }; }; then
		echo "bench-repo.sh: could not install ${missing[*]} (see below); those peers are reported as missing" >&2
		tail -5 "$work/apt.log" >&2
	fi
fi
for tool in "${!pkg_of[@]}"; do
	command -v "$tool" >/dev/null 2>&1 || echo "bench-repo.sh: $tool is missing (apt-get install -y ${pkg_of[$tool]}); its rows will say so" >&2
done

(cd "$root/services/repo-publisher" && go build -o "$work/repobench" ./cmd/repobench)
# `ring repo publish` is timed too, against a `ring up` the benchmark starts.
(cd "$root/tools/ring" && go build -o "$work/ring" .)
echo "== repobench (embedded S3 in process; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
weed=()
[[ -x "$root/bin/weed" ]] && weed=(--weed "$root/bin/weed") # publish on SeaweedFS too (make weed)
"$work/repobench" --ring "$work/ring" "${weed[@]}" "${extra[@]}"
