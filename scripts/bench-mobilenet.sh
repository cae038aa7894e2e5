#!/usr/bin/env bash
# MobileNetV2 images/s at batch 1 on one thread: vlnsim (Swift on OpenBLAS) beside PyTorch, in the same run.
#
#   scripts/bench-mobilenet.sh
#
# PyTorch: ../shared/anchors/torch_encoders.py --threads 1 (it also times all-MiniLM-L6-v2; only its MobileNetV2
# figures are used here). Swift: package-benchmark `mobilenetv2_batch1` (p50 over its iterations), then the plain
# loop MobileNetTiming timed as the anchor times PyTorch (≥ 3 s, best and median). Ratios are of medians.
# Needs the model cache (scripts/setup.sh) and the anchors' torch venv, created once with
#   python3 -m venv /tmp/vlnsim-anchors/torch && /tmp/vlnsim-anchors/torch/bin/pip install torch torchvision sentence-transformers
# Environment: VLNSIM_MODELS (default ~/.cache/vlnsim), ANCHORS (default ../shared/anchors),
#              TORCH_PY (default /tmp/vlnsim-anchors/torch/bin/python), VLNSIM_DATA (default ../shared/data).
# OpenBLAS's kernel set is chosen by VLNEncoders.BLAS (see its documentation) unless OPENBLAS_CORETYPE is set.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
models=${VLNSIM_MODELS:-$HOME/.cache/vlnsim}
ANCHORS=${ANCHORS:-$root/../shared/anchors}
TORCH_PY=${TORCH_PY:-/tmp/vlnsim-anchors/torch/bin/python}
export VLNSIM_DATA=$(cd "${VLNSIM_DATA:-$root/../shared/data}" 2>/dev/null && pwd || echo "")
if [ ! -x "$TORCH_PY" ]; then
    echo "error: no python at $TORCH_PY. Create the venv with:" >&2
    echo "  python3 -m venv /tmp/vlnsim-anchors/torch && /tmp/vlnsim-anchors/torch/bin/pip install torch torchvision sentence-transformers" >&2
    exit 1
fi
[ -f "$models/mobilenet-v2/mobilenet_v2.safetensors" ] || { echo "error: no MobileNetV2 weights in $models: run scripts/setup.sh" >&2; exit 1; }
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== load before the run: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores) ==" >&2
echo "== Swift: building (release) ==" >&2
cd "$root/Benchmarks"
swift build -c release --scratch-path "$root/.build-bench" --product MobileNetTiming >&2

echo "== PyTorch: $ANCHORS/torch_encoders.py --threads 1 ==" >&2
MINILM_DIR="$models/all-MiniLM-L6-v2" MOBILENET_PTH="$models/mobilenet-v2/mobilenet_v2-b0353104.pth" \
    "$TORCH_PY" "$ANCHORS/torch_encoders.py" --threads 1 2>/dev/null | tee "$log/torch.json" >&2

echo "== Swift: package-benchmark mobilenetv2_batch1 ==" >&2
swift package --scratch-path "$root/.build-bench" benchmark --target MobileNetBenchmarks --no-progress \
    --format jmh --path "$log" >&2
echo "== Swift: plain timing loop (MobileNetTiming, ≥ 3 s) ==" >&2
"$root/.build-bench/release/MobileNetTiming" 3 | tee "$log/timing.txt" >&2

"$TORCH_PY" - "$log" <<'PYEOF'
import json, re, sys, os
log = sys.argv[1]
t = json.load(open(os.path.join(log, "torch.json")))
jmh = json.load(open(os.path.join(log, "Current_run.jmh.json")))
b = next(x for x in jmh if x["benchmark"].endswith("mobilenetv2_batch1"))
wc = b["secondaryMetrics"]["Time (wall clock)"]  # package-benchmark's jmh export: per-call wall clock, p50
scale = {"ns": 1e-9, "us": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0}[wc["scoreUnit"]]
pb_p50 = 1 / (wc["scorePercentiles"]["50.0"] * scale)
mallocs = b["secondaryMetrics"].get("Malloc (total)", {}).get("scorePercentiles", {}).get("50.0")
m = re.search(r"best ([0-9.]+) ms, median ([0-9.]+) ms", open(os.path.join(log, "timing.txt")).read())
plain_best, plain_med = 1e3 / float(m.group(1)), 1e3 / float(m.group(2))
tb, tm = t["mobilenetv2_images_per_s_batch1_best"], t["mobilenetv2_images_per_s_batch1_median"]
print()
print(f"MobileNetV2, batch 1, 224x224, one thread (images/s); torch {t['torch']}")
print(f"{'':40} {'best':>8} {'median':>8} {'median / PyTorch median':>24}")
print(f"{'PyTorch (torch_encoders.py)':40} {tb:8.1f} {tm:8.1f} {1.0:24.2f}")
print(f"{'Swift, plain loop (MobileNetTiming)':40} {plain_best:8.1f} {plain_med:8.1f} {plain_med / tm:24.2f}")
print(f"{'Swift, package-benchmark p50':40} {'':>8} {pb_p50:8.1f} {pb_p50 / tm:24.2f}")
print(f"Swift mallocs per forward pass (package-benchmark p50): {mallocs}")
PYEOF
