#pragma clang fp contract(off)   // identical results with and without FMA-capable targets
#include "vln_memory_kernels.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static uint16_t f32_to_f16_scalar(float f) {
    uint32_t x; memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u, mant = x & 0x7FFFFFu;
    int32_t exp = (int32_t)((x >> 23) & 0xFF);
    if (exp == 0xFF) return (uint16_t)(sign | 0x7C00u | (mant ? 0x200u | (mant >> 13) : 0));   // inf / NaN
    int32_t e = exp - 127 + 15;
    if (e >= 31) return (uint16_t)(sign | 0x7C00u);                                             // overflow → inf
    if (e <= 0) {                                                                                // subnormal or 0
        if (e < -10) return (uint16_t)sign;
        mant |= 0x800000u;
        uint32_t shift = (uint32_t)(14 - e), half = mant >> shift, rest = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
        if (rest > mid || (rest == mid && (half & 1u))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = ((uint32_t)e << 10) | (mant >> 13), rest = mant & 0x1FFFu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) half++;                              // may carry into exp
    return (uint16_t)(sign | half);
}

static float f16_to_f32_scalar(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1F, mant = h & 0x3FFu, x;
    if (exp == 0x1F) x = sign | 0x7F800000u | (mant << 13);
    else if (exp != 0) x = sign | ((exp + 112) << 23) | (mant << 13);
    else if (mant == 0) x = sign;
    else {                                                                                      // subnormal
        int e = -1;
        do { mant <<= 1; e++; } while (!(mant & 0x400u));
        x = sign | ((uint32_t)(112 - e) << 23) | ((mant & 0x3FFu) << 13);
    }
    float f; memcpy(&f, &x, 4); return f;
}

#if defined(__x86_64__)
/// AVX2 + F16C, unless VLNSIM_SIMD=baseline (any case) asks for the portable path (as for the encoder kernels).
static int has_f16c(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        const char *level = getenv("VLNSIM_SIMD");
        int baseline = level && strcasecmp(level, "baseline") == 0;
        cached = !baseline && __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx2");
    }
    return cached;
}
__attribute__((target("avx2,f16c")))
static size_t f32_to_f16_f16c(const float *src, uint16_t *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    return i;
}
__attribute__((target("avx2,f16c")))
static size_t f16_to_f32_f16c(const uint16_t *src, float *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    return i;
}
/// start ≠ 0: acc[i] = sign·src[i] + 0 (the same bits as adding to zeros), else acc[i] += sign·src[i]. Inlined into
/// `f16_accumulate_f16c` once per constant `start` (no test in the loop).
__attribute__((target("avx2,f16c"), always_inline))
static inline size_t f16_accumulate_f16c_body(const uint16_t *src, double *acc, size_t n, double sign, const int start) {
    size_t i = 0;
    const __m256d s = _mm256_set1_pd(sign), zero = _mm256_setzero_pd();
    for (; i + 8 <= n; i += 8) {
        __m256 f = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i)));
        __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(f)), hi = _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1));
        _mm256_storeu_pd(acc + i, _mm256_add_pd(_mm256_mul_pd(s, lo), start ? zero : _mm256_loadu_pd(acc + i)));
        _mm256_storeu_pd(acc + i + 4, _mm256_add_pd(_mm256_mul_pd(s, hi), start ? zero : _mm256_loadu_pd(acc + i + 4)));
    }
    return i;
}
__attribute__((target("avx2,f16c")))
static size_t f16_accumulate_f16c(const uint16_t *src, double *acc, size_t n, double sign, int start) {
    return start ? f16_accumulate_f16c_body(src, acc, n, sign, 1) : f16_accumulate_f16c_body(src, acc, n, sign, 0);
}
#endif

void vln_store_fence(void) {
#if defined(__x86_64__)
    _mm_sfence();
#endif
}

