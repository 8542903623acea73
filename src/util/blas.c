/* blas.c - the library's one policy for OpenBLAS threads: OpenBLAS itself
 * always runs on the calling thread, and a product that deserves several
 * cores is split by rows across the call's own n_threads (tc_sgemm_nt).
 * OpenBLAS has only a process-wide thread count, so a stage that raised and
 * restored it would change it under another stage running at the same time;
 * setting it to one, and never back, is the only setting two concurrent
 * stages can agree on. */
#include "util/util.h"

#include <cblas.h>
#include <omp.h>
#include <pthread.h>

/* OpenBLAS's own entry points (not in every cblas.h). */
void openblas_set_num_threads(int n);
int openblas_get_num_threads(void);

static pthread_mutex_t blas_lock = PTHREAD_MUTEX_INITIALIZER;

void tc_blas_serial(void) {
    if (openblas_get_num_threads() == 1) return;
    pthread_mutex_lock(&blas_lock); /* the setter resizes OpenBLAS's pool: one at a time */
    if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
    pthread_mutex_unlock(&blas_lock);
}

void tc_sgemm_nt(int n_threads, size_t m, size_t n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc) {
    tc_blas_serial();
    if (m == 0 || n == 0) return;
    int nt = tc_threads(n_threads);
    /* blocks of at least 64 rows: below that a thread's share of the
     * product costs less than waking it */
    size_t max_blocks = (m + 63) / 64;
    if ((size_t)nt > max_blocks) nt = (int)max_blocks;
    if (nt <= 1) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, k, alpha, a, lda, b, ldb,
                    beta, c, ldc);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int t = 0; t < nt; t++) {
        size_t r0 = m * (size_t)t / (size_t)nt, r1 = m * (size_t)(t + 1) / (size_t)nt;
        if (r1 > r0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(r1 - r0), (int)n, k, alpha,
                        a + r0 * (size_t)lda, lda, b, ldb, beta, c + r0 * (size_t)ldc, ldc);
    }
}
