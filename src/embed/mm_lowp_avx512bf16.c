/* mm_lowp_avx512bf16.c - tc_mm's bf16 and int8 kernels for AVX512-BF16 and
 * AVX512-VNNI (the Makefile compiles *_avx512bf16.c with those extensions;
 * it runs only where tc_cpu_level() >= TC_CPU_AVX512BF16), and the
 * conversions of a that the AMX kernels share. 8 rows x 48 columns per
 * pass as in mm_f32.c: vdpbf16ps takes a pair of k per lane (the panels are
 * packed [k/2][16][2]), vpdpbusd a quad ([k/4][16][4]). */
#include "embed/mm.h"
#include "util/cpu.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

/* ---------------------------------------------------------------- conversions */

void tc_mm_prep_bf16_avx512bf16(const tc_mm_w *w, int rows, const float *a, int lda, void *ab, float *sa) {
    (void)sa;
    for (int r = 0; r < rows; r++) {
        const float *x = a + (size_t)r * lda;
        uint16_t *o = (uint16_t *)ab + (size_t)r * w->kp;
        int i = 0;
        for (; i + 32 <= w->k; i += 32) {
            __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(x + i));
            _mm512_storeu_si512(o + i, (__m512i)v);
        }
        for (; i < w->k; i++) o[i] = tc_bf16_round(x[i]);
        /* a scratch shared by weights of another k may hold NaN bits here,
         * and NaN times a padding zero is NaN */
        memset(o + w->k, 0, (size_t)(w->kp - w->k) * sizeof *o);
    }
}

/* Per row: scale max|x| / 127, q = round(x / scale) (to nearest even, as
 * lrintf), stored as q + 128. */
void tc_mm_prep_int8_avx512bf16(const tc_mm_w *w, int rows, const float *a, int lda, void *ab, float *sa) {
    const __m512 absmask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fffffff));
    for (int r = 0; r < rows; r++) {
        const float *x = a + (size_t)r * lda;
        uint8_t *o = (uint8_t *)ab + (size_t)r * w->kp;
        __m512 mx = _mm512_setzero_ps();
        int i = 0;
        for (; i + 16 <= w->k; i += 16) mx = _mm512_max_ps(mx, _mm512_and_ps(_mm512_loadu_ps(x + i), absmask));
        float amax = _mm512_reduce_max_ps(mx);
        for (; i < w->k; i++) amax = amax > __builtin_fabsf(x[i]) ? amax : __builtin_fabsf(x[i]);
        sa[r] = amax / 127.0f;
        const float inv = amax > 0 ? 127.0f / amax : 0;
        const __m512 vinv = _mm512_set1_ps(inv);
        const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127), off = _mm512_set1_epi32(128);
        for (i = 0; i + 16 <= w->k; i += 16) {
            __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + i), vinv));
            q = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(q, lo), hi), off);
            _mm_storeu_si128((__m128i *)(o + i), _mm512_cvtepi32_epi8(q));
        }
        for (; i < w->k; i++) {
            long q = __builtin_lrintf(x[i] * inv);
            q = q > 127 ? 127 : q < -127 ? -127 : q;
            o[i] = (uint8_t)(q + 128);
        }
        memset(o + w->k, 0, (size_t)(w->kp - w->k));
    }
}

/* ---------------------------------------------------------------- kernels */

static inline __mmask16 col_mask(const tc_mm_w *w, int col) {
    const int left = w->n - col;
    return left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
}

static inline __attribute__((always_inline)) void bf16_block(const tc_mm_w *w, int np, int rows,
                                                             const uint16_t *a, const uint16_t *b, int p0,
                                                             float *c, int ldc, int acc) {
    const size_t ps = (size_t)w->kp * 16;
    const int kk = (w->k + 1) / 2;
    __m512 s[8][3];
    _Pragma("GCC unroll 8") for (int r = 0; r < 8; r++)
        _Pragma("GCC unroll 3") for (int p = 0; p < np; p++) s[r][p] = _mm512_setzero_ps();
    for (int i = 0; i < kk; i++) {
        __m512bh bv[3];
        _Pragma("GCC unroll 3") for (int p = 0; p < np; p++) bv[p] = (__m512bh)_mm512_load_si512(b + p * ps + (size_t)i * 32);
        _Pragma("GCC unroll 8") for (int r = 0; r < 8; r++) {
            int32_t pair;
            memcpy(&pair, a + (size_t)r * w->kp + 2 * i, sizeof pair);
            const __m512bh av = (__m512bh)_mm512_set1_epi32(pair);
            _Pragma("GCC unroll 3") for (int p = 0; p < np; p++) s[r][p] = _mm512_dpbf16_ps(s[r][p], av, bv[p]);
        }
    }
    _Pragma("GCC unroll 8") for (int r = 0; r < 8; r++)   /* constant bounds keep s in registers */
        _Pragma("GCC unroll 3") for (int p = 0; p < np && r < rows; p++) {
            const int col = (p0 + p) * 16;
            tc_mm_store16(s[r][p], w->bias + col, c + (size_t)r * ldc + col, acc, col_mask(w, col));
        }
}

