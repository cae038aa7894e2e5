// fp32 products with pre-packed B on AVX2 + FMA; see vln_gemm.h for the method and the packed layout.
#include "vln_gemm.h"
#include "vln_kernels.h"
#include <string.h>

#include "scalar_math.h"

// Register block MR × NR, k-block KC, rows per block MC: KC = 384 keeps a B micro-panel (24 KiB) in Zen 3's 32 KiB
// L1 and covers MiniLM's k = 384 in one block; MC = 48 keeps the rows of A and C of a block in L2 over the k-blocks.
// (Measured on an AMD EPYC, Zen 3: KC = 256, 128 or 192 ran 5–20 % slower; MC = 24 or 96 within noise of 48.)
enum { MR = 6, NR = 16, KC = 384, MC = 48 };

size_t vln_gemm_packed_count(size_t k, size_t n) { return k * ((n + NR - 1) / NR) * NR; }

void vln_gemm_pack_b(const float *b, size_t k, size_t n, size_t ldb, float *packed) {
    const size_t panels = (n + NR - 1) / NR;
    for (size_t j = 0; j < panels; j++) {
        const size_t col0 = j * NR, cols = n - col0 < NR ? n - col0 : NR;
        for (size_t p = 0; p < k; p++) {
            float *dst = packed + (j * k + p) * NR;
            memcpy(dst, b + p * ldb + col0, cols * sizeof(float));
            for (size_t c = cols; c < NR; c++) dst[c] = 0.0f;
        }
    }
}

size_t vln_attention_scratch_count(size_t t, size_t dh) {
    const size_t tp = (t + NR - 1) / NR * NR, dp = (dh + NR - 1) / NR * NR;
    return t * tp + dh * tp + t * dp;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define VLN_GEMM_TARGET __attribute__((target("avx2,fma,prfchw")))

// e^x on 8 lanes: `vln_expf` (scalar_math.h) written with AVX2 intrinsics.
static inline __attribute__((always_inline)) VLN_GEMM_TARGET __m256 exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
    const __m256 magic = _mm256_set1_ps(12582912.0f);
    const __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504f), magic);
    const __m256 n = _mm256_sub_ps(t, magic);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r), _mm256_set1_ps(1.0f));
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(0x4B400000)),
                                                            _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

// GELU on 8 lanes, x·Φ(x) = x/2 · (1 + erf(x/√2)), with erf(z) ≈ z·P(z²)/Q(z²) (the rational approximation of
// Eigen's and TensorFlow's float erf; degree 13 over 8) for |z| < 3.8 and ±1 beyond (there 1 − erf|z| < 7.7e-8).
// About half the operations of `vln_gelu1`'s form (e^(−z²) and a division), which cost ≈ 10 % of MiniLM's first
// feed-forward product. |error| ≤ 7.7e-7 · max(1, |GELU(x)|) for all x (against the Double erf; `vln_gelu1`: 4.6e-7).
static inline __attribute__((always_inline)) VLN_GEMM_TARGET __m256 gelu8(__m256 v) {
    const __m256 bound = _mm256_set1_ps(3.8f);
    const __m256 z = _mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f));
    const __m256 zc = _mm256_min_ps(_mm256_max_ps(z, _mm256_sub_ps(_mm256_setzero_ps(), bound)), bound);
    const __m256 z2 = _mm256_mul_ps(zc, zc);
    __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(-2.72614225801306e-10f), z2, _mm256_set1_ps(2.77068142495902e-08f));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-2.10102402082508e-06f));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-5.69250639462346e-05f));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-7.34990630326855e-04f));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-2.95459980854025e-03f));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-1.60960333262415e-02f));
    __m256 q = _mm256_fmadd_ps(_mm256_set1_ps(-1.45660718464996e-05f), z2, _mm256_set1_ps(-2.13374055278905e-04f));
    q = _mm256_fmadd_ps(q, z2, _mm256_set1_ps(-1.68282697438203e-03f));
    q = _mm256_fmadd_ps(q, z2, _mm256_set1_ps(-7.37332916720468e-03f));
    q = _mm256_fmadd_ps(q, z2, _mm256_set1_ps(-1.42647390514189e-02f));
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 tail = _mm256_cmp_ps(_mm256_andnot_ps(sign, z), bound, _CMP_GE_OQ);  // |z| ≥ 3.8: erf = ±1
    const __m256 e = _mm256_blendv_ps(_mm256_div_ps(_mm256_mul_ps(p, zc), q), _mm256_or_ps(_mm256_and_ps(z, sign), _mm256_set1_ps(1.0f)), tail);
    const __m256 h = _mm256_mul_ps(v, _mm256_set1_ps(0.5f));
    return _mm256_fmadd_ps(h, e, h);
}