void vln_f32_to_f16(const float *src, uint16_t *dst, size_t n) {
    size_t i = 0;
#if defined(__x86_64__)
    if (has_f16c()) i = f32_to_f16_f16c(src, dst, n);
#endif
    for (; i < n; i++) dst[i] = f32_to_f16_scalar(src[i]);
}

void vln_f16_to_f32(const uint16_t *src, float *dst, size_t n) {
    size_t i = 0;
#if defined(__x86_64__)
    if (has_f16c()) i = f16_to_f32_f16c(src, dst, n);
#endif
    for (; i < n; i++) dst[i] = f16_to_f32_scalar(src[i]);
}

static void f16_accumulate(const uint16_t *src, double *acc, size_t n, double sign, int start) {
    size_t i = 0;
#if defined(__x86_64__)
    if (has_f16c()) i = f16_accumulate_f16c(src, acc, n, sign, start);
#endif
    for (; i < n; i++) acc[i] = sign * (double)f16_to_f32_scalar(src[i]) + (start ? 0.0 : acc[i]);
}

void vln_f16_accumulate(const uint16_t *src, double *acc, size_t n, double sign) { f16_accumulate(src, acc, n, sign, 0); }

#include <math.h>

static inline int select_one(float px, float py, float pz, const float r[9], const float t[3], float range, float fx,
                             float fy, float ppx, float ppy, int width, int height, const float *depth, float tol) {
    float cz = -(((r[6] * px + r[7] * py) + r[8] * pz) + t[2]);
    if (!(cz > 0.0f && cz <= range)) return 0;
    float cx = ((r[0] * px + r[1] * py) + r[2] * pz) + t[0];
    float cy = ((r[3] * px + r[4] * py) + r[5] * pz) + t[1];
    float u = (fx * cx) / cz + ppx, v = ((-fy) * cy) / cz + ppy;
    if (!(u >= 0.0f && u < (float)width && v >= 0.0f && v < (float)height)) return 0;
    float d = depth[(size_t)(int)v * (size_t)width + (size_t)(int)u];
    return d > 0.0f && isfinite(d) && cz < d + tol;
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static size_t deletion_avx2(const float *x, const float *y, const float *z, size_t n, const float r[9], const float t[3],
                            float range, float fx, float fy, float ppx, float ppy, int width, int height,
                            const float *depth, float tol, int32_t *out) {
    size_t count = 0, i = 0;
    const __m256 r6 = _mm256_set1_ps(r[6]), r7 = _mm256_set1_ps(r[7]), r8 = _mm256_set1_ps(r[8]), t2 = _mm256_set1_ps(t[2]);
    const __m256 zero = _mm256_setzero_ps(), vrange = _mm256_set1_ps(range);
    const __m256 r0 = _mm256_set1_ps(r[0]), r1 = _mm256_set1_ps(r[1]), r2 = _mm256_set1_ps(r[2]), t0 = _mm256_set1_ps(t[0]);
    const __m256 r3 = _mm256_set1_ps(r[3]), r4 = _mm256_set1_ps(r[4]), r5 = _mm256_set1_ps(r[5]), t1 = _mm256_set1_ps(t[1]);
    const __m256 vfx = _mm256_set1_ps(fx), vnfy = _mm256_set1_ps(-fy), vppx = _mm256_set1_ps(ppx), vppy = _mm256_set1_ps(ppy);
    const __m256 vw = _mm256_set1_ps((float)width), vh = _mm256_set1_ps((float)height);
    const __m256 vinf = _mm256_set1_ps(INFINITY), vtol = _mm256_set1_ps(tol);
    const __m256i viw = _mm256_set1_epi32(width);
    for (; i + 8 <= n; i += 8) {
        __m256 px = _mm256_loadu_ps(x + i), py = _mm256_loadu_ps(y + i), pz = _mm256_loadu_ps(z + i);
        __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(r6, px), _mm256_mul_ps(r7, py)), _mm256_mul_ps(r8, pz)), t2);
        __m256 cz = _mm256_sub_ps(zero, s);
        __m256 ok = _mm256_and_ps(_mm256_cmp_ps(cz, zero, _CMP_GT_OQ), _mm256_cmp_ps(cz, vrange, _CMP_LE_OQ));
        if (!_mm256_movemask_ps(ok)) continue;
        __m256 cx = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(r0, px), _mm256_mul_ps(r1, py)), _mm256_mul_ps(r2, pz)), t0);
        __m256 cy = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(r3, px), _mm256_mul_ps(r4, py)), _mm256_mul_ps(r5, pz)), t1);
        __m256 u = _mm256_add_ps(_mm256_div_ps(_mm256_mul_ps(vfx, cx), cz), vppx);
        __m256 v = _mm256_add_ps(_mm256_div_ps(_mm256_mul_ps(vnfy, cy), cz), vppy);
        ok = _mm256_and_ps(ok, _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(u, zero, _CMP_GE_OQ), _mm256_cmp_ps(u, vw, _CMP_LT_OQ)),
                                             _mm256_and_ps(_mm256_cmp_ps(v, zero, _CMP_GE_OQ), _mm256_cmp_ps(v, vh, _CMP_LT_OQ))));
        if (!_mm256_movemask_ps(ok)) continue;
        // Depth at (⌊u⌋, ⌊v⌋) for the lanes inside the image (u, v ≥ 0 there, so truncation is the floor).
        __m256i idx = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_cvttps_epi32(v), viw), _mm256_cvttps_epi32(u));
        idx = _mm256_and_si256(idx, _mm256_castps_si256(ok));
        __m256 d = _mm256_mask_i32gather_ps(zero, depth, idx, ok, 4);
        __m256 hit = _mm256_and_ps(ok, _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(d, zero, _CMP_GT_OQ), _mm256_cmp_ps(d, vinf, _CMP_LT_OQ)),
                                                     _mm256_cmp_ps(cz, _mm256_add_ps(d, vtol), _CMP_LT_OQ)));
        int mask = _mm256_movemask_ps(hit);
        while (mask) {
            int lane = __builtin_ctz(mask);
            mask &= mask - 1;
            out[count++] = (int32_t)(i + (size_t)lane);
        }
    }
    for (; i < n; i++)
        if (select_one(x[i], y[i], z[i], r, t, range, fx, fy, ppx, ppy, width, height, depth, tol)) out[count++] = (int32_t)i;
    return count;
}
#endif

