#!/usr/bin/env bash
# One Dynam3D memory update (deletion test, cascade, lift, insert) at 100,000 stored patches, one thread: vlnsim
# (Benchmarks/Sources/MemoryTiming, 24×24 and 64×64 grids) beside ../shared/anchors/dynam3d_update_anchor.py (the
# official update step on one CPU thread: its torch/numpy code path, and the same arithmetic vectorised in numpy),
# in the same run on this machine, on the same memory: the anchor's own scene (its `build_scene` with its default
# seed: the same patches, instances and frame features) is written to a file that MemoryTiming loads (`--scene`); at
# 64×64, for which the anchor has no frame, MemoryTiming draws the frame's features itself.
#
#   scripts/bench-memory.sh [patches, default 100000]
#
# Needs the anchors' torch venv:
#   python3 -m venv /tmp/vlnsim-anchors/torch && /tmp/vlnsim-anchors/torch/bin/pip install torch numpy
# Environment: ANCHORS (default ../shared/anchors); PY (default /tmp/vlnsim-anchors/torch/bin/python).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ANCHORS=${ANCHORS:-$root/../shared/anchors}
PY=${PY:-/tmp/vlnsim-anchors/torch/bin/python}
patches=${1:-100000}
[ -x "$PY" ] || { echo "error: no python at $PY (see the header of this script)" >&2; exit 1; }
log=$(mktemp -d); trap 'rm -rf "$log"' EXIT
grep -m1 'model name' /proc/cpuinfo >&2
echo "flags: $(grep -m1 -o -w 'avx2\|avx512f\|f16c\|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')" >&2
(cd "$root/Benchmarks" && swift build -c release --scratch-path "$root/.build-bench" --product MemoryTiming >&2)
echo "== anchor: dynam3d_update_anchor.py --patches $patches ==" >&2
"$PY" "$ANCHORS/dynam3d_update_anchor.py" --patches "$patches" | tee "$log/anchor.json" >&2
echo "== the anchor's scene for MemoryTiming --scene ==" >&2
"$PY" - "$ANCHORS" "$patches" "$log/scene.bin" <<'PYEOF'
import sys, struct
import numpy as np
anchors, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, anchors)
import dynam3d_update_anchor as A
dim = 384
rng = np.random.default_rng(0)       # the anchor's default --seed, drawn from in the anchor's order
_, N, _, _, _ = A.build_scene(n, dim, rng)
frame = rng.standard_normal((A.GRID * A.GRID, dim), dtype=np.float32)
with open(out, "wb") as f:           # the layout MemoryTiming's readAnchorScene reads
    f.write(b"VLNANCH1" + struct.pack("<4i", n, dim, len(N.icount), frame.shape[0]))
    for a, t in ((N.pos, "<f4"), (N.icount, "<i4"), (N.fts, "<f2"), (frame, "<f4")):
        f.write(np.ascontiguousarray(a, t).tobytes())
PYEOF
for g in 24 64; do
    echo "== vlnsim: MemoryTiming --patches $patches --grid $g --scene (the anchor's) ==" >&2
    "$root/.build-bench/release/MemoryTiming" --patches "$patches" --grid "$g" --scene "$log/scene.bin" | tee "$log/swift$g.json" >&2
done
"$PY" - "$log" <<'PYEOF'
import json, sys
log = sys.argv[1]
a = json.load(open(f"{log}/anchor.json")); s24 = json.load(open(f"{log}/swift24.json")); s64 = json.load(open(f"{log}/swift64.json"))
t, n = a["torch_ms"], a["numpy_ms"]
print(f"| phase | official path (torch) ms | numpy ms | vlnsim 24×24 ms | vlnsim 64×64 ms | official / vlnsim 24 | numpy / vlnsim 24 |")
print("|---|---:|---:|---:|---:|---:|---:|")
phases = [("delete_test", "delete_test"), ("cascade", "cascade"), ("lift", "lift"), ("append", "insert"), ("total", "total")]
for ap, sp in phases:
    tv, nv, v24, v64 = t[ap]["median"], n[ap]["median"], s24["swift_ms"][sp]["median"], s64["swift_ms"][sp]["median"]
    name = ap if ap == sp else f"{ap} / {sp}"
    print(f"| {name} | {tv:.3f} | {nv:.3f} | {v24:.3f} | {v64:.3f} | {tv / v24:.1f} | {nv / v24:.1f} |")
print(f"\nper step: anchor deletes {a['deleted_per_step']} patches, removes {a['instances_removed_per_step']} instances; "
      f"vlnsim deletes {s24['deleted_per_step']}, removes {s24['instances_removed_per_step']} (the same stored patches; vlnsim's rule "
      f"wants z > 0 and floors u, v where the official code allows z = 0 and truncates toward zero); {s24['bytes_per_patch']} bytes per stored patch at D = {s24['dim']}; CPU {s24['cpu']}")
PYEOF
