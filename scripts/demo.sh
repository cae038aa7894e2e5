#!/usr/bin/env bash
# The demo: one scripted episode in a generated house from scenes/, and one in the real ScanNet scan when it is
# present at the data path ($VLNSIM_DATA, default ../shared/data). Writes out/demo-*/trajectory.png.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build -c release --show-bin-path)/vlnsim"
data="${VLNSIM_DATA:-../shared/data}"

echo "== generated house: scenes/house_0001.json"
"$bin" episode --episode instructions/demo_house_0001.json --out out/demo-house --save-frames

scan="$data/scannet-scene0000_00/scene0000_00_labeled_points.ply"
if [ -f "$scan" ]; then
  echo "== real scan: ScanNet scene0000_00 ($scan)"
  "$bin" episode --episode instructions/demo_scannet.json --out out/demo-scannet --save-frames
else
  echo "== real scan skipped: $scan not found."
  echo "   Put the ScanNet scene0000_00 labelled PLY there (see ../shared/data/scannet-scene0000_00/SOURCE.md),"
  echo "   or point VLNSIM_DATA at the folder that holds scannet-scene0000_00/."
fi
echo "Open out/demo-*/trajectory.png"
