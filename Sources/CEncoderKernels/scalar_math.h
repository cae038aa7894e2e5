// Private to CEncoderKernels: scalar e^x and GELU written branch-free, so that the loops around them vectorise;
// shared by the element-wise kernels (kernels.c) and the product epilogues (gemm.c).
#ifndef VLN_SCALAR_MATH_H
#define VLN_SCALAR_MATH_H
#include <math.h>
#include <stdint.h>
#include <string.h>

// e^x without libm: x = n·ln2 + r, |r| ≤ ln2/2, degree-6 polynomial, 2^n from the exponent bits. Branch-free
// so that loops around it vectorise.
static inline __attribute__((always_inline)) float vln_expf(float x) {
    x = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
    const float magic = 12582912.0f;  // 1.5 · 2^23: adding it rounds to an integer held in the low mantissa bits
    float t = x * 1.44269504f + magic;
    float n = t - magic;
    float r = x - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t ni;
    memcpy(&ni, &t, 4);
    ni -= 0x4B400000;  // the bits of `magic`: what is left is n
    int32_t bits = (ni + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}

// GELU, x · ½ · (1 + erf(x / √2)), erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), as PyTorch's vectorised
// CPU GELU.
static inline __attribute__((always_inline)) float vln_gelu1(float v) {
    float z = v * 0.70710678118654752f;
    float a = fabsf(z);
    float t = 1.0f / (1.0f + 0.3275911f * a);
    float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    float e = 1.0f - poly * vln_expf(-z * z);
    e = z < 0 ? -e : e;
    return v * 0.5f * (1.0f + e);
}

#endif
