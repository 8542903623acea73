/* knn_dots.c - the scoring kernel of NN-descent (nndescent.c): blocks of
 * dot products four rows by four, so that each loaded vector feeds four
 * products. Compiled once per CPU level (knn_dots_avx512.c adds the AVX-512
 * variant, with FMA); the portable loop is the reference. */
#include "reduce/reduce.h"
#include "util/cpu.h"

#if defined(__AVX512F__)
#include <immintrin.h>

/* o[r * 4 + c] = <a[r], b[c]> over d floats (d a multiple of 16) */
static void tile4x4(const float *const *a, const float *const *b, int d, float *o) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00,
           c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00,
           c31 = c00, c32 = c00, c33 = c00;
    for (int t = 0; t < d; t += 16) {
        __m512 a0 = _mm512_loadu_ps(a[0] + t), a1 = _mm512_loadu_ps(a[1] + t),
               a2 = _mm512_loadu_ps(a[2] + t), a3 = _mm512_loadu_ps(a[3] + t);
        __m512 b0 = _mm512_loadu_ps(b[0] + t), b1 = _mm512_loadu_ps(b[1] + t),
               b2 = _mm512_loadu_ps(b[2] + t), b3 = _mm512_loadu_ps(b[3] + t);
        c00 = _mm512_fmadd_ps(a0, b0, c00); c01 = _mm512_fmadd_ps(a0, b1, c01);
        c02 = _mm512_fmadd_ps(a0, b2, c02); c03 = _mm512_fmadd_ps(a0, b3, c03);
        c10 = _mm512_fmadd_ps(a1, b0, c10); c11 = _mm512_fmadd_ps(a1, b1, c11);
        c12 = _mm512_fmadd_ps(a1, b2, c12); c13 = _mm512_fmadd_ps(a1, b3, c13);
        c20 = _mm512_fmadd_ps(a2, b0, c20); c21 = _mm512_fmadd_ps(a2, b1, c21);
        c22 = _mm512_fmadd_ps(a2, b2, c22); c23 = _mm512_fmadd_ps(a2, b3, c23);
        c30 = _mm512_fmadd_ps(a3, b0, c30); c31 = _mm512_fmadd_ps(a3, b1, c31);
        c32 = _mm512_fmadd_ps(a3, b2, c32); c33 = _mm512_fmadd_ps(a3, b3, c33);
    }
    o[0] = _mm512_reduce_add_ps(c00); o[1] = _mm512_reduce_add_ps(c01);
    o[2] = _mm512_reduce_add_ps(c02); o[3] = _mm512_reduce_add_ps(c03);
    o[4] = _mm512_reduce_add_ps(c10); o[5] = _mm512_reduce_add_ps(c11);
    o[6] = _mm512_reduce_add_ps(c12); o[7] = _mm512_reduce_add_ps(c13);
    o[8] = _mm512_reduce_add_ps(c20); o[9] = _mm512_reduce_add_ps(c21);
    o[10] = _mm512_reduce_add_ps(c22); o[11] = _mm512_reduce_add_ps(c23);
    o[12] = _mm512_reduce_add_ps(c30); o[13] = _mm512_reduce_add_ps(c31);
    o[14] = _mm512_reduce_add_ps(c32); o[15] = _mm512_reduce_add_ps(c33);
}
#define TILE_FAST 1
#else
#define TILE_FAST 0
#endif

/* one product in 16 float lanes, summed lane by lane: the portable path */
static float dot16(const float *a, const float *b, int d) {
    float lane[16] = {0};
    int t = 0;
    for (; t + 16 <= d; t += 16)
        for (int l = 0; l < 16; l++) lane[l] += a[t + l] * b[t + l];
    for (; t < d; t++) lane[t & 15] += a[t] * b[t];
    float s = 0;
    for (int l = 0; l < 16; l++) s += lane[l];
    return s;
}

void TC_CPU_FN(tc_knn_dots)(const float *const *a, int na, const float *const *b, int nb, int d,
                            int upper, float *out) {
    int fast = TILE_FAST && d % 16 == 0;
    for (int i0 = 0; i0 < na; i0 += 4) {
        const float *pa[4], *pb[4];
        float o[16];
        for (int r = 0; r < 4; r++) pa[r] = a[i0 + r < na ? i0 + r : na - 1];
        for (int j0 = upper ? i0 : 0; j0 < nb; j0 += 4) {
            for (int c = 0; c < 4; c++) pb[c] = b[j0 + c < nb ? j0 + c : nb - 1];
#if TILE_FAST
            if (fast) tile4x4(pa, pb, d, o);
            else
#endif
                for (int r = 0; r < 4; r++)
                    for (int c = 0; c < 4; c++) o[r * 4 + c] = dot16(pa[r], pb[c], d);
            for (int r = 0; r < 4 && i0 + r < na; r++)
                for (int c = 0; c < 4 && j0 + c < nb; c++)
                    out[(size_t)(i0 + r) * nb + j0 + c] = o[r * 4 + c];
        }
    }
    (void)fast;
}