// The end of one k-block for one row of a C block (16 columns, the first `cols` stored): the accumulators, plus C
// when `accumulate`; then, on the last k-block (`bias` not NULL: bias[0…cols)), + bias and, with `gelu`, GELU.
static inline __attribute__((always_inline)) VLN_GEMM_TARGET void store_row(float *c, __m256 lo, __m256 hi, size_t cols, int accumulate,
                                                                           const float *bias, int gelu) {
    if (cols == NR) {
        if (accumulate) {
            lo = _mm256_add_ps(lo, _mm256_loadu_ps(c));
            hi = _mm256_add_ps(hi, _mm256_loadu_ps(c + 8));
        }
        if (bias) {
            lo = _mm256_add_ps(lo, _mm256_loadu_ps(bias));
            hi = _mm256_add_ps(hi, _mm256_loadu_ps(bias + 8));
            if (gelu) {
                lo = gelu8(lo);
                hi = gelu8(hi);
            }
        }
        _mm256_storeu_ps(c, lo);
        _mm256_storeu_ps(c + 8, hi);
    } else {
        float tile[NR] __attribute__((aligned(32)));
        _mm256_store_ps(tile, lo);
        _mm256_store_ps(tile + 8, hi);
        for (size_t i = 0; i < cols; i++) {
            float v = accumulate ? c[i] + tile[i] : tile[i];
            if (bias) v = gelu ? vln_gelu1(v + bias[i]) : v + bias[i];
            c[i] = v;
        }
    }
}

// C block (6 rows × 16 columns; the first `rows` and `cols` stored) = (accumulate ? C : 0) + A rows · B micro-panel
// over kc steps, then the end of `store_row`. A is read in place: row r at a + r·lda (row pointers past `rows` point
// at row 0, and their products are not stored); B micro-panel: kc steps of 16. 12 ymm accumulators, 2 loads of B and
// 6 broadcasts of A per step. (Packing A into 6-row micro-panels first, as BLIS does, measured no faster here.)
// B's k-steps are `ldb` floats apart: NR in packed panels (`kernel_6x16`, the constant folded into the addresses), a
// row of the operand itself for attention's V read in place (`kernel_6x16_ldb`).
static inline __attribute__((always_inline)) VLN_GEMM_TARGET void kernel_6x16_body(size_t kc, const float *a, size_t lda, const float *b,
                                                                                 size_t ldb, float *c, size_t ldc, size_t rows, size_t cols,
                                                                                 int accumulate, const float *bias, int gelu) {
    // C's lines are fetched for writing while the products run (stored cold, each row would wait for its lines).
    for (size_t r = 0; r < rows; r++) {
        _m_prefetchw(c + r * ldc);
        _m_prefetchw(c + r * ldc + NR - 1);
    }
    const float *a0 = a, *a1 = a + (rows > 1 ? 1 : 0) * lda, *a2 = a + (rows > 2 ? 2 : 0) * lda;
    const float *a3 = a + (rows > 3 ? 3 : 0) * lda, *a4 = a + (rows > 4 ? 4 : 0) * lda, *a5 = a + (rows > 5 ? 5 : 0) * lda;
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#define VLN_GEMM_STEP(i)                                                                                             \
    do {                                                                                                             \
        const __m256 b0 = _mm256_loadu_ps(b + (i) * ldb), b1 = _mm256_loadu_ps(b + (i) * ldb + 8);                   \
        __m256 x = _mm256_broadcast_ss(a0 + p + (i));                                                                 \
        c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);                                        \
        x = _mm256_broadcast_ss(a1 + p + (i));                                                                        \
        c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);                                        \
        x = _mm256_broadcast_ss(a2 + p + (i));                                                                        \
        c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);                                        \
        x = _mm256_broadcast_ss(a3 + p + (i));                                                                        \
        c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);                                        \
        x = _mm256_broadcast_ss(a4 + p + (i));                                                                        \
        c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);                                        \
        x = _mm256_broadcast_ss(a5 + p + (i));                                                                        \
        c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);                                        \
    } while (0)
    size_t p = 0;
    for (; p + 4 <= kc; p += 4, b += 4 * ldb) {
        VLN_GEMM_STEP(0);
        VLN_GEMM_STEP(1);
        VLN_GEMM_STEP(2);
        VLN_GEMM_STEP(3);
    }
    for (; p < kc; p++, b += ldb) VLN_GEMM_STEP(0);
