/* mm_f32.c - the fp32 kernel of tc_mm (mm.h): each row of the block has
 * its own accumulators, summed in k order, so a row's result does not
 * depend on the rows beside it. Compiled twice: here for the baseline
 * (plain C the compiler vectorises over the 16 columns of a panel) and by
 * mm_f32_avx512.c with AVX-512 intrinsics: 8 rows x 48 columns per pass
 * (24 accumulators, 3 panel loads and 8 broadcasts per 24 FMAs). */
#include "embed/mm.h"
#include "util/cpu.h"

#if defined(__AVX512F__)
#include <immintrin.h>

/* The epilogue of one row and panel: + bias, + old c, masked store. */
static inline __attribute__((always_inline)) void block(const tc_mm_w *w, int np, int rows, const float *a,
                                                        const float *b, int p0, float *c, int ldc, int acc) {
    const size_t ps = (size_t)w->kp * 16;
    __m512 s[8][3];
    _Pragma("GCC unroll 8") for (int r = 0; r < 8; r++)
        _Pragma("GCC unroll 3") for (int p = 0; p < np; p++) s[r][p] = _mm512_setzero_ps();
    for (int i = 0; i < w->k; i++) {
        __m512 bv[3];
        _Pragma("GCC unroll 3") for (int p = 0; p < np; p++) bv[p] = _mm512_load_ps(b + p * ps + (size_t)i * 16);
        _Pragma("GCC unroll 8") for (int r = 0; r < 8; r++) {
            const __m512 av = _mm512_set1_ps(a[(size_t)r * w->kp + i]);
            _Pragma("GCC unroll 3") for (int p = 0; p < np; p++) s[r][p] = _mm512_fmadd_ps(av, bv[p], s[r][p]);
        }
    }
    _Pragma("GCC unroll 8") for (int r = 0; r < 8; r++)   /* constant bounds keep s in registers */
        _Pragma("GCC unroll 3") for (int p = 0; p < np && r < rows; p++) {
            const int col = (p0 + p) * 16, left = w->n - col;
            const __mmask16 mk = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
            tc_mm_store16(s[r][p], w->bias + col, c + (size_t)r * ldc + col, acc, mk);
        }
}

void TC_CPU_FN(tc_mm_f32)(const tc_mm_w *w, int rows, const void *ab, const float *sa, float *c, int ldc,
                          int acc) {
    (void)sa;
    const float *a = ab, *data = w->data;
    const size_t ps = (size_t)w->kp * 16;
    for (int p0 = 0; p0 < w->np; p0 += 3) {
        const int np = w->np - p0 < 3 ? w->np - p0 : 3;
        for (int r0 = 0; r0 < rows; r0 += 8) {
            const int nr = rows - r0 < 8 ? rows - r0 : 8;
            const float *ar = a + (size_t)r0 * w->kp;
            float *cr = c + (size_t)r0 * ldc;
            if (np == 3) block(w, 3, nr, ar, data + p0 * ps, p0, cr, ldc, acc);
            else if (np == 2) block(w, 2, nr, ar, data + p0 * ps, p0, cr, ldc, acc);
            else block(w, 1, nr, ar, data + p0 * ps, p0, cr, ldc, acc);
        }
    }
}

#else

void TC_CPU_FN(tc_mm_f32)(const tc_mm_w *w, int rows, const void *ab, const float *sa, float *c, int ldc,
                          int acc) {
    (void)sa;
    const float *a = ab, *data = w->data;
    const size_t ps = (size_t)w->kp * 16;
    for (int p = 0; p < w->np; p++) {
        const float *b = data + p * ps;
        const int col = p * 16, nc = w->n - col < 16 ? w->n - col : 16;
        for (int r = 0; r < rows; r++) {
            const float *x = a + (size_t)r * w->kp;
            float s[16] = {0};
            for (int i = 0; i < w->k; i++)
                for (int j = 0; j < 16; j++) s[j] += x[i] * b[(size_t)i * 16 + j];
            float *o = c + (size_t)r * ldc + col;
            for (int j = 0; j < nc; j++) {
                float v = s[j] + w->bias[col + j];
                if (acc & TC_MM_RELU) v = v > 0 ? v : 0;
                o[j] = acc & TC_MM_ACC ? o[j] + v : v;
            }
        }
    }
}

#endif
