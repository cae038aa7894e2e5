// Matrix products on Intel AMX tiles (AMX-TILE + AMX-BF16) at close to single precision: "bf16x3".
//
// Each fp32 operand x is split into two bfloat16 values, hi = bf16(x) and lo = bf16(x − hi) (round to nearest
// even), so that hi + lo carries 16 of fp32's 24 significand bits. A product is then
//     A·B ≈ Ahi·Bhi + Ahi·Blo + Alo·Bhi
// with bf16 × bf16 products exact in fp32 and fp32 accumulation (TDPBF16PS); the dropped term Alo·Blo and the
// rounding of lo are ~2⁻¹⁶ of each product, against ~2⁻²⁴ for fp32 — the accuracy of fp32 accumulation over a few
// hundred terms, at a fraction of the cost of fp32 FMAs. (Henry, Tang & Heinecke, "Leveraging the bfloat16
// artificial intelligence datatype for higher-precision computations", ARITH 2019; the same 3-pass split is XLA's
// BF16_BF16_F32_X3 dot algorithm, "bfloat16_3x" on TPUs.)
//
// Unlike fp32, an infinite operand (or a finite one of magnitude ≥ (2 − 2⁻⁸)·2¹²⁷ ≈ 3.396e38, whose hi rounds
// to infinity) gives NaN, not ±∞, in the outputs it reaches: its lo is ∞ − ∞ or x − ∞. And the tiles (and the
// conversion of A) read bfloat16 subnormals as zero and flush subnormal products: operands below about 2⁻¹¹⁷
// (≈ 6e-36) lose their lo (≈ 2⁻⁸ relative error), products below about 2⁻¹¹⁸ their cross terms, and fp32
// subnormal operands count as 0.
//
// Layouts: row-major, leading dimensions in elements. B is pre-packed once (weights) into VNNI tiles:
// for each 32-column slab, for each 32-row k-block: hi tile of columns 0–15, hi tile 16–31, lo tile 0–15,
// lo tile 16–31; a tile is 16 rows (k pairs) × 32 bf16 (16 columns × 2 consecutive k). Rows and columns past k
// and n are zero.
#ifndef VLN_AMX_H
#define VLN_AMX_H
#include <stddef.h>
#include <stdint.h>

/// 1 if this CPU has AMX-TILE, AMX-BF16 and AVX512-BF16 and the kernel lets this process use the tile data
/// (Linux `arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)`, asked once); 0 otherwise. Never 1 off x86-64.
int vln_amx_available(void);

/// The number of uint16 values of B (k × n) packed by `vln_amx_pack_b`: 2 · ⌈k/32⌉·32 · ⌈n/32⌉·32.
size_t vln_amx_packed_count(size_t k, size_t n);

/// Packs B (k × n, row-major, `ldb` elements between rows) into `packed` (`vln_amx_packed_count(k, n)` values).
/// Works without AMX (plain C).
void vln_amx_pack_b(const float *b, size_t k, size_t n, size_t ldb, uint16_t *packed);

/// C (m × n, `ldc`) = A (m × k, `lda`) · B, B packed by `vln_amx_pack_b` with the same k and n; C is overwritten
/// (with zeros when k = 0; A and `packed` are then not read).
/// One thread. Returns 0 on success, −1 if AMX is not available (`vln_amx_available`) or a scratch allocation
/// failed (C is then untouched). Each row of C depends only on the same row of A (not on m or the other rows).
/// Keeps its scratch (A's split rows: at most about 1 MiB, or 32 · ⌈k/32⌉·32 · 4 bytes when k > 8192) per calling
/// thread between calls; it is freed when the thread ends.
int vln_amx_gemm_bf16x3(size_t m, size_t n, size_t k, const float *a, size_t lda, const uint16_t *packed, float *c, size_t ldc);

#endif
