// bf16x3 matrix products on AMX tiles; see vln_amx.h for the method and the packed layout.
#include "vln_amx.h"
#include "vln_kernels.h"
#include <stdlib.h>
#include <string.h>

static size_t round32(size_t v) { return (v + 31) & ~(size_t)31; }

// Round to nearest even; NaN stays a (quiet) NaN. Denormals are kept here; the AMX unit reads them as zero.
static uint16_t bf16_rne(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

static float bf16_to_float(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

size_t vln_amx_packed_count(size_t k, size_t n) { return 2 * round32(k) * round32(n); }

void vln_amx_pack_b(const float *b, size_t k, size_t n, size_t ldb, uint16_t *packed) {
    const size_t kBlocks = round32(k) / 32, nSlabs = round32(n) / 32;
    uint16_t *p = packed;
    for (size_t slab = 0; slab < nSlabs; slab++) {
        for (size_t kb = 0; kb < kBlocks; kb++) {
            for (int part = 0; part < 2; part++) {  // 0: hi, 1: lo
                for (int half = 0; half < 2; half++) {  // columns 0–15, 16–31 of the slab
                    for (size_t r = 0; r < 16; r++) {  // k pair
                        for (size_t col = 0; col < 16; col++) {
                            for (size_t e = 0; e < 2; e++) {
                                size_t kk = kb * 32 + 2 * r + e, nn = slab * 32 + (size_t)half * 16 + col;
                                float v = (kk < k && nn < n) ? b[kk * ldb + nn] : 0.0f;
                                uint16_t hi = bf16_rne(v);
                                *p++ = part == 0 ? hi : bf16_rne(v - bf16_to_float(hi));
                            }
                        }
                    }
                }
            }
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__)) && defined(__linux__)
#include <cpuid.h>
#include <immintrin.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#define VLN_AMX_TARGET __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,prfchw")))
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

static int amx_state = -1;

static int amx_probe(void) {
    const char *env = getenv("VLNSIM_AMX");
    if (env && strcmp(env, "0") == 0) return 0;
    if (vln_simd_level() < 2) return 0;
    unsigned a, b, c, d;
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    int amxTile = (d >> 24) & 1, amxBF16 = (d >> 22) & 1;
    __cpuid_count(7, 1, a, b, c, d);
    int avx512BF16 = (a >> 5) & 1;
    if (!amxTile || !amxBF16 || !avx512BF16) return 0;
    return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}

int vln_amx_available(void) {
    int s = __atomic_load_n(&amx_state, __ATOMIC_ACQUIRE);
    if (s < 0) {
        s = amx_probe();
        __atomic_store_n(&amx_state, s, __ATOMIC_RELEASE);
    }
    return s;
}

// Tile configuration (palette 1): every tile 16 rows × 64 bytes.
typedef struct {
    uint8_t palette, startRow, reserved[14];
    uint16_t bytesPerRow[16];
    uint8_t rows[16];
} TileConfig;

// Splits `rows` rows of A (k values each, `lda` apart) into bf16 hi and lo tiles, zero past k and past `rows` up
// to `rowsPadded`: for each 16-row group, for each 32-value k-block, the hi tile (16 × 32) then the lo tile, so that
// every tile load below reads 1 KiB of consecutive memory.
static VLN_AMX_TARGET void split_rows(const float *a, size_t lda, size_t rows, size_t rowsPadded, size_t k, size_t kpad, uint16_t *tiles) {
    const size_t kBlocks = kpad / 32;
    for (size_t r = 0; r < rowsPadded; r++) {
        const float *row = a + r * lda;
        uint16_t *dst = tiles + (r / 16) * kBlocks * 1024 + (r % 16) * 32;
        for (size_t j = 0; j < kpad; j += 32, dst += 1024) {
            size_t valid = r >= rows || j >= k ? 0 : k - j;
            __mmask16 m0 = valid >= 16 ? 0xffff : (__mmask16)((1u << valid) - 1);
            __mmask16 m1 = valid >= 32 ? 0xffff : (valid <= 16 ? 0 : (__mmask16)((1u << (valid - 16)) - 1));
            __m512 x0 = _mm512_maskz_loadu_ps(m0, row + j), x1 = _mm512_maskz_loadu_ps(m1, row + j + 16);
            __m512i hv = (__m512i)_mm512_cvtne2ps_pbh(x1, x0);  // elements 0–15 from x0, 16–31 from x1
            __m512 h0 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256(hv)), 16));
            __m512 h1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(hv, 1)), 16));
            __m512i lv = (__m512i)_mm512_cvtne2ps_pbh(_mm512_sub_ps(x1, h1), _mm512_sub_ps(x0, h0));
            _mm512_storeu_si512((void *)dst, hv);
            _mm512_storeu_si512((void *)(dst + 512), lv);
        }
    }
}

