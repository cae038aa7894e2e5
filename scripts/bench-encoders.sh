#!/usr/bin/env bash
# Encoder throughput: vlnsim's all-MiniLM-L6-v2 (Swift on OpenBLAS, one thread) against PyTorch
# (sentence-transformers, torch.set_num_threads(1)) on the same 256 R2R instructions, in the same run.
#
#   scripts/bench-encoders.sh
#
# PyTorch side: ../shared/anchors/torch_encoders.py --threads 1 (MiniLM sentences/s, batch 32; it also times
# MobileNetV2, printed but not compared here yet). It needs a venv with torch, torchvision and
# sentence-transformers, created once with
#   python3 -m venv /tmp/vlnsim-anchors/torch && /tmp/vlnsim-anchors/torch/bin/pip install torch torchvision sentence-transformers
# Without it the script still runs the Swift side and compares it with the published anchor range (105–154).
# Swift side: package-benchmark target EncoderBenchmarks (minilm_r2r_256, p50 over its iterations), then the plain
# loop EncoderTiming (median of 10), then the same loop with every product in OpenBLAS sgemm (VLNSIM_AMX=0
# VLNSIM_PACKED=0: no AMX, no packed AVX2 kernel; on AVX-512 CPUs without AMX the two Swift loops are the same). All
# check their output against the reference embeddings. To time the AVX2 path on an AVX-512 or AMX machine, run the
# script with VLNSIM_SIMD=avx2 (the AVX2 kernels, OpenBLAS's Haswell kernels, no AMX).
# Environment: PY (default /tmp/vlnsim-anchors/torch/bin/python), ANCHORS (default ../shared/anchors),
#              VLNSIM_MODELS (default ~/.cache/vlnsim; `make setup` fills it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ANCHORS=${ANCHORS:-$root/../shared/anchors}
PY=${PY:-/tmp/vlnsim-anchors/torch/bin/python}
models=${VLNSIM_MODELS:-$HOME/.cache/vlnsim}
[ -f "$models/all-MiniLM-L6-v2/model.safetensors" ] || { echo "error: no model in $models: run make setup" >&2; exit 1; }
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== load before the run: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores) ==" >&2
if [ -x "$PY" ] && "$PY" -c 'import torch, torchvision, sentence_transformers' 2>/dev/null; then
    echo "== PyTorch anchor (torch_encoders.py --threads 1) ==" >&2
    MINILM_DIR="$models/all-MiniLM-L6-v2" MOBILENET_PTH="$models/mobilenet-v2/mobilenet_v2-b0353104.pth" \
        "$PY" "$ANCHORS/torch_encoders.py" --threads 1 2>/dev/null | tee "$log/torch.json"
else
    echo "== PyTorch anchor: not available ($PY with torch, torchvision, sentence-transformers); comparing with the published range ==" >&2
fi

echo "== Swift: package-benchmark minilm_r2r_256 (OpenBLAS, one thread) ==" >&2
cd "$root/Benchmarks"
swift package --scratch-path "$root/.build-bench" benchmark --target EncoderBenchmarks --no-progress \
    --format histogramPercentiles --path "$log" >&2
echo "== Swift: plain timing loop (EncoderTiming, 10 repetitions) ==" >&2
swift build -c release --scratch-path "$root/.build-bench" --product EncoderTiming >&2
"$root/.build-bench/release/EncoderTiming" 10 | tee "$log/timing.txt"
echo "== Swift: the same loop with OpenBLAS sgemm for every product (VLNSIM_AMX=0 VLNSIM_PACKED=0) ==" >&2
VLNSIM_AMX=0 VLNSIM_PACKED=0 "$root/.build-bench/release/EncoderTiming" 10 | tee "$log/timing-fp32.txt"
echo "== load after the run: $(cut -d' ' -f1-3 /proc/loadavg) ==" >&2

python3 - "$log" <<'PYEOF'
import json, re, sys, os, glob
log = sys.argv[1]
# package-benchmark's histogramPercentiles export: one TSV per metric, "percentile<TAB>value" lines.
tsv = [f for f in glob.glob(os.path.join(log, "*minilm_r2r_256*.tsv")) if "sentences" in os.path.basename(f)][0]
swift_p50 = float(next(l.split("\t")[1] for l in open(tsv) if l.split("\t")[0] == "50"))
timing = open(os.path.join(log, "timing.txt")).read()
def median_rate(name):
    text = open(os.path.join(log, name)).read()
    return float(re.search(r"median [0-9.]+ ms\s+\(([0-9.]+) sentences/s\)", text).group(1))
products = re.search(r"one thread; (.*)", timing).group(1)
rows = [(f"Swift, package-benchmark p50", swift_p50), (f"Swift, plain loop median", median_rate("timing.txt")),
        ("Swift, OpenBLAS sgemm only, plain loop median", median_rate("timing-fp32.txt"))]
print()
print(f"all-MiniLM-L6-v2, 256 R2R val-unseen instructions, one thread (sentences/s); Swift: {products}")
if os.path.exists(os.path.join(log, "torch.json")):
    t = json.load(open(os.path.join(log, "torch.json")))
    tm, tb = t["minilm_sentences_per_s_median"], t["minilm_sentences_per_s_best"]
    rows += [(f"PyTorch {t['torch']} median", tm), (f"PyTorch {t['torch']} best", tb)]
    print(f"{'':40} {'sent/s':>8} {'/PyTorch median':>16}")
    for name, v in rows:
        print(f"{name:40} {v:8.1f} {v / tm:16.2f}")
else:
    print("PyTorch not run here; published anchor range 105-154 sentences/s (one thread)")
    print(f"{'':40} {'sent/s':>8} {'/105':>6} {'/154':>6}")
    for name, v in rows:
        print(f"{name:40} {v:8.1f} {v / 105:6.2f} {v / 154:6.2f}")
PYEOF
