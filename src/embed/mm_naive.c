/* mm_naive.c - the reference for tc_mm: from the unpacked weights, each
 * dtype's rounding written out in plain C (no packing, no vectors), sums in
 * double in k order. The kernels' fp32 sums differ from it by rounding only;
 * int8's integer sums agree exactly. */
#include "embed/mm.h"

#include <math.h>
#include <stdlib.h>

static float bf16_value(float x) {
    union { uint32_t u; float f; } v = {(uint32_t)tc_bf16_round(x) << 16};
    return v.f;
}

void tc_mm_naive(int dtype, int k, int n, const float *src, size_t sk, size_t sn, const float *bias, int m,
                 const float *a, int lda, float *c, int ldc, int accumulate) {
    for (int j = 0; j < n; j++) {
        float ws = 0, winv = 0;
        if (dtype == TC_DTYPE_INT8) {
            float amax = 0;
            for (int i = 0; i < k; i++) amax = fmaxf(amax, fabsf(src[(size_t)i * sk + (size_t)j * sn]));
            ws = amax / 127.0f;
            winv = amax > 0 ? 127.0f / amax : 0;
        }
        for (int r = 0; r < m; r++) {
            const float *x = a + (size_t)r * lda;
            float xs = 0, xinv = 0;
            if (dtype == TC_DTYPE_INT8) {
                float amax = 0;
                for (int i = 0; i < k; i++) amax = fmaxf(amax, fabsf(x[i]));
                xs = amax / 127.0f;
                xinv = amax > 0 ? 127.0f / amax : 0;
            }
            double s = 0;
            long long is = 0;
            for (int i = 0; i < k; i++) {
                const float wv = src[(size_t)i * sk + (size_t)j * sn];
                if (dtype == TC_DTYPE_BF16) {
                    s += (double)bf16_value(x[i]) * bf16_value(wv);
                } else if (dtype == TC_DTYPE_INT8) {
                    long qa = lrintf(x[i] * xinv), qw = lrintf(wv * winv);
                    qa = qa > 127 ? 127 : qa < -127 ? -127 : qa;
                    qw = qw > 127 ? 127 : qw < -127 ? -127 : qw;
                    is += (long long)qa * qw;
                } else {
                    s += (double)x[i] * wv;
                }
            }
            float v = dtype == TC_DTYPE_INT8 ? (float)is * (xs * ws) : (float)s;
            v += bias ? bias[j] : 0.0f;
            if (accumulate & TC_MM_RELU) v = v > 0 ? v : 0;
            float *o = c + (size_t)r * ldc + j;
            *o = accumulate & TC_MM_ACC ? *o + v : v;
        }
    }
}
