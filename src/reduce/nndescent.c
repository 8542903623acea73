/* nndescent.c - approximate cosine kNN graph (placeholder: exact). */
#include "reduce/reduce.h"
#include "util/util.h"

int tc_knn_nndescent(const float *xn, size_t n, int d, int k, uint64_t seed, int n_threads,
                     tc_progress_fn progress, void *progress_ctx, int32_t *idx, float *dist) {
    (void)seed; (void)progress; (void)progress_ctx;
    return tc_knn_exact(xn, n, d, k, n_threads, idx, dist);
}
