/* test_index.c - exact k-nearest-neighbour search: the BLAS path
 * (tc_knn_search, knn.c) against the double-precision naive reference
 * (tc_knn_search_naive) on random data of many shapes, tie order on
 * duplicate vectors, padding when k > n, clamping of negative distances,
 * byte-identical results for any thread count, and argument errors. */
#include "check.h"
#include "index/knn.h"
#include "textclust.h"
#include "util/util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Rows of Gaussian noise, each scaled to length `len` (0 = left as drawn). */
static float *random_rows(uint64_t seed, size_t n, int d, double len) {
    float *x = malloc(n * (size_t)d * sizeof *x);
    tc_rng r = tc_rng_seed(seed);
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (int t = 0; t < d; t++) {
            double u1 = tc_rng_uniform(&r), u2 = tc_rng_uniform(&r);
            double z = sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
            x[i * d + t] = (float)z;
            s += z * z;
        }
        if (len > 0)
            for (int t = 0; t < d; t++) x[i * d + t] = (float)(x[i * d + t] * len / sqrt(s));
    }
    return x;
}

static double true_dist(const float *a, const float *b, int d) {
    double s = 0;
    for (int t = 0; t < d; t++) s += ((double)a[t] - b[t]) * ((double)a[t] - b[t]);
    return s;
}

/* Holds a fast result against the naive one. Ids must agree except where
 * distances tie within tol; then the returned row must really lie at that
 * distance. Rows must be sorted, ids distinct, padding exact. Returns the
 * number of id mismatches (all explained by ties when the checks pass). */
static size_t compare(const char *what, const float *base, size_t n, int d, const float *q,
                      size_t m, int k, const float *fd, const int64_t *fi, const float *nd,
                      const int64_t *ni, double tol) {
    size_t mismatch = 0, bad = 0;
    for (size_t i = 0; i < m && bad < 5; i++) {
        const float *rd = fd + i * k;
        const int64_t *ri = fi + i * k;
        for (int r = 0; r < k; r++) {
            size_t e = i * k + r;
            if ((size_t)r >= n) {
                if (!(isinf(rd[r]) && rd[r] > 0 && ri[r] == -1 && ni[e] == -1)) {
                    bad++;
                    fprintf(stderr, "%s: query %zu rank %d: padding %g %lld\n", what, i, r,
                            rd[r], (long long)ri[r]);
                }
                continue;
            }
            int ok = ri[r] >= 0 && (size_t)ri[r] < n && rd[r] >= 0 &&
                     fabs(rd[r] - nd[e]) <= tol && (r == 0 || rd[r] >= rd[r - 1]);
            for (int s = 0; ok && s < r; s++) ok = ri[s] != ri[r];
            if (ok && ri[r] != ni[e]) {
                mismatch++;
                ok = fabs(true_dist(q + i * d, base + ri[r] * d, d) - nd[e]) <= tol;
            }
            if (!ok) {
                bad++;
                fprintf(stderr, "%s: query %zu rank %d: ours %lld %.7g, naive %lld %.7g\n", what,
                        i, r, (long long)ri[r], rd[r], (long long)ni[e], nd[e]);
            }
        }
    }
    CHECK_MSG(bad == 0, "%s: %zu bad rows", what, bad);
    return mismatch;
}

/* One random case: fast against naive (both round double sums to float, so
 * they agree to an ulp); 1, 2 and 3 threads, other tilings and the
 * BLAS-threaded mode all byte-identical to the default. */
