#!/usr/bin/env bash
# Ray-casting throughput: vlnsim's BVH (Swift, one thread) against Open3D's RaycastingScene and Embree (embreex),
# all on the same ~150k-triangle mesh and the same 256×256 pinhole rays, in the same run on this machine.
#
#   scripts/bench-raycast.sh            # anchors (raycast part of o3d_anchors.py only) + Embree + Swift
#   scripts/bench-raycast.sh --full     # run the whole ../shared/anchors/o3d_anchors.py (adds slow TSDF timings)
#
# Needs the python venv of the anchors; create it once with
#   python3 -m venv /tmp/vlnsim-anchors/venv && /tmp/vlnsim-anchors/venv/bin/pip install open3d-cpu numpy embreex
# (Open3D's import also needs `apt-get install -y libusb-1.0-0`.)
# Environment: ANCHOR_OUT (default /tmp/vlnsim-anchors) receives mesh_tris.npy and rays_256.npy;
#              ANCHORS (default ../shared/anchors) holds o3d_anchors.py and embreex_anchor.py;
#              PY (default /tmp/vlnsim-anchors/venv/bin/python).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export ANCHOR_OUT=${ANCHOR_OUT:-/tmp/vlnsim-anchors}
ANCHORS=${ANCHORS:-$root/../shared/anchors}
PY=${PY:-/tmp/vlnsim-anchors/venv/bin/python}
if [ ! -x "$PY" ]; then
    echo "error: no python at $PY. Create the venv with:" >&2
    echo "  python3 -m venv /tmp/vlnsim-anchors/venv && /tmp/vlnsim-anchors/venv/bin/pip install open3d-cpu numpy embreex" >&2
    exit 1
fi
mkdir -p "$ANCHOR_OUT"
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== Open3D RaycastingScene (OMP_NUM_THREADS=1) ==" >&2
if [ "${1:-}" = "--full" ]; then
    OMP_NUM_THREADS=1 "$PY" "$ANCHORS/o3d_anchors.py" | tee "$log/o3d.json"
else
    # Only part (a) of o3d_anchors.py (mesh, rays, cast_rays timing) and its .npy outputs; skips the TSDF timings.
    OMP_NUM_THREADS=1 "$PY" - "$ANCHORS/o3d_anchors.py" <<'PYEOF' | tee "$log/o3d.json"
import sys, os, json
import numpy as np
src = open(sys.argv[1]).read()
ns = {"__name__": "o3d_anchors_raycast_part"}
exec(src[:src.index("# synthetic 640x480")], ns)
res, mesh, rays = ns["res"], ns["mesh"], ns["rays"]
print(json.dumps(res, indent=1))
OUT = os.environ.get("ANCHOR_OUT", "/tmp/vlnsim-anchors"); os.makedirs(OUT, exist_ok=True)
np.save(os.path.join(OUT, "mesh_tris.npy"), np.asarray(mesh.vertices)[np.asarray(mesh.triangles)].astype(np.float64))
np.save(os.path.join(OUT, "rays_256.npy"), rays.numpy())
PYEOF
fi

echo "== Embree (embreex) ==" >&2
"$PY" "$ANCHORS/embreex_anchor.py" | tee "$log/embree.json"

echo "== Swift (vlnsim BVH, one thread): package-benchmark raycast_256 ==" >&2
o3d_hit=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["hit_fraction"])' "$log/o3d.json")
export VLNSIM_EXPECTED_HIT_FRACTION=$o3d_hit   # the benchmark fails if its hit fraction differs by > 0.1 %
cd "$root/Benchmarks"
swift package --scratch-path "$root/.build-bench" benchmark --target RaycastBenchmarks --no-progress \
    --format jmh --path "$log" >&2
echo "== Swift: plain timing loop (RaycastTiming, 60 repetitions) ==" >&2
swift build -c release --scratch-path "$root/.build-bench" --product RaycastTiming >&2
"$root/.build-bench/release/RaycastTiming" 60 | tee "$log/timing.txt"

"$PY" - "$log" <<'PYEOF'
import json, re, sys, os
log = sys.argv[1]
o3d = json.load(open(os.path.join(log, "o3d.json")))
emb = json.load(open(os.path.join(log, "embree.json")))
jmh = json.load(open(os.path.join(log, "Current_run.jmh.json")))
b = next(x for x in jmh if x["benchmark"].endswith("raycast_256"))
swift = b["secondaryMetrics"]["rays/s"]["scorePercentiles"]["50.0"] / 1e6
plain = float(re.search(r"median [0-9.]+ ms\s+\(([0-9.]+) M rays/s\)", open(os.path.join(log, "timing.txt")).read()).group(1))
e1, e2, o = emb["primID_only_Mrays_per_s"], emb["full_output_Mrays_per_s"], o3d["cast_rays_1thr_Mrays_per_s"]
print()
print(f"raycast 256x256 rays, {emb['triangles']} triangles, one thread (M rays/s)")
print(f"{'':38} {'M rays/s':>9} {'/Embree(primID)':>16} {'/Embree(full)':>14} {'/Open3D':>8}")
rows = [("Swift BVH, package-benchmark p50", swift), ("Swift BVH, plain loop median", plain),
        ("Embree (embreex) primID only", e1), ("Embree (embreex) full output", e2),
        ("Open3D RaycastingScene 1 thread", o)]
for name, v in rows:
    print(f"{name:38} {v:9.2f} {v / e1:16.2f} {v / e2:14.2f} {v / o:8.2f}")
print(f"hit fraction: Open3D {o3d['hit_fraction']}, Embree {emb['hit_fraction']} (Swift checked against Open3D within 0.1 %)")
PYEOF