#undef VLN_GEMM_STEP
    const __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    for (size_t r = 0; r < rows; r++) store_row(c + r * ldc, acc[r][0], acc[r][1], cols, accumulate, bias, gelu);
}

static VLN_GEMM_TARGET void kernel_6x16(size_t kc, const float *a, size_t lda, const float *b, float *c, size_t ldc, size_t rows,
                                        size_t cols, int accumulate, const float *bias, int gelu) {
    kernel_6x16_body(kc, a, lda, b, NR, c, ldc, rows, cols, accumulate, bias, gelu);
}

static VLN_GEMM_TARGET void kernel_6x16_ldb(size_t kc, const float *a, size_t lda, const float *b, size_t ldb, float *c, size_t ldc,
                                            size_t rows, int accumulate) {
    kernel_6x16_body(kc, a, lda, b, ldb, c, ldc, rows, NR, accumulate, NULL, 0);
}

static VLN_GEMM_TARGET void gemm_avx2(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *packed,
                                      const float *bias, vln_gemm_epilogue kind, float *c, size_t ldc) {
    if (k == 0) {  // an empty sum: 0, then the epilogue
        for (size_t r = 0; r < m; r++)
            for (size_t i = 0; i < n; i++)
                c[r * ldc + i] = kind == VLN_GEMM_PLAIN ? 0.0f : kind == VLN_GEMM_BIAS ? bias[i] : vln_gelu1(bias[i]);
        return;
    }
    const size_t panels = (n + NR - 1) / NR;
    for (size_t ic = 0; ic < m; ic += MC) {  // rows of A and C: A's block (in L2) and C's stay cached over the k-blocks
        const size_t mc = m - ic < MC ? m - ic : MC;
        for (size_t pc = 0; pc < k; pc += KC) {
            const size_t kc = k - pc < KC ? k - pc : KC;
            const int accumulate = pc > 0, last = pc + kc == k;
            for (size_t j = 0; j < panels; j++) {  // B micro-panels (kc × 16, in L1 over the rows below)
                const float *bp = packed + (j * k + pc) * NR;
                const size_t col0 = j * NR, cols = n - col0 < NR ? n - col0 : NR;
                for (size_t ir = 0; ir < mc; ir += MR) {
                    const size_t rows = mc - ir < MR ? mc - ir : MR;
                    kernel_6x16(kc, a + (ic + ir) * lda + pc, lda, bp, c + (ic + ir) * ldc + col0, ldc, rows, cols, accumulate,
                                last && kind != VLN_GEMM_PLAIN ? bias + col0 : NULL, kind == VLN_GEMM_BIAS_GELU);
                }
            }
        }
    }
}

