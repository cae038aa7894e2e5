#!/usr/bin/env bash
# RGB-D lifting + 5 cm voxel downsampling of one 640×480 frame: vlnsim (Swift, one thread) beside Open3D's
# create_from_rgbd_image + voxel_down_sample on the same synthetic frame, in the same run on this machine.
#
#   scripts/bench-lift.sh
#
# Runs, in order:
#   1. Open3D's voxel count for the frame (the Swift benchmarks check theirs against it, within 3 %);
#   2. ../shared/anchors/lift_only.py plain, then with the malloc-tuned environment of run_all.sh, then malloc-tuned
#      with OMP_NUM_THREADS=1 (Open3D on one core);
#   3. the package-benchmark target LiftBenchmarks (lift_voxel_640x480: fused path; lift_then_voxel_640x480:
#      Lifter then VoxelGrid) and the plain loop LiftTiming;
# and prints a table of frames/s (medians) and ratios to Open3D's malloc-tuned figure.
# Needs the python venv of the anchors (open3d-cpu, numpy):
#   python3 -m venv /tmp/vlnsim-anchors/venv && /tmp/vlnsim-anchors/venv/bin/pip install open3d-cpu numpy
# (Open3D's import also needs `apt-get install -y libusb-1.0-0`.)
# Environment: ANCHORS (default ../shared/anchors) holds lift_only.py; PY (default /tmp/vlnsim-anchors/venv/bin/python).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ANCHORS=${ANCHORS:-$root/../shared/anchors}
PY=${PY:-/tmp/vlnsim-anchors/venv/bin/python}
if [ ! -x "$PY" ]; then
    echo "error: no python at $PY. Create the venv with:" >&2
    echo "  python3 -m venv /tmp/vlnsim-anchors/venv && /tmp/vlnsim-anchors/venv/bin/pip install open3d-cpu numpy" >&2
    exit 1
fi
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
tuned=(MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=268435456)

echo "== Open3D: points and voxels of the frame ==" >&2
"$PY" - "$ANCHORS/lift_only.py" <<'PYEOF' | tee "$log/count.json"
import sys, json
src = open(sys.argv[1]).read()
ns = {"__name__": "lift_only_frame"}
exec(src[:src.index("def rate")], ns)   # the frame, intrinsics and RGBDImage of lift_only.py, nothing timed
o3d, rgbd, intr = ns["o3d"], ns["rgbd"], ns["intr"]
pc = o3d.geometry.PointCloud.create_from_rgbd_image(rgbd, intr)
print(json.dumps({"points": len(pc.points), "voxels": len(pc.voxel_down_sample(0.05).points), "open3d": o3d.__version__}))
PYEOF
echo "== Open3D lift_only.py, plain ==" >&2
"$PY" "$ANCHORS/lift_only.py" | tee "$log/o3d_plain.json"
echo "== Open3D lift_only.py, malloc tuned ==" >&2
env "${tuned[@]}" "$PY" "$ANCHORS/lift_only.py" | tee "$log/o3d_tuned.json"
echo "== Open3D lift_only.py, malloc tuned, OMP_NUM_THREADS=1 ==" >&2
env "${tuned[@]}" OMP_NUM_THREADS=1 "$PY" "$ANCHORS/lift_only.py" | tee "$log/o3d_tuned_1thr.json"

export VLNSIM_EXPECTED_VOXELS=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["voxels"])' "$log/count.json")
echo "== Swift: package-benchmark LiftBenchmarks (one thread; expects $VLNSIM_EXPECTED_VOXELS voxels ± 3 %) ==" >&2
cd "$root/Benchmarks"
swift package --scratch-path "$root/.build-bench" benchmark --target LiftBenchmarks --no-progress \
    --format jmh --path "$log" >&2
echo "== Swift: plain timing loop (LiftTiming, 300 frames) ==" >&2
swift build -c release --scratch-path "$root/.build-bench" --product LiftTiming >&2
"$root/.build-bench/release/LiftTiming" 300 | tee "$log/timing.txt"

"$PY" - "$log" <<'PYEOF'
import json, re, sys, os, statistics
log = sys.argv[1]
def o3d(name):
    d = json.load(open(os.path.join(log, name)))
    return (statistics.median(v for k, v in d.items() if k.startswith("lift+voxel")),
            statistics.median(v for k, v in d.items() if k.startswith("lift_only")))
plain, tuned, tuned1 = o3d("o3d_plain.json"), o3d("o3d_tuned.json"), o3d("o3d_tuned_1thr.json")
count = json.load(open(os.path.join(log, "count.json")))
jmh = json.load(open(os.path.join(log, "Current_run.jmh.json")))
def swift(name):
    b = next(x for x in jmh if x["benchmark"].endswith(name))
    return b["secondaryMetrics"]["frames/s"]["scorePercentiles"]["50.0"]
timing = open(os.path.join(log, "timing.txt")).read()
loops = [float(x) for x in re.findall(r"median [0-9.]+ ms \(([0-9.]+) frames/s\)", timing)]
voxels = re.findall(r"→ (\d+) voxels", timing)
print()
print(f"lift + 5 cm voxel downsampling, 640x480 frame (Open3D {count['open3d']}: {count['points']} points -> {count['voxels']} voxels;"
      f" vlnsim: {voxels[0]} voxels fused path, {voxels[1]} two-stage)")
print(f"{'':52} {'frames/s':>9} {'/Open3D tuned':>14} {'/Open3D tuned 1 thr':>20}")
rows = [("Swift fused (package-benchmark p50)", swift("lift_voxel_640x480")),
        ("Swift Lifter + VoxelGrid (package-benchmark p50)", swift("lift_then_voxel_640x480")),
        ("Swift fused (plain loop median)", loops[0]),
        ("Swift Lifter + VoxelGrid (plain loop median)", loops[1]),
        ("Open3D plain (median of 3)", plain[0]),
        ("Open3D malloc tuned (median of 3)", tuned[0]),
        ("Open3D malloc tuned, OMP_NUM_THREADS=1 (median of 3)", tuned1[0])]
for name, v in rows:
    print(f"{name:52} {v:9.1f} {v / tuned[0]:14.2f} {v / tuned1[0]:20.2f}")
print(f"Open3D lift only (no voxels), medians: plain {plain[1]:.1f}, tuned {tuned[1]:.1f}, tuned 1 thread {tuned1[1]:.1f} frames/s")
PYEOF
