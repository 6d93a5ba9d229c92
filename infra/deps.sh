#!/usr/bin/env bash
# Installs the tools Ringmaster's tests and main job drive, if missing
# (idempotent): apt-get/dpkg/gpgv are Debian's own; dnf and rpm read the YUM
# repositories; createrepo_c is the reference indexer; mmdebstrap makes the
# image rootfs; docker-compose runs infra/compose; prometheus brings promtool,
# which checks and tests infra/prometheus (installed without its recommended
# node exporter; where systemd runs, Debian starts its Prometheus on :9090);
# chromium is the browser the dashboard's tests drive with chromedp (without
# recommends; the main job does not need it, so ring doctor does not ask).
# Docker itself must already run. The list is infra/deps.list, which
# `ring doctor` checks too.
set -euo pipefail
mapfile -t pkgs < <(grep -v '^#' "$(dirname "$0")/deps.list" | awk 'NF {print $1}')
bare=(prometheus chromium) # without recommends
missing=() missing_bare=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
for p in "${bare[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing_bare+=("$p"); done
[ ${#missing[@]} -eq 0 ] && [ ${#missing_bare[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} ${missing_bare[*]} — install them with: sudo apt-get install ${missing[*]} ${missing_bare[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]} ${missing_bare[*]}"
apt-get update -qq
[ ${#missing[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
[ ${#missing_bare[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_bare[@]}" >/dev/null