size_t vln_deletion_test(const float *x, const float *y, const float *z, size_t n, const float r[9], const float t[3],
                         float range, float fx, float fy, float ppx, float ppy, int width, int height,
                         const float *depth, float tol, int32_t *out) {
#if defined(__x86_64__)
    if (has_f16c()) return deletion_avx2(x, y, z, n, r, t, range, fx, fy, ppx, ppy, width, height, depth, tol, out);
#endif
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (select_one(x[i], y[i], z[i], r, t, range, fx, fy, ppx, ppy, width, height, depth, tol)) out[count++] = (int32_t)i;
    return count;
}

// MARK: - Fused conversion and sums, batched norms and dot products

#if defined(__x86_64__)
/// Eight values: dst = binary16(src) (streamed past the caches when `stream`), then acc = (start ? 0 : acc) +
/// double(dst) — with `start`, the sum of one row, the same bits as adding it to zeros.
__attribute__((target("avx2,f16c"), always_inline))
static inline void f32_to_f16_accumulate8(const float *src, uint16_t *dst, double *acc, const int start, const int stream) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src), _MM_FROUND_TO_NEAREST_INT);
    if (stream) _mm_stream_si128((__m128i *)dst, h); else _mm_storeu_si128((__m128i *)dst, h);
    const __m256 f = _mm256_cvtph_ps(h);
    const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(f)), hi = _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1));
    _mm256_storeu_pd(acc, _mm256_add_pd(start ? _mm256_setzero_pd() : _mm256_loadu_pd(acc), lo));
    _mm256_storeu_pd(acc + 4, _mm256_add_pd(start ? _mm256_setzero_pd() : _mm256_loadu_pd(acc + 4), hi));
}
/// Inlined into `f32_to_f16_accumulate_f16c` once per constant `start` (no test in the loop). A 16-byte aligned row is
/// written with streaming stores: it is not read back during the update, so its cache lines are not fetched first.
__attribute__((target("avx2,f16c"), always_inline))
static inline size_t f32_to_f16_accumulate_f16c_body(const float *src, uint16_t *dst, double *acc, size_t n, const int start) {
    size_t i = 0;
    if (((uintptr_t)dst & 15) == 0) {
        for (; i + 8 <= n; i += 8) f32_to_f16_accumulate8(src + i, dst + i, acc + i, start, 1);
    } else {
        for (; i + 8 <= n; i += 8) f32_to_f16_accumulate8(src + i, dst + i, acc + i, start, 0);
    }
    return i;
}
__attribute__((target("avx2,f16c")))
static size_t f32_to_f16_accumulate_f16c(const float *src, uint16_t *dst, double *acc, size_t n, int start) {
    return start ? f32_to_f16_accumulate_f16c_body(src, dst, acc, n, 1) : f32_to_f16_accumulate_f16c_body(src, dst, acc, n, 0);
}

