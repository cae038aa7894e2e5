// Element-wise kernels of the encoders (GELU, softmax, LayerNorm, add), in C so that clang vectorises them and
// builds AVX-512 / AVX2 variants chosen at run time (target_clones), without compiler flags on the package.
#ifndef VLN_KERNELS_H
#define VLN_KERNELS_H
#include <stddef.h>

/// x[i] = x[i] · ½ · (1 + erf(x[i] / √2)), erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), as PyTorch's
/// vectorised CPU GELU.
void vln_gelu_inplace(float *x, size_t count);

/// Softmax of each row in place (row maximum subtracted first); rows of `width` values, `ld` values apart.
void vln_softmax_rows(float *x, size_t rows, size_t width, size_t ld);

/// LayerNorm of each row in place: (x − mean) / √(biased variance + eps) · gamma + beta.
void vln_layernorm_rows(float *x, size_t rows, size_t width, const float *gamma, const float *beta, float eps);

/// x[r][i] = GELU(x[r][i] + bias[i]) for `rows` rows of `width` values (GELU as `vln_gelu_inplace`).
void vln_bias_gelu(float *x, size_t rows, size_t width, const float *bias);

/// x[r] = LayerNorm(x[r] + y[r] + bias) for `rows` rows of `width` values (the residual connection of a
/// transformer block after a bias-free product y).
void vln_bias_residual_layernorm(float *x, const float *y, size_t rows, size_t width, const float *bias, const float *gamma,
                                 const float *beta, float eps);

/// y[r][i] += bias[i] for `rows` rows of `width` values, `ld` values apart.
void vln_add_bias_rows(float *y, size_t rows, size_t width, size_t ld, const float *bias);

/// a[i] += b[i].
void vln_add_inplace(float *a, const float *b, size_t count);

/// e^x[i] for each i, relative error ≤ 2e-7 on [−87, 88] (Cephes expf); for tests.
void vln_exp(const float *x, float *y, size_t count);

/// 2 if the CPU has AVX-512 (F, DQ, BW, VL), 1 if AVX2 and FMA, 0 otherwise.
int vln_cpu_simd_level(void);

/// The level the kernels run at: `vln_cpu_simd_level()`, capped by the environment variable VLNSIM_SIMD when it is
/// `avx512` (2), `avx2` (1) or `baseline` (0), in any case — to run on a wide CPU what a narrower one runs; another
/// value is ignored with a warning on stderr. Read once. Every dispatching kernel, the AMX product (which needs 2),
/// the packed AVX2 product (which needs 1) and, at 1 and 2, the OpenBLAS kernel choice (`BLAS` in VLNEncoders) follow
/// it; at 0 OpenBLAS keeps the kernels it chose.
int vln_simd_level(void);

/// Makes a dynamic-architecture OpenBLAS re-select its kernels as if OPENBLAS_CORETYPE were `core` (the variable is
/// set while OpenBLAS re-initialises, then removed). Only safe before the first BLAS call, and not while other
/// threads read the environment. Returns 0 (and does nothing) if the OpenBLAS linked in is not a
/// dynamic-architecture build.
int vln_openblas_reselect_core(const char *core);

#endif
