#include "vln_memory_kernels.h"
#include <string.h>
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
static int has_f16c(void) {
    static int cached = -1;
    if (cached < 0) { __builtin_cpu_init(); cached = __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx2"); }
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
__attribute__((target("avx2,f16c")))
static size_t f16_accumulate_f16c(const uint16_t *src, double *acc, size_t n, double sign) {
    size_t i = 0;
    __m256d s = _mm256_set1_pd(sign);
    for (; i + 8 <= n; i += 8) {
        __m256 f = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i)));
        __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(f)), hi = _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1));
        _mm256_storeu_pd(acc + i, _mm256_add_pd(_mm256_mul_pd(s, lo), _mm256_loadu_pd(acc + i)));
        _mm256_storeu_pd(acc + i + 4, _mm256_add_pd(_mm256_mul_pd(s, hi), _mm256_loadu_pd(acc + i + 4)));
    }
    return i;
}
#endif

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

void vln_f16_accumulate(const uint16_t *src, double *acc, size_t n, double sign) {
    size_t i = 0;
#if defined(__x86_64__)
    if (has_f16c()) i = f16_accumulate_f16c(src, acc, n, sign);
#endif
    for (; i < n; i++) acc[i] += sign * (double)f16_to_f32_scalar(src[i]);
}