// Stores accumulator tile `t` (16 × 16 fp32) at C rows [row, row+16), columns [col, col+16), clipped to m × n.
#define STORE_TILE(t, row, col)                                                                                   \
    do {                                                                                                          \
        if ((row) + 16 <= m && (col) + 16 <= n) {                                                                 \
            _tile_stored(t, c + (row) * ldc + (col), ldc * sizeof(float));                                        \
        } else {                                                                                                  \
            _tile_stored(t, edge, 16 * sizeof(float));                                                            \
            for (size_t rr = 0; rr < 16 && (row) + rr < m; rr++)                                                  \
                for (size_t cc = 0; cc < 16 && (col) + cc < n; cc++) c[((row) + rr) * ldc + (col) + cc] = edge[rr * 16 + cc]; \
        }                                                                                                         \
    } while (0)

// C tiles 0–3 (rows 0–15 × columns 0–15, 0–15 × 16–31, 16–31 × 0–15, 16–31 × 16–31) += A rows · B columns, one
// bf16 k-block of 32. Loads and products interleaved, so that the first product waits for two loads, not four.
#define PRODUCT_2X2(a0, a1, b0, b1)  \
    do {                             \
        _tile_loadd(4, a0, 64);      \
        _tile_loadd(6, b0, 64);      \
        _tile_dpbf16ps(0, 4, 6);     \
        _tile_loadd(7, b1, 64);      \
        _tile_dpbf16ps(1, 4, 7);     \
        _tile_loadd(5, a1, 64);      \
        _tile_dpbf16ps(2, 5, 6);     \
        _tile_dpbf16ps(3, 5, 7);     \
    } while (0)

static VLN_AMX_TARGET void gemm_panel(size_t m, size_t n, size_t kpad, size_t rowsPadded, size_t row0, const uint16_t *tiles,
                                      const uint16_t *packed, float *c, size_t ldc) {
    const size_t kBlocks = kpad / 32, nSlabs = round32(n) / 32;
    float edge[256] __attribute__((aligned(64)));
    for (size_t slab = 0; slab < nSlabs; slab++) {
        const uint16_t *bs = packed + slab * kBlocks * 2048;
        for (size_t mb = 0; mb < rowsPadded; mb += 32) {
            const uint16_t *a0 = tiles + (mb / 16) * kBlocks * 1024, *a1 = a0 + kBlocks * 1024;
            _tile_zero(0);
            _tile_zero(1);
            _tile_zero(2);
            _tile_zero(3);
            // Three products per k-block, each with all four operand tiles loaded anew: reloading only some of them
            // (10 loads instead of 12) stalls the tile unit, 1.7 × slower here.
            // C's 64 cache lines for this block (32 rows × 128 bytes) are fetched for writing while the products
            // run, a few per k-block: stored cold, each tile store would wait for its lines.
            const size_t row = row0 + mb, col = slab * 32, perBlock = (64 + kBlocks - 1) / kBlocks;
            for (size_t kb = 0; kb < kBlocks; kb++) {
                for (size_t l = kb * perBlock; l < (kb + 1) * perBlock && l < 64; l++) {
                    size_t r = row + l / 2, cc = col + (l % 2) * 16;
                    if (r < m && cc < n) _m_prefetchw(c + r * ldc + cc);
                }
                const uint16_t *bt = bs + kb * 2048;  // B: hi 0–15, hi 16–31, lo 0–15, lo 16–31
                const uint16_t *at0 = a0 + kb * 1024, *at1 = a1 + kb * 1024;  // A: hi, lo
                PRODUCT_2X2(at0, at1, bt, bt + 512);  // Ahi · Bhi
                PRODUCT_2X2(at0 + 512, at1 + 512, bt, bt + 512);  // Alo · Bhi
                PRODUCT_2X2(at0, at1, bt + 1024, bt + 1536);  // Ahi · Blo
            }
            STORE_TILE(0, row, col);
            STORE_TILE(1, row, col + 16);
            STORE_TILE(2, row + 16, col);
            STORE_TILE(3, row + 16, col + 16);
        }
    }
}

