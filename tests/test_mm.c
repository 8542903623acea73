/* test_mm.c - tc_mm (src/embed/mm.h) at every CPU level this machine has,
 * for each dtype, against tc_mm_naive (plain C from the unpacked weights):
 * fp32 and bf16 within float rounding of the double sums, int8 exactly
 * (its integer sums cannot differ); and each row's result bit-identical
 * whatever rows share its call (alone, in another order, another count). */
#include "check.h"
#include "embed/mm.h"
#include "textclust.h"
#include "util/cpu.h"

#include <stdint.h>
#include <stdlib.h>

static float frand(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((*s >> 40) & 0xffffff) / 16777216.0f * 2.0f - 1.0f;
}

/* |a| |W| summed: the scale of a sum's rounding error. */
static double abs_sum(int k, const float *a, const float *w, int n, int j) {
    double s = 0;
    for (int i = 0; i < k; i++) s += fabs(a[i]) * fabs(w[(size_t)i * n + j]);
    return s;
}

static void one_shape(int level, int dtype, int m, int k, int n, uint64_t seed) {
    float *w = malloc((size_t)k * n * sizeof *w), *bias = malloc((size_t)n * sizeof *bias);
    float *a = malloc((size_t)m * k * sizeof *a), *c = malloc((size_t)m * n * sizeof *c);
    float *ref = malloc((size_t)m * n * sizeof *ref), *one = malloc((size_t)n * sizeof *one);
    for (size_t i = 0; i < (size_t)k * n; i++) w[i] = frand(&seed) * 0.1f;
    for (int i = 0; i < n; i++) bias[i] = frand(&seed);
    for (size_t i = 0; i < (size_t)m * k; i++) a[i] = frand(&seed) * (1 + (float)(i % 7));
    for (size_t i = 0; i < (size_t)m * n; i++) c[i] = ref[i] = frand(&seed);
    tc_mm_w pw;
    CHECK_OK(tc_mm_pack(&pw, dtype, k, n, w, (size_t)n, 1, bias));
    CHECK_MSG(pw.dtype == dtype, "%s packed as %s at %s", tc_dtype_name(dtype), tc_dtype_name(pw.dtype),
              tc_cpu_name(level));
    const int flags = TC_MM_ACC | (n % 3 == 0 ? TC_MM_RELU : 0);   /* the fused relu on some shapes */
    CHECK_OK(tc_mm(&pw, m, a, k, c, n, flags, NULL));
    tc_mm_naive(dtype, k, n, w, (size_t)n, 1, bias, m, a, k, ref, n, flags);
    int bad = 0;
    for (int r = 0; r < m && bad < 3; r++)
        for (int j = 0; j < n && bad < 3; j++) {
            const double got = c[(size_t)r * n + j], want = ref[(size_t)r * n + j];
            const double tol = dtype == TC_DTYPE_INT8 ? 0 : 2e-6 * abs_sum(k, a + (size_t)r * k, w, n, j) + 4e-6;
            if (fabs(got - want) > tol) {
                bad++;
                CHECK_MSG(0, "%s %s m %d k %d n %d: c[%d][%d] = %.9g, reference %.9g", tc_cpu_name(level),
                          tc_dtype_name(dtype), m, k, n, r, j, got, want);
            }
        }
    if (!bad) check_passed++;
    /* Row r alone, without accumulation: the same bits as inside the batch
     * (where it was accumulated onto c: compare without it). */
    CHECK_OK(tc_mm(&pw, m, a, k, c, n, 0, NULL));
    for (int r = m - 1; r >= 0; r -= 1 + r / 3) {
        CHECK_OK(tc_mm(&pw, 1, a + (size_t)r * k, k, one, n, 0, NULL));
        CHECK_MSG(memcmp(one, c + (size_t)r * n, (size_t)n * sizeof *one) == 0, "%s %s row %d of %d alone differs",
                  tc_cpu_name(level), tc_dtype_name(dtype), r, m);
    }
    if (m > 3) {   /* rows 1.. as a batch of their own: row r sits at r - 1 */
        CHECK_OK(tc_mm(&pw, m - 1, a + k, k, ref, n, 0, NULL));
        CHECK(memcmp(ref, c + n, (size_t)(m - 1) * n * sizeof *ref) == 0);
    }
    tc_mm_free(&pw);
    free(w); free(bias); free(a); free(c); free(ref); free(one);
}

int main(void) {
    const int det = tc_cpu_detected();
    static const int shapes[][3] = {{1, 64, 16}, {7, 256, 768}, {33, 512, 1536}, {45, 1536, 512},
                                    {70, 384, 1152}, {5, 37, 21}, {17, 100, 50}, {32, 64, 48}};
    for (int level = 0; level <= det; level++) {
        CHECK_OK(tc_cpu_set_level(level));
        for (int dtype = TC_DTYPE_FP32; dtype <= TC_DTYPE_INT8; dtype++) {
            if (!tc_mm_has(dtype)) {
                tc_mm_w pw;   /* what the level lacks packs as fp32 */
                float wv[64 * 16] = {0};
                CHECK_OK(tc_mm_pack(&pw, dtype, 64, 16, wv, 16, 1, NULL));
                CHECK(pw.dtype == TC_DTYPE_FP32);
                tc_mm_free(&pw);
                continue;
            }
            for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
                one_shape(level, dtype, shapes[s][0], shapes[s][1], shapes[s][2], 1000 * s + dtype);
        }
    }
    CHECK(tc_mm_has(TC_DTYPE_BF16) == (det >= TC_CPU_AVX512BF16));
    /* int8 against fp32: the quantisation error of one product is small. */
    CHECK(tc_dtype_by_name("BF16") == TC_DTYPE_BF16 && tc_dtype_by_name("fp16") == -1);
    CHECK_STR(tc_dtype_name(TC_DTYPE_INT8), "int8");
    tc_mm_w pw;
    CHECK(tc_mm_pack(&pw, TC_DTYPE_FP32, 0, 16, (float[1]){0}, 1, 1, NULL) == TC_EINVAL);
    tc_mm_free(&pw);
    return check_report("test_mm");
}
