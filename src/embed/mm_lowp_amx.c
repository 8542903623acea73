/* mm_lowp_amx.c - tc_mm's bf16 and int8 kernels on AMX tiles (the Makefile
 * compiles *_amx.c with AMX-TILE/BF16/INT8; it runs only where
 * tc_cpu_level() == TC_CPU_AMX, i.e. the kernel granted the tile data).
 * A block of 32 rows x 32 columns is four accumulator tiles (tmm0-3), fed
 * by two tiles of a (16 rows x 64 bytes each, tmm4-5) and two of W (16
 * rows of one panel each, tmm6-7): the panels' [k/2][16][2] and [k/4][16][4]
 * packing is the tiles' own layout, so W tiles load straight from the
 * panels. The sums go through a 32 x 32 float buffer to the same epilogue
 * as the AVX-512 kernels. A row's sums depend on its own tile row only. */
#include "embed/mm.h"
#include "util/cpu.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_cfg;

static void configure(void) {
    tile_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int t = 0; t < 8; t++) cfg.colsb[t] = 64, cfg.rows[t] = 16;
    _tile_loadconfig(&cfg);
}

static inline __mmask16 col_mask(const tc_mm_w *w, int col) {
    const int left = w->n - col;
    return left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
}

/* The tile intrinsics take tile numbers as constants, hence the macro: one
 * 32 x 32 block over all of k, for dtype op (_tile_dpbf16ps/_tile_dpbusd). */
#define AMX_BLOCK(OP, A, A_STEP, A_STRIDE, B0, B1, KSTEPS, TWO_ROWS, TWO_COLS)         \
    do {                                                                               \
        _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);                   \
        for (int ks = 0; ks < (KSTEPS); ks++) {                                        \
            _tile_loadd(4, (A) + (size_t)ks * (A_STEP), (A_STRIDE));                    \
            _tile_loadd(6, (B0) + (size_t)ks * 1024, 64);                               \
            OP(0, 4, 6);                                                               \
            if (TWO_COLS) { _tile_loadd(7, (B1) + (size_t)ks * 1024, 64); OP(1, 4, 7); } \
            if (TWO_ROWS) {                                                            \
                _tile_loadd(5, (A) + 16 * (size_t)(A_STRIDE) + (size_t)ks * (A_STEP), (A_STRIDE)); \
                OP(2, 5, 6);                                                           \
                if (TWO_COLS) OP(3, 5, 7);                                             \
            }                                                                          \
        }                                                                              \
        _tile_stored(0, acc32, 128);                                                   \
        if (TWO_COLS) _tile_stored(1, acc32 + 16, 128);                                \
        if (TWO_ROWS) {                                                                \
            _tile_stored(2, acc32 + 16 * 32, 128);                                     \
            if (TWO_COLS) _tile_stored(3, acc32 + 16 * 32 + 16, 128);                  \
        }                                                                              \
    } while (0)

void tc_mm_bf16_amx(const tc_mm_w *w, int rows, const void *ab, const float *sa, float *c, int ldc, int acc) {
    (void)sa;
    float acc32[32 * 32] __attribute__((aligned(64)));
    const uint8_t *a = ab, *data = w->data;
    const size_t ps = (size_t)w->kp * 16 * 2;   /* bytes per panel */
    const int two_rows = rows > 16, ksteps = w->kp / 32, stride = w->kp * 2;
    configure();
    for (int p0 = 0; p0 < w->np; p0 += 2) {
        const int two_cols = p0 + 1 < w->np;
        const uint8_t *b0 = data + p0 * ps, *b1 = data + (p0 + 1) * ps;
        AMX_BLOCK(_tile_dpbf16ps, a, 64, stride, b0, b1, ksteps, two_rows, two_cols);
        for (int r = 0; r < rows; r++)
            for (int p = 0; p <= two_cols; p++) {
                const int col = (p0 + p) * 16;
                tc_mm_store16(_mm512_load_ps(acc32 + r * 32 + p * 16), w->bias + col, c + (size_t)r * ldc + col, acc,
                        col_mask(w, col));
            }
    }
    _tile_release();
}

void tc_mm_int8_amx(const tc_mm_w *w, int rows, const void *ab, const float *sa, float *c, int ldc, int acc) {
    int32_t acc32[32 * 32] __attribute__((aligned(64)));
    const uint8_t *a = ab, *data = w->data;
    const size_t ps = (size_t)w->kp * 16;
    const int two_rows = rows > 16, ksteps = w->kp / 64, stride = w->kp;
    configure();
    for (int p0 = 0; p0 < w->np; p0 += 2) {
        const int two_cols = p0 + 1 < w->np;
        const uint8_t *b0 = data + p0 * ps, *b1 = data + (p0 + 1) * ps;
        AMX_BLOCK(_tile_dpbusd, a, 64, stride, b0, b1, ksteps, two_rows, two_cols);
        for (int r = 0; r < rows; r++)
            for (int p = 0; p <= two_cols; p++) {
                const int col = (p0 + p) * 16;
                const __m512i d = _mm512_sub_epi32(_mm512_load_si512(acc32 + r * 32 + p * 16),
                                                   _mm512_loadu_si512(w->colsum + col));
                const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(d),
                                               _mm512_mul_ps(_mm512_set1_ps(sa[r]), _mm512_loadu_ps(w->scale + col)));
                tc_mm_store16(v, w->bias + col, c + (size_t)r * ldc + col, acc, col_mask(w, col));
            }
    }
    _tile_release();
}

#endif
