// fp32 products with pre-packed B on AVX2 + FMA; see vln_gemm.h for the method and the packed layout.
#include "vln_gemm.h"
#include "vln_kernels.h"
#include <string.h>

#include "scalar_math.h"

// Register block MR × NR, k-block KC, rows per A block MC: KC = 384 keeps a B micro-panel (24 KiB) in Zen 3's 32 KiB
// L1 and covers MiniLM's k = 384 in one block; MC = 48 keeps the C block over the k-blocks in L2. (Measured on an
// AMD EPYC, Zen 3: KC = 256, 128 or 192 ran 5–20 % slower; MC = 24 or 96 within noise of 48.)
enum { MR = 6, NR = 16, KC = 384, MC = 48 };

size_t vln_gemm_packed_count(size_t k, size_t n) { return k * ((n + NR - 1) / NR) * NR; }

void vln_gemm_pack_b(const float *b, size_t k, size_t n, size_t ldb, float *packed) {
    const size_t panels = (n + NR - 1) / NR;
    for (size_t j = 0; j < panels; j++) {
        for (size_t p = 0; p < k; p++) {
            float *dst = packed + (j * k + p) * NR;
            for (size_t c = 0; c < NR; c++) {
                size_t col = j * NR + c;
                dst[c] = col < n ? b[p * ldb + col] : 0.0f;
            }
        }
    }
}

size_t vln_attention_scratch_count(size_t t, size_t dh) {
    const size_t tp = (t + NR - 1) / NR * NR, dp = (dh + NR - 1) / NR * NR;
    return t * t + dh * tp + t * dp;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define VLN_GEMM_TARGET __attribute__((target("avx2,fma,prfchw")))

// The epilogue on `rows` × `cols` values of C (`ldc` apart) whose columns start at `col0`.
static inline __attribute__((always_inline)) void epilogue(float *c, size_t ldc, size_t rows, size_t cols, const float *bias,
                                                             size_t col0, vln_gemm_epilogue kind) {
    if (kind == VLN_GEMM_PLAIN) return;
    for (size_t r = 0; r < rows; r++) {
        float *row = c + r * ldc;
        if (kind == VLN_GEMM_BIAS) {
            for (size_t i = 0; i < cols; i++) row[i] += bias[col0 + i];
        } else {
            for (size_t i = 0; i < cols; i++) row[i] = vln_gelu1(row[i] + bias[col0 + i]);
        }
    }
}

// Stores (or adds, with `accumulate`) the accumulators of one row of a C block: 16 columns, or the first `cols`.
static inline __attribute__((always_inline)) VLN_GEMM_TARGET void store_row(float *c, __m256 lo, __m256 hi, size_t cols, int accumulate) {
    if (cols == NR) {
        if (accumulate) {
            lo = _mm256_add_ps(lo, _mm256_loadu_ps(c));
            hi = _mm256_add_ps(hi, _mm256_loadu_ps(c + 8));
        }
        _mm256_storeu_ps(c, lo);
        _mm256_storeu_ps(c + 8, hi);
    } else {
        float tile[NR] __attribute__((aligned(32)));
        _mm256_store_ps(tile, lo);
        _mm256_store_ps(tile + 8, hi);
        for (size_t i = 0; i < cols; i++) c[i] = accumulate ? c[i] + tile[i] : tile[i];
    }
}

// C block (6 rows × 16 columns; the first `rows` and `cols` stored) = (accumulate ? C : 0) + A micro-panel · B
// micro-panel over kc steps. A micro-panel: kc steps of 6 values (rows 0–5 of step p at a[6p…6p+5]); B micro-panel:
// kc steps of 16. 12 ymm accumulators, 2 loads of B and 6 broadcasts of A per step.
static VLN_GEMM_TARGET void kernel_6x16(size_t kc, const float *a, const float *b, float *c, size_t ldc, size_t rows, size_t cols,
                                        int accumulate) {
    // C's lines are fetched for writing while the products run (stored cold, each row would wait for its lines).
    for (size_t r = 0; r < rows; r++) {
        _m_prefetchw(c + r * ldc);
        _m_prefetchw(c + r * ldc + NR - 1);
    }
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#define VLN_GEMM_STEP(i)                                                                                             \
    do {                                                                                                             \
        const __m256 b0 = _mm256_loadu_ps(b + (i) * NR), b1 = _mm256_loadu_ps(b + (i) * NR + 8);                     \
        __m256 x = _mm256_broadcast_ss(a + (i) * MR);                                                                 \
        c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);                                        \
        x = _mm256_broadcast_ss(a + (i) * MR + 1);                                                                    \
        c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);                                        \
        x = _mm256_broadcast_ss(a + (i) * MR + 2);                                                                    \
        c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);                                        \
        x = _mm256_broadcast_ss(a + (i) * MR + 3);                                                                    \
        c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);                                        \
        x = _mm256_broadcast_ss(a + (i) * MR + 4);                                                                    \
        c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);                                        \
        x = _mm256_broadcast_ss(a + (i) * MR + 5);                                                                    \
        c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);                                        \
    } while (0)
    size_t p = 0;
    for (; p + 4 <= kc; p += 4, a += 4 * MR, b += 4 * NR) {
        VLN_GEMM_STEP(0);
        VLN_GEMM_STEP(1);
        VLN_GEMM_STEP(2);
        VLN_GEMM_STEP(3);
    }
    for (; p < kc; p++, a += MR, b += NR) VLN_GEMM_STEP(0);