static void check_case(uint64_t seed, size_t n, size_t m, int d, int k, double len) {
    char what[128];
    snprintf(what, sizeof what, "n=%zu m=%zu d=%d k=%d len=%g", n, m, d, k, len);
    float *base = random_rows(seed, n, d, len);
    float *q = random_rows(seed + 1000, m, d, len);
    size_t mk = m * (size_t)k;
    float *nd = malloc(mk * sizeof *nd), *d1 = malloc(mk * sizeof *d1),
          *d2 = malloc(mk * sizeof *d2);
    int64_t *ni = malloc(mk * sizeof *ni), *i1 = malloc(mk * sizeof *i1),
            *i2 = malloc(mk * sizeof *i2);
    double scale = len > 0 ? len * len : d;
    double tol = 2e-6 * (scale > 1 ? scale : 1); /* a few ulps of distances up to 4 scale */

    CHECK_OK(tc_knn_search_naive(base, n, d, q, m, k, nd, ni));
    CHECK_OK(tc_knn_search(base, n, d, q, m, k, 1, d1, i1));
    CHECK_OK(tc_knn_search(base, n, d, q, m, k, 2, d2, i2));
    size_t mis = compare(what, base, n, d, q, m, k, d1, i1, nd, ni, tol);
    CHECK_MSG(mis * 1000 <= mk, "%s: %zu of %zu ids differ from naive", what, mis, mk);
    CHECK_MSG(memcmp(d1, d2, mk * sizeof *d1) == 0 && memcmp(i1, i2, mk * sizeof *i1) == 0,
              "%s: 1 and 2 threads differ", what);
    CHECK_OK(tc_knn_search(base, n, d, q, m, k, 3, d2, i2));
    CHECK_MSG(memcmp(d1, d2, mk * sizeof *d1) == 0 && memcmp(i1, i2, mk * sizeof *i1) == 0,
              "%s: 1 and 3 threads differ", what);

    /* other tilings (many query and base tiles, ragged edges) and the
     * BLAS-threaded mode kept for measuring: the same bytes */
    tc_knn_tiling tilings[] = {{7, 50, 0, 0}, {1, 16, 0, 0}, {33, 100, 2, 0}, {0, 0, 2, 0},
                               {7, 50, 0, 3}, {0, 0, 0, 64}, {0, 0, 0, 2}};
    for (int tt = 0; tt < 7; tt++) {
        CHECK_OK(tc_knn_search_tiled(base, n, d, q, m, k, 1 + tt % 2, &tilings[tt], d2, i2));
        CHECK_MSG(memcmp(d1, d2, mk * sizeof *d1) == 0 && memcmp(i1, i2, mk * sizeof *i1) == 0,
                  "%s: tiling %d differs from the default", what, tt);
    }

    free(base), free(q), free(nd), free(d1), free(d2), free(ni), free(i1), free(i2);
}

/* Duplicated base rows tie exactly: the lower id must come first. A query
 * equal to a base row finds it at distance 0 (clamped, never negative). */
static void check_ties(void) {
    const size_t n = 300, m = 40;
    const int d = 37, k = 12;
    float *base = random_rows(7, n, d, 1.0);
    float *q = random_rows(8, m, d, 1.0);
    /* groups of identical rows, spread over tiles of 50 */
    const size_t groups[][4] = {{3, 10, 57, 299}, {100, 101, 102, 250}, {0, 49, 50, 51}};
    for (int g = 0; g < 3; g++)
        for (int j = 1; j < 4; j++)
            memcpy(base + groups[g][j] * d, base + groups[g][0] * d, d * sizeof *base);
    /* queries: copies of grouped rows, of a lone row, and near-copies */
    for (size_t i = 0; i < m; i++) {
        size_t src = i % 4 == 3 ? 200 + i : groups[i % 3][0];
        memcpy(q + i * d, base + src * d, d * sizeof *q);
        if (i >= 20) q[i * d + i % d] += 1e-3f;
    }
    float *fd = malloc(m * k * sizeof *fd), *nd = malloc(m * k * sizeof *nd);
    int64_t *fi = malloc(m * k * sizeof *fi), *ni = malloc(m * k * sizeof *ni);
    tc_knn_tiling tilings[] = {{0, 0, 0, 0}, {7, 50, 0, 0}, {5, 16, 0, 0}, {33, 100, 2, 0},
                               {0, 40, 0, 7}};
    CHECK_OK(tc_knn_search_naive(base, n, d, q, m, k, nd, ni));
    for (int tt = 0; tt < 5; tt++) {
        CHECK_OK(tc_knn_search_tiled(base, n, d, q, m, k, 2, &tilings[tt], fd, fi));
        compare("ties", base, n, d, q, m, k, fd, fi, nd, ni, 2e-6);
        for (size_t i = 0; i < m; i++) {
            int group = i % 4 == 3 ? -1 : (int)(i % 3);
            if (group >= 0) {
                /* the whole group in ascending id order at the front */
                for (int j = 0; j < 4; j++) {
                    size_t e = i * k + j;
                    CHECK_MSG(fi[e] == (int64_t)groups[group][j],
                              "tiling %d query %zu rank %d: id %lld, want %zu", tt, i, j,
                              (long long)fi[e], groups[group][j]);
                    CHECK_MSG(fd[e] == fd[i * k], "tiling %d query %zu: tied rows at %g and %g",
                              tt, i, fd[i * k], fd[e]);
                }
            } else {
                CHECK(fi[i * k] == (int64_t)(200 + i));
            }
            if (i < 20) CHECK_MSG(fd[i * k] >= 0 && fd[i * k] <= 1e-5, "self distance %g", fd[i * k]);
            for (int r = 0; r < k; r++) CHECK(fd[i * k + r] >= 0);
        }
        /* ids ascending among equal distances anywhere in the list */
        for (size_t e = 1; e < m * k; e++)
            if (e % k && fd[e] == fd[e - 1]) CHECK(fi[e] > fi[e - 1]);
    }
    free(base), free(q), free(fd), free(nd), free(fi), free(ni);
}

