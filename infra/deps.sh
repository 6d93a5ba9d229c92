#!/usr/bin/env bash
# Installs the tools Ringmaster's tests and main job drive, if missing
# (idempotent): apt-get/dpkg/gpgv are Debian's own; dnf and rpm read the YUM
# repositories; createrepo_c is the reference indexer; mmdebstrap makes the
# image rootfs; docker-compose runs infra/compose. Docker itself must already run.
set -euo pipefail
pkgs=(make gcc git gpgv dpkg-dev dnf rpm createrepo-c xz-utils mmdebstrap docker-compose)
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
