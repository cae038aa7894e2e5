#!/usr/bin/env bash
# bench_full_loop: the full perception loop (render RGB, depth and instance ids → ground-truth semantic encoder →
# Dynam3D token memory → the oracle policy) on ONE core, at 128×128 and 256×256, over a fixed set of episodes of the
# shipped static suite (`--shard 0/10`: 20 episodes, 2 in each of the 10 generated houses, 1,238 agent steps).
#
#   scripts/bench-full-loop.sh [runs per resolution, default 3] [shard, default 0/10]
#
# Each run is `vlnsim bench --perception` pinned to CPU 0 (taskset) with one worker and one OpenBLAS thread; runs of
# the two resolutions alternate. Per stage, the CPU time of the worker thread (CLOCK_THREAD_CPUTIME_ID, robust to
# other processes on the machine) per agent step, from summary.json's stage_ms_per_step; steps/s per core =
# steps / CPU seconds of the episodes; wall steps/s beside it. Median over the runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
shard=${2:-0/10}
bin=${VLNSIM:-$root/.build-release/release/vlnsim}
[ -x "$bin" ] || (cd "$root" && swift build -c release --build-path .build-release --product vlnsim >&2)
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
grep -m1 'model name' /proc/cpuinfo >&2
echo "flags: $(grep -m1 -o -w 'avx2\|avx512f\|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')" >&2
for k in $(seq 1 "$runs"); do
    for r in 128 256; do
        echo "$(uptime | sed 's/.*load/load/'): run $k, ${r}×${r}" >&2
        OPENBLAS_NUM_THREADS=1 taskset -c 0 "$bin" bench --suite "$root/instructions/suite_static.json.gz" --planner oracle \
            --perception --resolution "$r" --shard "$shard" --workers 1 --quiet --out "$out/r$r-$k" > /dev/null
    done
done
python3 - "$out" "$runs" <<'PYEOF'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
print("| per agent step, CPU ms (median of %d runs) | 128 × 128 | 256 × 256 |" % runs)
print("|---|---:|---:|")
rows = {}
for r in (128, 256):
    got = [json.load(open(f"{out}/r{r}-{k}/summary.json"))["planners"][0] for k in range(1, runs + 1)]
    st = [g["stage_ms_per_step"] for g in got]
    for key in ("render", "encode", "memory", "policy", "other", "total"):
        rows.setdefault(key, {})[r] = statistics.median(s[key] for s in st)
    rows.setdefault("steps/s per core (CPU time)", {})[r] = statistics.median(s["steps_per_cpu_s"] for s in st)
    rows.setdefault("steps/s (wall)", {})[r] = statistics.median(g["steps_per_s"] for g in got)
    rows.setdefault("steps", {})[r] = st[0]["steps"]
for key, v in rows.items():
    fmt = (lambda x: f"{x:.0f}") if key.startswith("steps") else (lambda x: f"{x:.3f}")
    print(f"| {key} | {fmt(v[128])} | {fmt(v[256])} |")
PYEOF
