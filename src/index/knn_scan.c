/* knn_scan.c - the shortlist scan of the exact search (knn.c): in one row
 * of a distance tile, the first base row whose estimate is below the
 * threshold. Compiled once per CPU level (knn_scan_avx512.c adds the
 * AVX-512 variant); every variant returns the same index. */
#include "index/knn.h"
#include "util/cpu.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

size_t TC_CPU_FN(tc_knn_scan)(const float *c, const float *bn, float qn, float thr, size_t j,
                              size_t nb) {
#if defined(__AVX512F__)
    const __m512 vq = _mm512_set1_ps(qn), zero = _mm512_setzero_ps(), vt = _mm512_set1_ps(thr);
    for (; j + 16 <= nb; j += 16) {
        __m512 v = _mm512_add_ps(_mm512_add_ps(vq, _mm512_loadu_ps(bn + j)),
                                 _mm512_loadu_ps(c + j));
        v = _mm512_max_ps(zero, v); /* NaN stays NaN: max returns its second operand */
        __mmask16 mk = _mm512_cmp_ps_mask(v, vt, _CMP_LT_OQ);
        if (mk) return j + (size_t)__builtin_ctz(mk);
    }
#endif
    for (; j < nb; j++) {
        float v = (qn + bn[j]) + c[j];
        v = v < 0 ? 0 : v;
        if (v < thr) return j;
    }
    return nb;
}