static VLN_AMX_TARGET void configure_tiles(void) {
    TileConfig cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int t = 0; t < 8; t++) {
        cfg.rows[t] = 16;
        cfg.bytesPerRow[t] = 64;
    }
    _tile_loadconfig(&cfg);
}

static VLN_AMX_TARGET void release_tiles(void) { _tile_release(); }

// The panel's split rows: each thread's buffer, kept between calls (allocating it anew costs page faults), freed
// when the thread ends (through a pthread key's destructor, which runs in the ending thread).
static __thread uint16_t *tiles;
static __thread size_t tilesCount;
static pthread_key_t tilesKey;
static pthread_once_t tilesKeyOnce = PTHREAD_ONCE_INIT;
static int tilesKeyMade;

static void free_tiles(void *p) {
    free(p);
    tiles = NULL;
    tilesCount = 0;
}

static void make_tiles_key(void) { tilesKeyMade = pthread_key_create(&tilesKey, free_tiles) == 0; }

int vln_amx_gemm_bf16x3(size_t m, size_t n, size_t k, const float *a, size_t lda, const uint16_t *packed, float *c, size_t ldc) {
    if (!vln_amx_available()) return -1;
    if (m == 0 || n == 0) return 0;
    if (k == 0) {  // an empty sum: nothing packed, nothing to split
        for (size_t i = 0; i < m; i++) memset(c + i * ldc, 0, n * sizeof(float));
        return 0;
    }
    const size_t kpad = round32(k);
    // A panel (hi + lo, 4 bytes per value) of about 1 MiB, so that it stays in L2 while the 32-column slabs of B
    // go past it; at least 32 rows (more than 1 MiB when kpad > 8192).
    size_t panelRows = ((size_t)1 << 20) / (kpad * 4) / 32 * 32;
    if (panelRows < 32) panelRows = 32;
    if (panelRows > round32(m)) panelRows = round32(m);
    if (tilesCount < panelRows * kpad * 2) {
        uint16_t *grown = aligned_alloc(64, panelRows * kpad * 2 * sizeof(uint16_t));
        if (!grown) return -1;
        free(tiles);
        tiles = grown;
        tilesCount = panelRows * kpad * 2;
        pthread_once(&tilesKeyOnce, make_tiles_key);
        if (tilesKeyMade) pthread_setspecific(tilesKey, tiles);
    }
    configure_tiles();
    for (size_t row0 = 0; row0 < m; row0 += panelRows) {
        size_t rows = m - row0 < panelRows ? m - row0 : panelRows, rowsPadded = round32(rows);
        split_rows(a + row0 * lda, lda, rows, rowsPadded, k, kpad, tiles);
        gemm_panel(m, n, kpad, rowsPadded, row0, tiles, packed, c, ldc);
    }
    release_tiles();
    return 0;
}

#else

int vln_amx_available(void) { return 0; }

int vln_amx_gemm_bf16x3(size_t m, size_t n, size_t k, const float *a, size_t lda, const uint16_t *packed, float *c, size_t ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed; (void)c; (void)ldc;
    return -1;
}

#endif