__attribute__((target("avx2")))
static void sum_squares_avx2(const double *const rows[], size_t count, size_t n, double *out) {
    const double *r0 = rows[0], *r1 = count > 1 ? rows[1] : r0, *r2 = count > 2 ? rows[2] : r0, *r3 = count > 3 ? rows[3] : r0;
    __m256d acc = _mm256_setzero_pd();
    size_t j = 0;
    // Four indices at a time: a 4×4 transpose gives, per index, the four rows' values in the lanes; the adds stay in
    // index order per lane.
    for (; j + 4 <= n; j += 4) {
        __m256d a = _mm256_loadu_pd(r0 + j), b = _mm256_loadu_pd(r1 + j), c = _mm256_loadu_pd(r2 + j), d = _mm256_loadu_pd(r3 + j);
        __m256d ab_lo = _mm256_unpacklo_pd(a, b), ab_hi = _mm256_unpackhi_pd(a, b);     // a0 b0 a2 b2 | a1 b1 a3 b3
        __m256d cd_lo = _mm256_unpacklo_pd(c, d), cd_hi = _mm256_unpackhi_pd(c, d);
        __m256d v0 = _mm256_permute2f128_pd(ab_lo, cd_lo, 0x20), v1 = _mm256_permute2f128_pd(ab_hi, cd_hi, 0x20);
        __m256d v2 = _mm256_permute2f128_pd(ab_lo, cd_lo, 0x31), v3 = _mm256_permute2f128_pd(ab_hi, cd_hi, 0x31);
        acc = _mm256_add_pd(acc, _mm256_mul_pd(v0, v0));
        acc = _mm256_add_pd(acc, _mm256_mul_pd(v1, v1));
        acc = _mm256_add_pd(acc, _mm256_mul_pd(v2, v2));
        acc = _mm256_add_pd(acc, _mm256_mul_pd(v3, v3));
    }
    for (; j < n; j++) {
        __m256d v = _mm256_set_pd(r3[j], r2[j], r1[j], r0[j]);
        acc = _mm256_add_pd(acc, _mm256_mul_pd(v, v));
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, acc);
    for (size_t k = 0; k < count; k++) out[k] = lanes[k];
}