void tc_mm_bf16_avx512bf16(const tc_mm_w *w, int rows, const void *ab, const float *sa, float *c, int ldc,
                           int acc) {
    (void)sa;
    const uint16_t *a = ab, *data = w->data;
    const size_t ps = (size_t)w->kp * 16;
    for (int p0 = 0; p0 < w->np; p0 += 3) {
        const int np = w->np - p0 < 3 ? w->np - p0 : 3;
        for (int r0 = 0; r0 < rows; r0 += 8) {
            const int nr = rows - r0 < 8 ? rows - r0 : 8;
            const uint16_t *ar = a + (size_t)r0 * w->kp;
            float *cr = c + (size_t)r0 * ldc;
            if (np == 3) bf16_block(w, 3, nr, ar, data + p0 * ps, p0, cr, ldc, acc);
            else if (np == 2) bf16_block(w, 2, nr, ar, data + p0 * ps, p0, cr, ldc, acc);
            else bf16_block(w, 1, nr, ar, data + p0 * ps, p0, cr, ldc, acc);
        }
    }
}

/* int32 sums to floats: (sum - 128 colsum) * (row scale * column scale). */
static inline __m512 dequant(__m512i s, const tc_mm_w *w, int col, float sar) {
    const __m512i d = _mm512_sub_epi32(s, _mm512_loadu_si512(w->colsum + col));
    return _mm512_mul_ps(_mm512_cvtepi32_ps(d), _mm512_mul_ps(_mm512_set1_ps(sar), _mm512_loadu_ps(w->scale + col)));
}

static inline __attribute__((always_inline)) void int8_block(const tc_mm_w *w, int np, int rows,
                                                             const uint8_t *a, const int8_t *b, int p0,
                                                             const float *sa, float *c, int ldc, int acc) {
    const size_t ps = (size_t)w->kp * 16;
    const int kq = (w->k + 3) / 4;
    __m512i s[8][3];
    _Pragma("GCC unroll 8") for (int r = 0; r < 8; r++)
        _Pragma("GCC unroll 3") for (int p = 0; p < np; p++) s[r][p] = _mm512_setzero_si512();
    for (int i = 0; i < kq; i++) {
        __m512i bv[3];
        _Pragma("GCC unroll 3") for (int p = 0; p < np; p++) bv[p] = _mm512_load_si512(b + p * ps + (size_t)i * 64);
        _Pragma("GCC unroll 8") for (int r = 0; r < 8; r++) {
            int32_t quad;
            memcpy(&quad, a + (size_t)r * w->kp + 4 * i, sizeof quad);
            const __m512i av = _mm512_set1_epi32(quad);
            _Pragma("GCC unroll 3") for (int p = 0; p < np; p++) s[r][p] = _mm512_dpbusd_epi32(s[r][p], av, bv[p]);
        }
    }
    _Pragma("GCC unroll 8") for (int r = 0; r < 8; r++)   /* constant bounds keep s in registers */
        _Pragma("GCC unroll 3") for (int p = 0; p < np && r < rows; p++) {
            const int col = (p0 + p) * 16;
            tc_mm_store16(dequant(s[r][p], w, col, sa[r]), w->bias + col, c + (size_t)r * ldc + col, acc,
                    col_mask(w, col));
        }
}

void tc_mm_int8_avx512bf16(const tc_mm_w *w, int rows, const void *ab, const float *sa, float *c, int ldc,
                           int acc) {
    const uint8_t *a = ab;
    const int8_t *data = w->data;
    const size_t ps = (size_t)w->kp * 16;
    for (int p0 = 0; p0 < w->np; p0 += 3) {
        const int np = w->np - p0 < 3 ? w->np - p0 : 3;
        for (int r0 = 0; r0 < rows; r0 += 8) {
            const int nr = rows - r0 < 8 ? rows - r0 : 8;
            const uint8_t *ar = a + (size_t)r0 * w->kp;
            float *cr = c + (size_t)r0 * ldc;
            if (np == 3) int8_block(w, 3, nr, ar, data + p0 * ps, p0, sa + r0, cr, ldc, acc);
            else if (np == 2) int8_block(w, 2, nr, ar, data + p0 * ps, p0, sa + r0, cr, ldc, acc);
            else int8_block(w, 1, nr, ar, data + p0 * ps, p0, sa + r0, cr, ldc, acc);
        }
    }
}

#endif