// Softmax of each row of `s` (t rows of t values, `ld` apart) of scale · s, in place (row maximum subtracted first),
// 8 lanes at a time; the last lanes of a row through a mask.
static VLN_GEMM_TARGET void softmax_scaled(float *s, size_t t, size_t ld, float scale) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(t % 8)), lane);  // lanes < t mod 8
    const size_t full = t / 8 * 8;
    const __m256 vscale = _mm256_set1_ps(scale), lowest = _mm256_set1_ps(-INFINITY);
    for (size_t r = 0; r < t; r++) {
        float *row = s + r * ld;
        __m256 m = lowest;
        for (size_t i = 0; i < full; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(row + i));
        if (full < t) m = _mm256_max_ps(m, _mm256_blendv_ps(lowest, _mm256_maskload_ps(row + full, tail), _mm256_castsi256_ps(tail)));
        m = _mm256_max_ps(m, _mm256_permute2f128_ps(m, m, 1));
        m = _mm256_max_ps(m, _mm256_shuffle_ps(m, m, 0x4E));
        m = _mm256_max_ps(m, _mm256_shuffle_ps(m, m, 0xB1));  // the row maximum in every lane
        __m256 sum = _mm256_setzero_ps();
        for (size_t i = 0; i < full; i += 8) {
            const __m256 e = exp8(_mm256_mul_ps(vscale, _mm256_sub_ps(_mm256_loadu_ps(row + i), m)));
            _mm256_storeu_ps(row + i, e);
            sum = _mm256_add_ps(sum, e);
        }
        if (full < t) {
            const __m256 e = _mm256_and_ps(exp8(_mm256_mul_ps(vscale, _mm256_sub_ps(_mm256_maskload_ps(row + full, tail), m))),
                                           _mm256_castsi256_ps(tail));
            _mm256_maskstore_ps(row + full, tail, e);
            sum = _mm256_add_ps(sum, e);
        }
        sum = _mm256_add_ps(sum, _mm256_permute2f128_ps(sum, sum, 1));
        sum = _mm256_add_ps(sum, _mm256_shuffle_ps(sum, sum, 0x4E));
        sum = _mm256_add_ps(sum, _mm256_shuffle_ps(sum, sum, 0xB1));
        const __m256 inv = _mm256_div_ps(_mm256_set1_ps(1.0f), sum);
        for (size_t i = 0; i < full; i += 8) _mm256_storeu_ps(row + i, _mm256_mul_ps(_mm256_loadu_ps(row + i), inv));
        if (full < t) _mm256_maskstore_ps(row + full, tail, _mm256_mul_ps(_mm256_maskload_ps(row + full, tail), inv));
    }
}

// C (m × n) = A (m × k) · B (k × n) with B read in place, rows `ldb` floats apart, n a multiple of 16: the blocking
// and the FMA chains of `gemm_avx2` (the same result as packing B first), without the copy.
static VLN_GEMM_TARGET void gemm_in_place_avx2(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb,
                                               float *c, size_t ldc) {
    for (size_t ic = 0; ic < m; ic += MC) {
        const size_t mc = m - ic < MC ? m - ic : MC;
        for (size_t pc = 0; pc < k; pc += KC) {
            const size_t kc = k - pc < KC ? k - pc : KC;
            for (size_t col0 = 0; col0 < n; col0 += NR)
                for (size_t ir = 0; ir < mc; ir += MR)
                    kernel_6x16_ldb(kc, a + (ic + ir) * lda + pc, lda, b + pc * ldb + col0, ldb, c + (ic + ir) * ldc + col0, ldc,
                                    mc - ir < MR ? mc - ir : MR, pc > 0);
        }
    }
}