__attribute__((target("avx2")))
static void dots_avx2(const float *a, const float *const rows[], size_t count, size_t n, float *out) {
    if (count <= 4) {
        // Up to four rows in the lanes of a 128-bit vector, four indices at a time through a 4×4 transpose.
        const float *r0 = rows[0], *r1 = count > 1 ? rows[1] : r0, *r2 = count > 2 ? rows[2] : r0, *r3 = count > 3 ? rows[3] : r0;
        __m128 acc = _mm_setzero_ps();
        size_t j = 0;
        for (; j + 4 <= n; j += 4) {
            __m128 v0 = _mm_loadu_ps(r0 + j), v1 = _mm_loadu_ps(r1 + j), v2 = _mm_loadu_ps(r2 + j), v3 = _mm_loadu_ps(r3 + j);
            _MM_TRANSPOSE4_PS(v0, v1, v2, v3);
            acc = _mm_add_ps(acc, _mm_mul_ps(_mm_set1_ps(a[j]), v0));
            acc = _mm_add_ps(acc, _mm_mul_ps(_mm_set1_ps(a[j + 1]), v1));
            acc = _mm_add_ps(acc, _mm_mul_ps(_mm_set1_ps(a[j + 2]), v2));
            acc = _mm_add_ps(acc, _mm_mul_ps(_mm_set1_ps(a[j + 3]), v3));
        }
        for (; j < n; j++) acc = _mm_add_ps(acc, _mm_mul_ps(_mm_set1_ps(a[j]), _mm_set_ps(r3[j], r2[j], r1[j], r0[j])));
        float lanes[4];
        _mm_storeu_ps(lanes, acc);
        for (size_t k = 0; k < count; k++) out[k] = lanes[k];
        return;
    }
    const float *r[8];
    for (size_t k = 0; k < 8; k++) r[k] = k < count ? rows[k] : rows[0];
    __m256 acc = _mm256_setzero_ps();
    for (size_t j = 0; j < n; j++) {
        __m256 b = _mm256_set_ps(r[7][j], r[6][j], r[5][j], r[4][j], r[3][j], r[2][j], r[1][j], r[0][j]);
        acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(a[j]), b));
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, acc);
    for (size_t k = 0; k < count; k++) out[k] = lanes[k];
}
#endif

static void f32_to_f16_sum(const float *src, uint16_t *dst, double *acc, size_t n, int start) {
    size_t i = 0;
#if defined(__x86_64__)
    if (has_f16c()) i = f32_to_f16_accumulate_f16c(src, dst, acc, n, start);
#endif
    for (; i < n; i++) {
        dst[i] = f32_to_f16_scalar(src[i]);
        acc[i] = (start ? 0.0 : acc[i]) + (double)f16_to_f32_scalar(dst[i]);
    }
}

void vln_f32_to_f16_accumulate(const float *src, uint16_t *dst, double *acc, size_t n) { f32_to_f16_sum(src, dst, acc, n, 0); }

void vln_f32_to_f16_start_sum(const float *src, uint16_t *dst, double *acc, size_t n) { f32_to_f16_sum(src, dst, acc, n, 1); }

void vln_f16_sum_rows(const uint16_t *rows, const int32_t *slots, size_t count, size_t n, double *sum) {
    if (count == 0) { for (size_t j = 0; j < n; j++) sum[j] = 0; return; }
    for (size_t k = 0; k < count && k < 2; k++) vln_prefetch(rows + (size_t)slots[k] * n, 2 * n, 0);
    for (size_t k = 0; k < count; k++) {
        // The rows are scattered slots: the hardware prefetcher does not guess them, so ask two rows ahead.
        if (k + 2 < count) vln_prefetch(rows + (size_t)slots[k + 2] * n, 2 * n, 0);
        f16_accumulate(rows + (size_t)slots[k] * n, sum, n, 1, k == 0);
    }
}

void vln_sum_squares(const double *const rows[], size_t count, size_t n, double *out) {
    if (count == 0) return;
#if defined(__x86_64__)
    if (has_f16c() && count <= 4) { sum_squares_avx2(rows, count, n, out); return; }
#endif
    for (size_t k = 0; k < count; k++) {
        double s = 0;
        for (size_t j = 0; j < n; j++) s += rows[k][j] * rows[k][j];
        out[k] = s;
    }
}