/* A tight cluster: distances differ by less than the rounding error of the
 * BLAS estimate, so only the exact re-check can rank them; the result must
 * still equal the naive one id for id. */
static void check_cluster(void) {
    const size_t n = 3000, m = 50;
    const int d = 40, k = 20;
    float *base = random_rows(21, n, d, 1.0);
    float *q = random_rows(22, m, d, 0);
    float *noise = random_rows(23, n, d, 0);
    for (size_t j = 0; j < n; j += 2) /* every other row near base row 0 */
        for (int t = 0; t < d; t++) base[j * d + t] = base[t] + 3e-4f * noise[j * d + t];
    for (size_t i = 0; i < m; i++)
        for (int t = 0; t < d; t++) q[i * d + t] = base[t] + 3e-4f * q[i * d + t];
    float *fd = malloc(m * k * sizeof *fd), *nd = malloc(m * k * sizeof *nd);
    int64_t *fi = malloc(m * k * sizeof *fi), *ni = malloc(m * k * sizeof *ni);
    CHECK_OK(tc_knn_search_naive(base, n, d, q, m, k, nd, ni));
    CHECK_OK(tc_knn_search(base, n, d, q, m, k, 2, fd, fi));
    size_t mis = compare("cluster", base, n, d, q, m, k, fd, fi, nd, ni, 1e-11);
    CHECK_MSG(mis <= 2, "cluster: %zu ids differ from naive", mis);
    CHECK(nd[k - 1] < 2e-5); /* the case is as tight as intended */
    free(base), free(q), free(noise), free(fd), free(nd), free(fi), free(ni);
}

static void check_edges(void) {
    float base[6] = {0, 0, 1, 0, 0, 1}; /* (3, 2) */
    float q[4] = {0.9f, 0.1f, 0, 0};    /* (2, 2) */
    float d[10];
    int64_t id[10];
    /* k > n: three real neighbours, then padding */
    CHECK_OK(tc_knn_search(base, 3, 2, q, 2, 5, 0, d, id));
    CHECK(id[0] == 1 && id[1] == 0 && id[2] == 2 && id[3] == -1 && id[4] == -1);
    CHECK(isinf(d[3]) && d[3] > 0 && isinf(d[4]));
    CHECK_NEAR(d[0], 0.02, 1e-6);
    CHECK_NEAR(d[1], 0.82, 1e-6);
    CHECK(id[5] == 0 && d[5] == 0 && id[6] == 1 && id[7] == 2); /* 1 and 2 tie at 1: lower id */
    CHECK(d[6] == d[7]);
    /* empty base: all padding */
    CHECK_OK(tc_knn_search(NULL, 0, 2, q, 2, 3, 1, d, id));
    for (int i = 0; i < 6; i++) CHECK(id[i] == -1 && isinf(d[i]));
    /* no queries: nothing to do */
    CHECK_OK(tc_knn_search(base, 3, 2, NULL, 0, 3, 1, NULL, NULL));
    /* errors */
    CHECK(tc_knn_search(base, 3, 2, q, 2, 0, 1, d, id) == TC_EINVAL);
    CHECK(tc_knn_search(base, 3, 0, q, 2, 1, 1, d, id) == TC_EINVAL);
    CHECK(tc_knn_search(NULL, 3, 2, q, 2, 1, 1, d, id) == TC_EINVAL);
    CHECK(tc_knn_search(base, 3, 2, q, 2, 1, 1, d, NULL) == TC_EINVAL);
    CHECK(strstr(tc_last_error(), "knn") != NULL);
    CHECK(tc_knn_search_naive(base, 3, 2, q, 2, 0, d, id) == TC_EINVAL);
}

int main(void) {
    check_edges();
    check_ties();
    check_cluster();
    /*        seed   n     m    d    k   row length (0 = raw Gaussian) */
    check_case(1, 1, 1, 1, 1, 0);
    check_case(2, 5, 3, 3, 10, 1.0);     /* k > n */
    check_case(3, 100, 17, 7, 1, 1.0);   /* k = 1, d < 8 */
    check_case(4, 1000, 300, 33, 10, 1.0);
    check_case(5, 517, 9, 8, 517, 1.0);  /* k = n, heap path */
    check_case(6, 700, 5, 13, 1000, 1.0);/* k > n, heap path */
    check_case(7, 3000, 70, 64, 100, 1.0); /* few queries: base split between threads */
    check_case(12, 2500, 2, 30, 5, 1.0);
    check_case(8, 2000, 50, 21, 64, 0);  /* largest sorted-buffer k, raw scale */
    check_case(9, 1500, 40, 19, 65, 3.0);/* smallest heap k, long rows */
    check_case(10, 5000, 600, 24, 10, 1.0); /* crosses the default 256 x 4096 tiles */
    check_case(11, 4200, 260, 100, 1, 1.0);
    return check_report("test_index");
}
