/* bench_mm.c - GFLOP/s of one thread's weight product (src/embed/mm.h) per
 * dtype and CPU level against OpenBLAS sgemm, on the encoders' shapes.
 * Usage: bench_mm [m k n] (default: USE-lite's FFN, 2048 x 512 x 1536).
 * Sides interleaved, median of 7 rounds. */
#include "bench_util.h"
#include "embed/mm.h"
#include "util/cpu.h"

#include <cblas.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
    int m = argc > 3 ? atoi(argv[1]) : 2048, k = argc > 3 ? atoi(argv[2]) : 512, n = argc > 3 ? atoi(argv[3]) : 1536;
    openblas_set_num_threads(1);
    float *w = malloc((size_t)k * n * 4), *a = malloc((size_t)m * k * 4), *c = malloc((size_t)m * n * 4);
    for (size_t i = 0; i < (size_t)k * n; i++) w[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
    for (size_t i = 0; i < (size_t)m * k; i++) a[i] = (float)((i * 104729) % 1000) / 1000.0f - 0.5f;
    const char *names[8];
    tc_mm_w pw[8];
    int ns = 0;
    const int det = tc_cpu_detected();
    for (int lv = 0; lv <= det; lv++) {
        tc_cpu_set_level(lv);
        for (int d = TC_DTYPE_FP32; d <= TC_DTYPE_INT8; d++) {
            if (!tc_mm_has(d) || (d == TC_DTYPE_FP32 && lv > TC_CPU_AVX512)) continue;
            static char buf[8][32];
            snprintf(buf[ns], sizeof buf[ns], "%s/%s", tc_dtype_name(d), tc_cpu_name(lv));
            names[ns] = buf[ns];
            tc_mm_pack(&pw[ns++], d, k, n, w, (size_t)n, 1, NULL);
        }
    }
    double t[9][7];
    const double flops = 2.0 * m * k * n;
    for (int round = 0; round < 7; round++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, w, n, 0, c, n);
        t[0][round] = now() - t0;
        for (int s = 0; s < ns; s++) {
            t0 = now();
            tc_mm(&pw[s], m, a, k, c, n, 0, NULL);
            t[s + 1][round] = now() - t0;
        }
    }
    printf("m %d k %d n %d, 1 thread (GFLOP/s, median of 7)\n", m, k, n);
    for (int s = 0; s <= ns; s++) {
        qsort(t[s], 7, sizeof(double), cmp_double);
        printf("  %-18s %7.1f\n", s ? names[s - 1] : "openblas sgemm", flops / t[s][3] / 1e9);
    }
    for (int s = 0; s < ns; s++) tc_mm_free(&pw[s]);
    free(w); free(a); free(c);
    return 0;
}