#undef VLN_GEMM_STEP
    const __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    for (size_t r = 0; r < rows; r++) store_row(c + r * ldc, acc[r][0], acc[r][1], cols, accumulate);
}

// Packs `rows` rows (≤ MC) × kc columns of A (`lda` apart) into micro-panels of 6 rows (see `kernel_6x16`), rows
// past `rows` zero.
static VLN_GEMM_TARGET void pack_a(const float *a, size_t lda, size_t rows, size_t kc, float *dst) {
    for (size_t r0 = 0; r0 < rows; r0 += MR, dst += kc * MR) {
        for (size_t r = 0; r < MR; r++) {
            const float *src = a + (r0 + r) * lda;
            if (r0 + r < rows) {
                for (size_t p = 0; p < kc; p++) dst[p * MR + r] = src[p];
            } else {
                for (size_t p = 0; p < kc; p++) dst[p * MR + r] = 0.0f;
            }
        }
    }
}

static _Thread_local float apack[MC * KC] __attribute__((aligned(64)));  // A's current block, packed (72 KiB a thread)

static VLN_GEMM_TARGET void gemm_avx2(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *packed,
                                      const float *bias, vln_gemm_epilogue kind, float *c, size_t ldc) {
    if (k == 0) {
        for (size_t r = 0; r < m; r++) memset(c + r * ldc, 0, n * sizeof(float));
        epilogue(c, ldc, m, n, bias, 0, kind);
        return;
    }
    const size_t panels = (n + NR - 1) / NR;
    float *ap = apack;
    for (size_t ic = 0; ic < m; ic += MC) {  // rows of A and C: the C block (MC × n) stays in L2 over the k-blocks
        const size_t mc = m - ic < MC ? m - ic : MC;
        for (size_t pc = 0; pc < k; pc += KC) {
            const size_t kc = k - pc < KC ? k - pc : KC;
            const int accumulate = pc > 0, last = pc + kc == k;
            pack_a(a + ic * lda + pc, lda, mc, kc, ap);
            for (size_t j = 0; j < panels; j++) {  // B micro-panels (kc × 16, in L1 over the rows below)
                const float *bp = packed + (j * k + pc) * NR;
                const size_t col0 = j * NR, cols = n - col0 < NR ? n - col0 : NR;
                for (size_t ir = 0; ir < mc; ir += MR) {
                    const size_t rows = mc - ir < MR ? mc - ir : MR;
                    float *cp = c + (ic + ir) * ldc + col0;
                    kernel_6x16(kc, ap + ir * kc, bp, cp, ldc, rows, cols, accumulate);
                    if (last) epilogue(cp, ldc, rows, cols, bias, col0, kind);
                }
            }
        }
    }
}

