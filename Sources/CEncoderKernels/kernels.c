#include "vln_kernels.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "dispatch.h"
#include "scalar_math.h"

static inline __attribute__((always_inline)) void vln_gelu_inplace_body(float *x, size_t count) {
    for (size_t i = 0; i < count; i++) x[i] = vln_gelu1(x[i]);
}
VLN_DISPATCH(vln_gelu_inplace, (float *x, size_t count), (x, count))

static inline __attribute__((always_inline)) void vln_exp_body(const float *x, float *y, size_t count) {
    for (size_t i = 0; i < count; i++) y[i] = vln_expf(x[i]);
}
VLN_DISPATCH(vln_exp, (const float *x, float *y, size_t count), (x, y, count))

static inline __attribute__((always_inline)) void vln_softmax_rows_body(float *x, size_t rows, size_t width, size_t ld) {
    for (size_t r = 0; r < rows; r++) {
#pragma clang fp reassociate(on)
        float *row = x + r * ld;
        float m = -INFINITY;
        for (size_t i = 0; i < width; i++) m = row[i] > m ? row[i] : m;
        float sum = 0;
        for (size_t i = 0; i < width; i++) {
            float e = vln_expf(row[i] - m);
            row[i] = e;
            sum += e;
        }
        float inv = 1.0f / sum;
        for (size_t i = 0; i < width; i++) row[i] *= inv;
    }
}
VLN_DISPATCH(vln_softmax_rows, (float *x, size_t rows, size_t width, size_t ld), (x, rows, width, ld))

// The end of LayerNorm on one row whose element sum is known: biased variance, then
// (x − mean) / √(var + eps) · gamma + beta in place.
static inline __attribute__((always_inline)) void layernorm_finish(float *row, size_t width, float sum, const float *gamma,
                                                                   const float *beta, float eps) {
#pragma clang fp reassociate(on)
    float mean = sum / (float)width;
    float sq = 0;
    for (size_t i = 0; i < width; i++) {
        float d = row[i] - mean;
        sq += d * d;
    }
    float inv = 1.0f / sqrtf(sq / (float)width + eps);
    for (size_t i = 0; i < width; i++) row[i] = (row[i] - mean) * inv * gamma[i] + beta[i];
}

static inline __attribute__((always_inline)) void vln_layernorm_rows_body(float *x, size_t rows, size_t width, const float *gamma, const float *beta, float eps) {
    for (size_t r = 0; r < rows; r++) {
#pragma clang fp reassociate(on)
        float *row = x + r * width;
        float sum = 0;
        for (size_t i = 0; i < width; i++) sum += row[i];
        layernorm_finish(row, width, sum, gamma, beta, eps);
    }
}
VLN_DISPATCH(vln_layernorm_rows, (float *x, size_t rows, size_t width, const float *gamma, const float *beta, float eps), (x, rows, width, gamma, beta, eps))

static inline __attribute__((always_inline)) void vln_add_inplace_body(float *a, const float *b, size_t count) {
    for (size_t i = 0; i < count; i++) a[i] += b[i];
}
VLN_DISPATCH(vln_add_inplace, (float *a, const float *b, size_t count), (a, b, count))


static inline __attribute__((always_inline)) void vln_bias_gelu_body(float *x, size_t rows, size_t width, const float *bias) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * width;
        for (size_t i = 0; i < width; i++) row[i] = vln_gelu1(row[i] + bias[i]);
    }
}
VLN_DISPATCH(vln_bias_gelu, (float *x, size_t rows, size_t width, const float *bias), (x, rows, width, bias))

static inline __attribute__((always_inline)) void vln_bias_residual_layernorm_body(float *x, const float *y, size_t rows, size_t width,
                                                                                  const float *bias, const float *gamma,
                                                                                  const float *beta, float eps) {
    for (size_t r = 0; r < rows; r++) {
#pragma clang fp reassociate(on)
        float *row = x + r * width;
        const float *add = y + r * width;
        float sum = 0;
        for (size_t i = 0; i < width; i++) {
            float v = row[i] + add[i] + bias[i];
            row[i] = v;
            sum += v;
        }
        layernorm_finish(row, width, sum, gamma, beta, eps);
    }
}
VLN_DISPATCH(vln_bias_residual_layernorm,
             (float *x, const float *y, size_t rows, size_t width, const float *bias, const float *gamma, const float *beta, float eps),
             (x, y, rows, width, bias, gamma, beta, eps))

static inline __attribute__((always_inline)) void vln_add_bias_rows_body(float *y, size_t rows, size_t width, size_t ld, const float *bias) {
    for (size_t r = 0; r < rows; r++) {
        float *row = y + r * ld;
        for (size_t i = 0; i < width; i++) row[i] += bias[i];
    }
}
VLN_DISPATCH(vln_add_bias_rows, (float *y, size_t rows, size_t width, size_t ld, const float *bias), (y, rows, width, ld, bias))

int vln_cpu_simd_level(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl"))
        return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}

int vln_simd_level(void) {
    static int cached = -1;
    int level = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (level >= 0) return level;
    level = vln_cpu_simd_level();
    const char *cap = getenv("VLNSIM_SIMD");
    if (cap && *cap) {
        int limit = strcasecmp(cap, "avx512") == 0 ? 2 : strcasecmp(cap, "avx2") == 0 ? 1 : strcasecmp(cap, "baseline") == 0 ? 0 : -1;
        if (limit < 0) {
            fprintf(stderr, "warning: VLNSIM_SIMD='%s' is not one of avx512, avx2, baseline; ignored\n", cap);
        } else if (limit < level) {
            level = limit;
        }
    }
    __atomic_store_n(&cached, level, __ATOMIC_RELAXED);
    return level;
}

// OpenBLAS's dynamic-architecture entry points (exported by DYNAMIC_ARCH builds such as Debian's); weak, so that a
// build without them still links.
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

int vln_openblas_reselect_core(const char *core) {
    if (!gotoblas_dynamic_init || !gotoblas_dynamic_quit) return 0;
    // OpenBLAS reads OPENBLAS_CORETYPE only while it initialises: set it for that, then take it away again, so that
    // the environment still says what the user set (nothing).
    setenv("OPENBLAS_CORETYPE", core, 1);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    unsetenv("OPENBLAS_CORETYPE");
    return 1;
}
