// fp32 matrix products with a pre-packed right operand (weights), AVX2 + FMA, and a fused epilogue.
//
// C (m × n) = A (m × k) · B (k × n) [+ bias] [then GELU], single precision throughout (fp32 FMA accumulation, like
// sgemm). B is packed once (the weights of a layer), which saves the copy of B that sgemm makes on every call; the
// bias and GELU are applied while each 6 × 16 block of C is still in the L1 cache, which saves a pass over C.
//
// Blocking (the GotoBLAS/BLIS scheme; Goto & van de Geijn 2008, "Anatomy of high-performance matrix multiplication"):
// 48 rows of A and C at a time (kept in L2 over the k-blocks), k in blocks of 384, B in micro-panels of 16 columns ×
// the k-block (24 KiB, in L1 over the rows), a 6 × 16 register block of C (12 ymm accumulators, 6 broadcasts of A and
// 2 loads of B per k step). A is read in place (unlike BLIS, not packed: no faster here). Every C element is the sum of
// its k products as one chain of fp32 FMAs per 384-step k-block, the blocks added in order, by the same instructions
// whatever the row, so a row of C depends only on the same row of A: the result does not depend on m, on the other rows, or on how callers split rows among threads. On an AMD
// EPYC (Zen 3) it runs MiniLM's feed-forward product at 81–95 GFLOP/s, OpenBLAS 0.3.21's sgemm at 78–89 (one core,
// FMA peak ≈ 101; Benchmarks' `EncoderTiming sgemm`, see BENCHMARKS.md).
//
// Packed layout of B: ⌈n/16⌉ panels of 16 columns; panel j holds k rows of 16 floats (columns 16j…16j+15, zero past
// n), row p at offset (j·k + p)·16.
#ifndef VLN_GEMM_H
#define VLN_GEMM_H
#include <stddef.h>

/// The number of floats of B (k × n) packed by `vln_gemm_pack_b`: k · ⌈n/16⌉·16.
size_t vln_gemm_packed_count(size_t k, size_t n);

/// Packs B (k × n, row-major, `ldb` floats between rows) into `packed` (`vln_gemm_packed_count(k, n)` floats).
void vln_gemm_pack_b(const float *b, size_t k, size_t n, size_t ldb, float *packed);

/// What is applied to each element of C after the product: nothing, + bias[column], or GELU(· + bias[column])
/// (GELU's erf form x·Φ(x), as `vln_gelu_inplace` but with a cheaper erf on whole 16-column tiles: within
/// 7.7e-7 · max(1, |GELU(x)|) of the exact value, `vln_gelu_inplace` within 4.6e-7; see `gelu8` in gemm.c).
typedef enum { VLN_GEMM_PLAIN = 0, VLN_GEMM_BIAS = 1, VLN_GEMM_BIAS_GELU = 2 } vln_gemm_epilogue;

/// 1 if `vln_gemm_packed` can run here (`vln_simd_level()` ≥ 1: a CPU with AVX2 and FMA, not capped to `baseline`),
/// 0 otherwise.
int vln_gemm_available(void);

/// C (m × n, `ldc` floats between rows) = epilogue(A (m × k, `lda`) · B), B packed by `vln_gemm_pack_b` with the same
/// k and n; C is overwritten (A · B = 0 when k = 0). `bias` (n floats) is read for VLN_GEMM_BIAS and
/// VLN_GEMM_BIAS_GELU only. One thread, no allocation. Returns 0, or −1 (C untouched) where `vln_gemm_available`
/// is 0.
int vln_gemm_packed(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *packed, const float *bias,
                    vln_gemm_epilogue epilogue, float *c, size_t ldc);

/// The number of floats of scratch `vln_attention` needs for t tokens and heads of dh values.
size_t vln_attention_scratch_count(size_t t, size_t dh);

/// Multi-head self-attention of one sequence of t tokens (BERT's, no mask): for each head h,
/// ctx[:, h·dh …] = softmax(scale · Q_h K_hᵀ) V_h, with Q_h, K_h, V_h the columns h·dh…, hidden + h·dh…,
/// 2·hidden + h·dh… (hidden = heads · dh) of `qkv` (t rows, `ldqkv` floats apart) and `ctx` t rows `ldctx` apart.
/// The two products per head run on the packed kernel (Kᵀ packed into `scratch`,
/// `vln_attention_scratch_count(t, dh)` floats; V read in place when dh is a multiple of 16, else packed there too),
/// fp32 throughout. Returns 0, or −1 (nothing written) where
/// `vln_gemm_available` is 0.
int vln_attention(size_t t, size_t heads, size_t dh, const float *qkv, size_t ldqkv, float scale, float *ctx, size_t ldctx,
                  float *scratch);

#endif
