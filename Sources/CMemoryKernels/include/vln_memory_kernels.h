// Half-precision conversion and accumulation for the token memory's fp16 patch features.
// Uses F16C + AVX2 when the CPU has them (every AVX2 CPU vlnsim runs on), else a portable IEEE 754 path that gives
// the same bits (round to nearest even, subnormals and infinities kept).
#ifndef VLN_MEMORY_KERNELS_H
#define VLN_MEMORY_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/// dst[i] = binary16(src[i]), rounded to nearest even.
void vln_f32_to_f16(const float *src, uint16_t *dst, size_t n);
/// dst[i] = float(src[i]) (exact).
void vln_f16_to_f32(const uint16_t *src, float *dst, size_t n);
/// acc[i] += sign * double(src[i]) (exact for binary16 inputs while |acc| < 2^36).
void vln_f16_accumulate(const uint16_t *src, double *acc, size_t n, double sign);

#endif
