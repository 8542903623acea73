/* knn.h - private interface of the exact k-nearest-neighbour search.
 *
 * tc_knn_search (textclust.h) is the fast path: OpenBLAS sgemm on tiles of
 * queries x base rows, squared L2 by ||q||^2 + ||b||^2 - 2 q.b, and a
 * per-query top-k buffer fed by exact (double-summed) distances of the
 * shortlisted rows. The naive reference below computes every distance
 * directly in double precision and is what the tests compare against. */
#ifndef TC_INDEX_KNN_H
#define TC_INDEX_KNN_H

#include "textclust.h"

#include <stddef.h>
#include <stdint.h>

/* How the fast path cuts the work; 0 in a field picks the default. */
typedef struct tc_knn_tiling {
    int query_block; /* queries per tile (rows of the distance tile), 0 = 1024 or fewer */
    int base_block;  /* base rows per tile (columns of the tile), 0 = 1024 */
    int blas_threads;/* 1 = OpenMP threads over query tiles, BLAS on one thread each;
                        0 = the same (default); 2 = BLAS threads every product and
                        OpenMP only selects (kept to measure the choice) */
    int base_slices; /* base split into this many slices searched apart and merged
                        (1..64); 0 = one per thread when there are fewer than 64
                        queries per thread, else 1 */
} tc_knn_tiling;

/* tc_knn_search with an explicit tiling (t may be NULL = defaults). The
 * results depend neither on the tiling nor on n_threads: the products only
 * shortlist, exact distances decide. */
int tc_knn_search_tiled(const float *base, size_t n, int d, const float *q, size_t m, int k,
                        int n_threads, const tc_knn_tiling *t, float *dist, int64_t *ids);

/* The same, reporting to progress as tc_knn_search_progress does. */
int tc_knn_search_tiled_progress(const float *base, size_t n, int d, const float *q, size_t m,
                                 int k, int n_threads, const tc_knn_tiling *t,
                                 tc_progress_fn progress, void *progress_ctx, float *dist,
                                 int64_t *ids);

/* The first j in [j, nb) whose estimate max(0, (qn + bn[j]) + c[j]) is
 * below thr, else nb (NaN never is): the scan of one tile row, per CPU
 * level (knn_scan.c). */
typedef size_t tc_knn_scan_fn(const float *c, const float *bn, float qn, float thr, size_t j,
                              size_t nb);
tc_knn_scan_fn tc_knn_scan_baseline, tc_knn_scan_avx512;

/* Reference: the same contract as tc_knn_search, distances summed in double
 * as sum_j (q_j - b_j)^2, top k by (distance, id). Slow: O(m n d). */
int tc_knn_search_naive(const float *base, size_t n, int d, const float *q, size_t m, int k,
                        float *dist, int64_t *ids);

#endif
