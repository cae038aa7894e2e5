// Half-precision conversion and accumulation for the token memory's fp16 patch features.
// Uses F16C + AVX2 when the CPU has them (every AVX2 CPU vlnsim runs on) and VLNSIM_SIMD is not "baseline", else a
// portable path that gives the same bits (IEEE 754 round to nearest even, subnormals and infinities kept; only a
// signalling-NaN half converts to a quiet NaN with F16C and keeps its payload bits without; the deletion
// test with the same operations in the same order).
#ifndef VLN_MEMORY_KERNELS_H
#define VLN_MEMORY_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/// dst[i] = binary16(src[i]), rounded to nearest even.
void vln_f32_to_f16(const float *src, uint16_t *dst, size_t n);
/// dst[i] = float(src[i]) (exact).
void vln_f16_to_f32(const uint16_t *src, float *dst, size_t n);
/// acc[i] += sign * double(src[i]) (exact for binary16 inputs, which lie on a 2^-24 grid, while |acc| < 2^29).
void vln_f16_accumulate(const uint16_t *src, double *acc, size_t n, double sign);



/// The token memory's deletion test over n stored patches (SoA x, y, z; world frame). With camera-from-world
/// rotation rows r[0..8] (row-major) and translation t[0..2], a patch at camera point (cx, cy, −cz) is selected when
/// 0 < cz ≤ range, u = fx·cx/cz + ppx and v = −fy·cy/cz + ppy satisfy 0 ≤ u < width, 0 ≤ v < height, and the depth D
/// at (⌊u⌋, ⌊v⌋) is > 0, finite, and cz < D + tol. NaN positions are never selected. The AVX2 path and the scalar path
/// use the same operations in the same order without fused multiply-adds, so they select the same patches.
/// Writes the selected indices, ascending, to out (room for n) and returns their count.
size_t vln_deletion_test(const float *x, const float *y, const float *z, size_t n, const float r[9], const float t[3],
                         float range, float fx, float fy, float ppx, float ppy, int width, int height,
                         const float *depth, float tol, int32_t *out);

/// out[j] = float(src[j] / divisor) (vector division: the same bits as the scalar loop), or 0 when divisor is not > 0.
void vln_quotients_to_f32(const double *src, double divisor, float *out, size_t n);
/// out[j] = float(src[j] * factor).
void vln_products_to_f32(const double *src, double factor, float *out, size_t n);

/// dst[i] = binary16(src[i]) (as vln_f32_to_f16), and acc[i] += double(dst[i]) (exact, as vln_f16_accumulate with
/// sign 1): storing a patch's feature and adding it to its segment's sum in one pass. With AVX2 and a 16-byte aligned
/// dst, the stores stream past the caches (dst's lines are not read first): call vln_store_fence before another
/// thread may read dst.
void vln_f32_to_f16_accumulate(const float *src, uint16_t *dst, double *acc, size_t n);
/// As vln_f32_to_f16_accumulate into a row of zeros, without reading it: dst[i] = binary16(src[i]) and
/// acc[i] = 0 + double(dst[i]) (the first row of a sum).
void vln_f32_to_f16_start_sum(const float *src, uint16_t *dst, double *acc, size_t n);
/// sum[j] = ((0 + row_0[j]) + row_1[j]) + … over the binary16 rows row_k = rows + slots[k]·n, k < count (exact, so in
/// any order the same value; zeros when count = 0), asking for each row two ahead (scattered slots).
void vln_f16_sum_rows(const uint16_t *rows, const int32_t *slots, size_t count, size_t n, double *sum);
/// A store fence (SFENCE): orders the streaming stores before it ahead of every later store.
void vln_store_fence(void);

/// out[k] = ((0 + r[0]·r[0]) + r[1]·r[1]) + … + r[n−1]·r[n−1] for r = rows[k], k < count: each sum in index order
/// (up to 4 at once in the lanes of one vector, so each is the sequential sum, bit for bit).
void vln_sum_squares(const double *const rows[], size_t count, size_t n, double *out);

/// out[k] = ((0 + a[0]·b[0]) + a[1]·b[1]) + … in float for b = rows[k], k < count: each in index order, as the
/// sequential loop (up to 8 at once in the lanes of one vector).
void vln_dots(const float *a, const float *const rows[], size_t count, size_t n, float *out);

/// Prefetches the cache lines of bytes at p (for writing when write ≠ 0): a hint, no effect on results.
void vln_prefetch(const void *p, size_t bytes, int write);

/// 1 when every |v[i]| ≤ limit (a NaN is not), else 0.
int vln_all_within(const float *v, size_t n, float limit);
#endif