// Kᵀ of one head packed as B (the keys are its columns): panel j, row p holds dimension p of keys 16j…16j+15, zero
// past key t. Eight keys × eight dimensions at a time through an 8 × 8 transpose in registers (strided scalar stores
// held a third of the attention's time), the last t mod 8 keys and the padding one by one.
static VLN_GEMM_TARGET void pack_keys(const float *k, size_t ldk, size_t t, size_t dh, float *kt) {
    const size_t tp = (t + NR - 1) / NR * NR;
    size_t key = 0;
    if (dh % 8 == 0) {
        for (; key + 8 <= t; key += 8) {
            float *dst = kt + (key / NR) * dh * NR + key % NR;
            const float *src = k + key * ldk;
            for (size_t p = 0; p < dh; p += 8) {
                const __m256 r0 = _mm256_loadu_ps(src + p), r1 = _mm256_loadu_ps(src + ldk + p);
                const __m256 r2 = _mm256_loadu_ps(src + 2 * ldk + p), r3 = _mm256_loadu_ps(src + 3 * ldk + p);
                const __m256 r4 = _mm256_loadu_ps(src + 4 * ldk + p), r5 = _mm256_loadu_ps(src + 5 * ldk + p);
                const __m256 r6 = _mm256_loadu_ps(src + 6 * ldk + p), r7 = _mm256_loadu_ps(src + 7 * ldk + p);
                const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
                const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
                const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
                const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
                const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
                const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
                const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
                const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
                float *row = dst + p * NR;  // dimension p + i of the eight keys → row + i·NR
                _mm256_storeu_ps(row, _mm256_permute2f128_ps(u0, u4, 0x20));
                _mm256_storeu_ps(row + NR, _mm256_permute2f128_ps(u1, u5, 0x20));
                _mm256_storeu_ps(row + 2 * NR, _mm256_permute2f128_ps(u2, u6, 0x20));
                _mm256_storeu_ps(row + 3 * NR, _mm256_permute2f128_ps(u3, u7, 0x20));
                _mm256_storeu_ps(row + 4 * NR, _mm256_permute2f128_ps(u0, u4, 0x31));
                _mm256_storeu_ps(row + 5 * NR, _mm256_permute2f128_ps(u1, u5, 0x31));
                _mm256_storeu_ps(row + 6 * NR, _mm256_permute2f128_ps(u2, u6, 0x31));
                _mm256_storeu_ps(row + 7 * NR, _mm256_permute2f128_ps(u3, u7, 0x31));
            }
        }
    }
    for (; key < tp; key++) {
        float *dst = kt + (key / NR) * dh * NR + key % NR;
        if (key < t) {
            for (size_t p = 0; p < dh; p++) dst[p * NR] = k[key * ldk + p];
        } else {
            for (size_t p = 0; p < dh; p++) dst[p * NR] = 0.0f;
        }
    }
}

static VLN_GEMM_TARGET void attention_avx2(size_t t, size_t heads, size_t dh, const float *qkv, size_t ldqkv, float scale, float *ctx,
                                           size_t ldctx, float *scratch) {
    const size_t hidden = heads * dh, tp = (t + NR - 1) / NR * NR;
    float *scores = scratch, *kt = scratch + t * tp, *v = kt + dh * tp;  // scores: t rows, tp apart (whole 16-column tiles)
    for (size_t h = 0; h < heads; h++) {
        const float *q = qkv + h * dh, *k = qkv + hidden + h * dh, *vh = qkv + 2 * hidden + h * dh;
        pack_keys(k, ldqkv, t, dh, kt);
        gemm_avx2(t, tp, dh, q, ldqkv, kt, NULL, VLN_GEMM_PLAIN, scores, tp);  // columns past t: products with zero keys, unused
        softmax_scaled(scores, t, tp, scale);
        if (dh % NR == 0) {  // V's rows hold whole 16-column panels: read in place
            gemm_in_place_avx2(t, dh, t, scores, tp, vh, ldqkv, ctx + h * dh, ldctx);
        } else {
            vln_gemm_pack_b(vh, t, dh, ldqkv, v);
            gemm_avx2(t, dh, t, scores, tp, v, NULL, VLN_GEMM_PLAIN, ctx + h * dh, ldctx);
        }
    }
}

int vln_attention(size_t t, size_t heads, size_t dh, const float *qkv, size_t ldqkv, float scale, float *ctx, size_t ldctx,
                  float *scratch) {
    if (!vln_gemm_available()) return -1;
    if (t == 0 || heads == 0 || dh == 0) return 0;
    attention_avx2(t, heads, dh, qkv, ldqkv, scale, ctx, ldctx, scratch);
    return 0;
}

int vln_gemm_available(void) { return vln_simd_level() >= 1; }

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
