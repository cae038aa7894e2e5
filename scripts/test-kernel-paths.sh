#!/usr/bin/env bash
# Runs the encoder tests again on every narrower product path this CPU can run, so that an AVX-512 or AMX machine
# also checks what an AVX2-only machine runs, and the token memory's tests on its portable C path; says at the end
# which paths ran and which this CPU lacks.
#
#   scripts/test-kernel-paths.sh      (after `swift test -c release`, which ran the CPU's own widest path)
#
# Paths, widest first (what `Linear`'s dense products, the other products and the C kernels run on):
#   AMX bf16x3     bf16x3 on AMX tiles (amx_tile, amx_bf16, avx512_bf16); OpenBLAS SkylakeX; C kernels AVX-512
#   AVX-512 fp32   OpenBLAS sgemm (SkylakeX kernels); C kernels AVX-512                       — VLNSIM_AMX=0
#   AVX2 fp32      vlnsim's packed AVX2 kernel; OpenBLAS Haswell kernels; C kernels AVX2 + FMA — VLNSIM_SIMD=avx2
# VLNSIM_SIMD=avx2 makes vlnsim select OpenBLAS's Haswell kernels itself, as OPENBLAS_CORETYPE=Haswell would (checked by
# KernelPathTests), unless OPENBLAS_CORETYPE is already set on this machine, which is then left as it is.
# The full `swift test` run covers the widest path the CPU has; this script reruns VLNEncodersTests on each narrower
# one, without any VLNSIM_SIMD, VLNSIM_AMX or VLNSIM_PACKED the caller may have exported. A path the CPU lacks is
# skipped, naming the missing flags (/proc/cpuinfo).
set -euo pipefail
cd "$(dirname "$0")/.."
flags=" $( { grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true; } | cut -d: -f2) "
lacks() { local m=(); for f in "$@"; do [[ "$flags" == *" $f "* ]] || m+=("$f"); done; echo "${m[*]:-}"; }
amx_missing=$(lacks amx_tile amx_bf16 avx512_bf16 avx512f avx512dq avx512bw avx512vl)
avx512_missing=$(lacks avx512f avx512dq avx512bw avx512vl)
avx2_missing=$(lacks avx2 fma)

# The path the full run took: the widest the CPU has (unless the caller's environment narrowed it).
if [ -z "$amx_missing" ]; then widest="AMX bf16x3"
elif [ -z "$avx512_missing" ]; then widest="AVX-512 fp32"
elif [ -z "$avx2_missing" ]; then widest="AVX2 fp32"
else widest="baseline fp32"; fi
inherited=$(env | grep -E '^(VLNSIM_SIMD|VLNSIM_AMX|VLNSIM_PACKED)=' | tr '\n' ' ' || true)
[ -n "$inherited" ] && widest="$widest (with ${inherited% } from the environment)"

summary=("$widest: the full test suite (swift test -c release -Xswiftc -enable-testing)")
run() {  # run NAME ENV... : VLNEncodersTests on that path
  local name=$1; shift
  echo "== kernel path $name: VLNEncodersTests with $* =="
  env -u VLNSIM_SIMD -u VLNSIM_AMX -u VLNSIM_PACKED "$@" swift test -c release -Xswiftc -enable-testing --skip-build --filter VLNEncodersTests
  summary+=("$name: VLNEncodersTests ($*)")
}
if [ -z "$amx_missing" ]; then
  run "AVX-512 fp32" VLNSIM_AMX=0
else
  summary+=("AMX bf16x3: not run, this CPU lacks $amx_missing")
fi
if [ -n "$avx512_missing" ]; then
  summary+=("AVX-512 fp32: not run, this CPU lacks $avx512_missing")
fi
if [ -n "$avx2_missing" ]; then
  summary+=("AVX2 fp32: not run, this CPU lacks $avx2_missing")
elif [ -z "$avx512_missing" ]; then
  run "AVX2 fp32" VLNSIM_SIMD=avx2
fi
# The token memory's C kernels (fp16 conversion, deletion test) on their portable path: the same results as AVX2.
echo "== token memory kernels, portable path: TokenMemoryTests, MemoryFileTests with VLNSIM_SIMD=baseline =="
env -u VLNSIM_AMX -u VLNSIM_PACKED VLNSIM_SIMD=baseline swift test -c release -Xswiftc -enable-testing --skip-build --filter "TokenMemoryTests|MemoryFileTests"
summary+=("token memory, portable C path: TokenMemoryTests, MemoryFileTests (VLNSIM_SIMD=baseline)")
echo "== kernel paths tested on $( { grep -m1 'model name' /proc/cpuinfo 2>/dev/null || echo ': unknown CPU'; } | cut -d: -f2 | sed 's/^ //') =="
for line in "${summary[@]}"; do echo "  $line"; done
