#!/usr/bin/env bash
# Installs what vlnsim needs on Debian 12, only what is missing; safe to run again.
set -euo pipefail
packages=(libpng-dev libjpeg62-turbo-dev libopenblas-dev libeigen3-dev zlib1g-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
else
  echo "setup: system packages present (${packages[*]})"
fi
command -v swift >/dev/null || { echo "setup: swift not found on PATH (Swift 6 toolchain needed, https://swift.org/install)" >&2; exit 1; }
