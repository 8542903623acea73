/* knn_graph.c - exact k-nearest-neighbour graph under cosine distance.
 *
 * Rows are unit vectors, so cosine distance is 1 - <x_i, x_j>. The dot
 * products come from single-precision BLAS (cblas_sgemm) over tiles of
 * TILE_Q query rows by TILE_B base rows, so memory stays bounded whatever n
 * is; each query keeps its k best in a max-heap ordered by (distance, id)
 * so ties resolve to the lower id and the result is deterministic. BLAS is
 * called outside the OpenMP regions; the heap merging is parallel over rows.
 * tc_knn_naive is the reference the fast path is tested against.
 */
#include "reduce/reduce.h"
#include "util/util.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { TILE_Q = 512, TILE_B = 2048 };

void tc_rows_normalise(const float *x, size_t n, int d, float *xn) {
    for (size_t i = 0; i < n; i++) {
        const float *r = x + i * (size_t)d;
        double s = 0;
        for (int j = 0; j < d; j++) s += (double)r[j] * r[j];
        float inv = s > 0 ? (float)(1.0 / sqrt(s)) : 0.0f;
        for (int j = 0; j < d; j++) xn[i * (size_t)d + j] = r[j] * inv;
    }
}

/* ---------------------------------------------------------------- heaps */

/* (d1, i1) ranks after (d2, i2) */
static inline int worse(float d1, int32_t i1, float d2, int32_t i2) {
    return d1 > d2 || (d1 == d2 && i1 > i2);
}

/* Max-heap of size m at hd/hi (root = worst); replaces the root. */
static void heap_replace_root(float *hd, int32_t *hi, int m, float d, int32_t id) {
    int p = 0;
    for (;;) {
        int c = 2 * p + 1;
        if (c >= m) break;
        if (c + 1 < m && worse(hd[c + 1], hi[c + 1], hd[c], hi[c])) c++;
        if (!worse(hd[c], hi[c], d, id)) break;
        hd[p] = hd[c];
        hi[p] = hi[c];
        p = c;
    }
    hd[p] = d;
    hi[p] = id;
}

/* Sorts a max-heap of size m ascending in place. */
static void heap_sort(float *hd, int32_t *hi, int m) {
    for (int e = m - 1; e > 0; e--) {
        float d = hd[e];
        int32_t id = hi[e];
        hd[e] = hd[0];
        hi[e] = hi[0];
        heap_replace_root(hd, hi, e, d, id);
    }
}

/* ---------------------------------------------------------------- exact */

int tc_knn_exact(const float *xn, size_t n, int d, int k, int n_threads, tc_meter *meter, int32_t *idx,
                 float *dist) {
    if (k < 1 || (size_t)k > n) return tc_error(TC_EINVAL, "knn: k=%d with n=%zu", k, n);
    int nt = tc_threads(n_threads);
    size_t bq = n < TILE_Q ? n : TILE_Q, bb = n < TILE_B ? n : TILE_B;
    float *s = malloc(bq * bb * sizeof *s); /* (bq, bb) dot products */
    if (!s) return tc_error(TC_ENOMEM, "knn: tile of %zu x %zu", bq, bb);
    int m = k - 1; /* heap of the others; self goes first */
    /* heaps live in the outputs: row i uses idx/dist[i*k + 1 ..] */
    for (size_t i = 0; i < n; i++) {
        idx[i * k] = (int32_t)i;
        dist[i * k] = 0.0f;
        for (int j = 1; j < k; j++) {
            idx[i * k + j] = INT32_MAX;
            dist[i * k + j] = INFINITY;
        }
    }
    int rc = 0;
    for (size_t q0 = 0; q0 < n && !rc; q0 += bq) {
        size_t nq = n - q0 < bq ? n - q0 : bq;
        for (size_t b0 = 0; b0 < n && !rc; b0 += bb) {
            size_t nb = n - b0 < bb ? n - b0 : bb;
            if ((rc = tc_meter_tick_at(meter, q0))) break;
            tc_sgemm_nt(nt, nq, nb, d, 1.0f, xn + q0 * d, d, xn + b0 * d, d, 0.0f, s, (int)nb);
            if (m == 0) continue;
#pragma omp parallel for schedule(static) num_threads(nt)
            for (size_t r = 0; r < nq; r++) {
                size_t i = q0 + r;
                float *hd = dist + i * k + 1;
                int32_t *hi = idx + i * k + 1;
                const float *sr = s + r * nb;
                for (size_t c = 0; c < nb; c++) {
                    size_t j = b0 + c;
                    if (j == i) continue;
                    float dd = 1.0f - sr[c];
                    if (dd < TC_DIST_ZERO) dd = 0.0f;
                    if (worse(hd[0], hi[0], dd, (int32_t)j))
                        heap_replace_root(hd, hi, m, dd, (int32_t)j);
                }
            }
        }
    }
    free(s);
    if (rc) return rc;
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t i = 0; i < n; i++) heap_sort(dist + i * k + 1, idx + i * k + 1, m);
    return 0;
}

/* ---------------------------------------------------------------- reference */

typedef struct { double d; int32_t i; } cand;

static int cand_cmp(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->d != y->d) return x->d < y->d ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

int tc_knn_naive(const float *xn, size_t n, int d, int k, int32_t *idx, float *dist) {
    if (k < 1 || (size_t)k > n) return tc_error(TC_EINVAL, "knn: k=%d with n=%zu", k, n);
    cand *c = malloc(n * sizeof *c);
    if (!c) return tc_error(TC_ENOMEM, "knn: %zu candidates", n);
    for (size_t i = 0; i < n; i++) {
        size_t m = 0;
        for (size_t j = 0; j < n; j++) {
            if (j == i) continue;
            double s = 0;
            for (int t = 0; t < d; t++) s += (double)xn[i * d + t] * xn[j * d + t];
            c[m].d = 1.0 - s < TC_DIST_ZERO ? 0 : 1.0 - s;
            c[m++].i = (int32_t)j;
        }
        qsort(c, m, sizeof *c, cand_cmp);
        idx[i * k] = (int32_t)i;
        dist[i * k] = 0;
        for (int j = 1; j < k; j++) {
            idx[i * k + j] = c[j - 1].i;
            dist[i * k + j] = (float)c[j - 1].d;
        }
    }
    free(c);
    return 0;
}

double tc_knn_recall(const int32_t *approx, const int32_t *exact, size_t n, int k) {
    if (k < 2 || n == 0) return 1.0;
    size_t hit = 0;
    for (size_t i = 0; i < n; i++)
        for (int a = 1; a < k; a++)
            for (int e = 1; e < k; e++)
                if (approx[i * k + a] == exact[i * k + e]) { hit++; break; }
    return (double)hit / ((double)n * (k - 1));
}