// Softmax of each row of `s` (t × t) of scale · s, in place (row maximum subtracted first).
static VLN_GEMM_TARGET void softmax_scaled(float *s, size_t t, float scale) {
    for (size_t r = 0; r < t; r++) {
#pragma clang fp reassociate(on)
        float *row = s + r * t;
        float m = -INFINITY;
        for (size_t i = 0; i < t; i++) m = row[i] > m ? row[i] : m;
        float sum = 0;
        for (size_t i = 0; i < t; i++) {
            float e = vln_expf(scale * (row[i] - m));
            row[i] = e;
            sum += e;
        }
        float inv = 1.0f / sum;
        for (size_t i = 0; i < t; i++) row[i] *= inv;
    }
}

static VLN_GEMM_TARGET void attention_avx2(size_t t, size_t heads, size_t dh, const float *qkv, size_t ldqkv, float scale, float *ctx,
                                           size_t ldctx, float *scratch) {
    const size_t hidden = heads * dh, tp = (t + NR - 1) / NR * NR;
    float *scores = scratch, *kt = scratch + t * t, *v = kt + dh * tp;
    for (size_t h = 0; h < heads; h++) {
        const float *q = qkv + h * dh, *k = qkv + hidden + h * dh, *vh = qkv + 2 * hidden + h * dh;
        // Kᵀ (dh × t) packed as B: panel j, row p holds keys 16j…16j+15 at dimension p.
        for (size_t j = 0; j < tp / NR; j++)
            for (size_t p = 0; p < dh; p++)
                for (size_t c = 0; c < NR; c++) {
                    const size_t key = j * NR + c;
                    kt[(j * dh + p) * NR + c] = key < t ? k[key * ldqkv + p] : 0.0f;
                }
        vln_gemm_pack_b(vh, t, dh, ldqkv, v);
        gemm_avx2(t, t, dh, q, ldqkv, kt, NULL, VLN_GEMM_PLAIN, scores, t);
        softmax_scaled(scores, t, scale);
        gemm_avx2(t, dh, t, scores, t, v, NULL, VLN_GEMM_PLAIN, ctx + h * dh, ldctx);
    }
}

int vln_attention(size_t t, size_t heads, size_t dh, const float *qkv, size_t ldqkv, float scale, float *ctx, size_t ldctx,
                  float *scratch) {
    if (!vln_gemm_available()) return -1;
    if (t == 0 || heads == 0 || dh == 0) return 0;
    attention_avx2(t, heads, dh, qkv, ldqkv, scale, ctx, ldctx, scratch);
    return 0;
}

int vln_gemm_available(void) { return vln_cpu_simd_level() >= 1; }

int vln_gemm_packed(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *packed, const float *bias,
                    vln_gemm_epilogue kind, float *c, size_t ldc) {
    if (!vln_gemm_available()) return -1;
    if (m == 0 || n == 0) return 0;
    gemm_avx2(m, n, k, a, lda, packed, bias, kind, c, ldc);
    return 0;
}
#else
int vln_gemm_available(void) { return 0; }
int vln_attention(size_t t, size_t heads, size_t dh, const float *qkv, size_t ldqkv, float scale, float *ctx, size_t ldctx,
                  float *scratch) {
    (void)t; (void)heads; (void)dh; (void)qkv; (void)ldqkv; (void)scale; (void)ctx; (void)ldctx; (void)scratch;
    return -1;
}
int vln_gemm_packed(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *packed, const float *bias,
                    vln_gemm_epilogue kind, float *c, size_t ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed; (void)bias; (void)kind; (void)c; (void)ldc;
    return -1;
}
#endif
