#!/usr/bin/env bash
# Installs the tools Ringmaster's tests and main job drive, if missing
# (idempotent): apt-get/dpkg/gpgv are Debian's own; dnf and rpm read the YUM
# repositories; createrepo_c is the reference indexer; mmdebstrap makes the
# image rootfs; docker-compose runs infra/compose. Docker itself must already
# run. The list is infra/deps.list, which `ring doctor` checks too.
set -euo pipefail
mapfile -t pkgs < <(grep -v '^#' "$(dirname "$0")/deps.list" | awk 'NF {print $1}')
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} — install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