void vln_dots(const float *a, const float *const rows[], size_t count, size_t n, float *out) {
    if (count == 0) return;
#if defined(__x86_64__)
    if (has_f16c() && count <= 8) { dots_avx2(a, rows, count, n, out); return; }
#endif
    for (size_t k = 0; k < count; k++) {
        float s = 0;
        for (size_t j = 0; j < n; j++) s += a[j] * rows[k][j];
        out[k] = s;
    }
}

#if defined(__x86_64__)
/// out[j] = Float(src[j] / s) (`divide`) or Float(src[j] · s), 8 values a time; returns how many were done. Inlined
/// once per constant `divide` (IEEE division and multiplication in double: the scalar loop's bits).
__attribute__((target("avx2"), always_inline))
static inline size_t scaled_to_f32_avx2(const double *src, double s, float *out, size_t n, const int divide) {
    size_t j = 0;
    const __m256d v = _mm256_set1_pd(s);
    for (; j + 8 <= n; j += 8) {
        const __m256d a = _mm256_loadu_pd(src + j), b = _mm256_loadu_pd(src + j + 4);
        const __m128 lo = _mm256_cvtpd_ps(divide ? _mm256_div_pd(a, v) : _mm256_mul_pd(a, v));
        const __m128 hi = _mm256_cvtpd_ps(divide ? _mm256_div_pd(b, v) : _mm256_mul_pd(b, v));
        _mm256_storeu_ps(out + j, _mm256_set_m128(hi, lo));
    }
    return j;
}
__attribute__((target("avx2")))
static size_t quotients_avx2(const double *src, double divisor, float *out, size_t n) {
    return scaled_to_f32_avx2(src, divisor, out, n, 1);
}
__attribute__((target("avx2")))
static size_t products_avx2(const double *src, double factor, float *out, size_t n) {
    return scaled_to_f32_avx2(src, factor, out, n, 0);
}
#endif

void vln_quotients_to_f32(const double *src, double divisor, float *out, size_t n) {
    if (!(divisor > 0)) { for (size_t j = 0; j < n; j++) out[j] = 0; return; }
    size_t j = 0;
#if defined(__x86_64__)
    if (has_f16c()) j = quotients_avx2(src, divisor, out, n);
#endif
    for (; j < n; j++) out[j] = (float)(src[j] / divisor);
}

void vln_products_to_f32(const double *src, double factor, float *out, size_t n) {
    size_t j = 0;
#if defined(__x86_64__)
    if (has_f16c()) j = products_avx2(src, factor, out, n);
#endif
    for (; j < n; j++) out[j] = (float)(src[j] * factor);
}

void vln_prefetch(const void *p, size_t bytes, int write) {
    const char *c = (const char *)p;
    for (size_t i = 0; i < bytes; i += 64) {
        if (write) __builtin_prefetch(c + i, 1, 3); else __builtin_prefetch(c + i, 0, 3);
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static int all_within_avx2(const float *v, size_t n, float limit, size_t *done) {
    const __m256 sign = _mm256_set1_ps(-0.0f), lim = _mm256_set1_ps(limit);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 a = _mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(v + i)), lim, _CMP_LE_OQ);
        __m256 b = _mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(v + i + 8)), lim, _CMP_LE_OQ);
        __m256 c = _mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(v + i + 16)), lim, _CMP_LE_OQ);
        __m256 d = _mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(v + i + 24)), lim, _CMP_LE_OQ);
        if (_mm256_movemask_ps(_mm256_and_ps(_mm256_and_ps(a, b), _mm256_and_ps(c, d))) != 0xFF) return 0;
    }
    *done = i;
    return 1;
}
#endif

int vln_all_within(const float *v, size_t n, float limit) {
    size_t i = 0;
#if defined(__x86_64__)
    if (has_f16c() && !all_within_avx2(v, n, limit, &i)) return 0;
#endif
    for (; i < n; i++) if (!(fabsf(v[i]) <= limit)) return 0;
    return 1;
}
