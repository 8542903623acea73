/* test_umap.c - the projection stage: kNN graphs, the fuzzy simplicial set
 * against its dense reference, the (a, b) fit, spectral initialisation,
 * and whole UMAP fits on data of known structure (Gaussian blobs) and on
 * edge cases. */
#include "check.h"
#include "reduce/reduce.h"
#include "textclust.h"
#include "util/util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- data */

static double gauss(tc_rng *r) {
    double u1 = tc_rng_uniform(r) + 1e-300, u2 = tc_rng_uniform(r);
    return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

/* nb blobs of m points in d dims: random unit centres, noise sd sigma per
 * coordinate. labels (nb * m). */
static float *blobs(int nb, int m, int d, double sigma, uint64_t seed, int *labels) {
    tc_rng r = tc_rng_seed(seed);
    float *c = malloc((size_t)nb * d * sizeof *c), *x = malloc((size_t)nb * m * d * sizeof *x);
    for (int b = 0; b < nb; b++) {
        double s = 0;
        for (int t = 0; t < d; t++) { c[b * d + t] = (float)gauss(&r); s += c[b * d + t] * c[b * d + t]; }
        for (int t = 0; t < d; t++) c[b * d + t] /= (float)sqrt(s);
    }
    for (int b = 0; b < nb; b++)
        for (int i = 0; i < m; i++) {
            size_t row = (size_t)b * m + i;
            labels[row] = b;
            for (int t = 0; t < d; t++) x[row * d + t] = c[b * d + t] + (float)(sigma * gauss(&r));
        }
    free(c);
    return x;
}

static double cosdist(const float *a, const float *b, int d) {
    double s = 0, na = 0, nb = 0;
    for (int t = 0; t < d; t++) { s += a[t] * b[t]; na += a[t] * a[t]; nb += b[t] * b[t]; }
    return na > 0 && nb > 0 ? 1 - s / sqrt(na * nb) : 1;
}

/* sklearn.manifold.trustworthiness with the cosine metric in the input
 * space and Euclidean in the embedding. */
static double trustworthiness(const float *x, int d, const float *y, int dim, size_t n, int k) {
    double *dx = malloc(n * n * sizeof *dx), *dy = malloc(n * sizeof *dy);
    int *rank = malloc(n * sizeof *rank);
    size_t *ord = malloc(n * sizeof *ord);
    double t = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) dx[i * n + j] = i == j ? -1 : cosdist(x + i * d, x + j * d, d);
    for (size_t i = 0; i < n; i++) {
        /* rank of every j in input space (1 = nearest) */
        for (size_t j = 0; j < n; j++) ord[j] = j;
        for (size_t a = 1; a < n; a++) { /* insertion sort by (dx, id) */
            size_t v = ord[a], b = a;
            while (b > 0 && (dx[i * n + ord[b - 1]] > dx[i * n + v] ||
                             (dx[i * n + ord[b - 1]] == dx[i * n + v] && ord[b - 1] > v))) {
                ord[b] = ord[b - 1];
                b--;
            }
            ord[b] = v;
        }
        for (size_t a = 0; a < n; a++) rank[ord[a]] = (int)a;
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (int q = 0; q < dim; q++) s += (y[i * dim + q] - y[j * dim + q]) * (y[i * dim + q] - y[j * dim + q]);
            dy[j] = j == i ? -1 : s;
        }
        /* the k nearest in the embedding */
        for (int q = 0; q < k; q++) {
            size_t best = i;
            for (size_t j = 0; j < n; j++)
                if (j != i && dy[j] >= 0 && (best == i || dy[j] < dy[best])) best = j;
            dy[best] = -2;
            if (rank[best] > k) t += rank[best] - k;
        }
    }
    free(dx); free(dy); free(rank); free(ord);
    return 1 - t * (2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)));
}

static int all_finite(const float *y, size_t n) {
    for (size_t i = 0; i < n; i++) if (!isfinite(y[i])) return 0;
    return 1;
}

/* ---------------------------------------------------------------- pieces */

static void test_find_ab(void) {
    float a, b;
    CHECK_OK(tc_find_ab_fit(1.0f, 0.1f, &a, &b));
    CHECK_NEAR(a, 1.5769434603113077, 2e-3);
    CHECK_NEAR(b, 0.8950608779109733, 2e-3);
    CHECK_OK(tc_find_ab(1.0f, 0.1f, &a, &b));
    CHECK_NEAR(a, 1.577, 1e-3);
    CHECK_NEAR(b, 0.895, 1e-3);
    /* other pairs: the fit is a local least-squares minimum */
    float md[3] = {0.0f, 0.25f, 0.5f}, sp[3] = {1.0f, 1.0f, 2.0f};
    for (int c = 0; c < 3; c++) {
        CHECK_OK(tc_find_ab_fit(sp[c], md[c], &a, &b));
        double best = 0;
        for (int s = 0; s < 5; s++) {
            double aa = a * (s == 1 ? 1.01 : s == 2 ? 0.99 : 1), bb = b * (s == 3 ? 1.01 : s == 4 ? 0.99 : 1);
            double e = 0;
            for (int i = 0; i < 300; i++) {
                double xv = 3.0 * sp[c] * i / 299.0;
                double yv = xv < md[c] ? 1 : exp(-(xv - md[c]) / sp[c]);
                double f = 1 / (1 + aa * pow(xv, 2 * bb));
                e += (f - yv) * (f - yv);
            }
            if (s == 0) best = e;
            else CHECK_MSG(e >= best * (1 - 1e-9), "pair %d perturbation %d: %g < %g", c, s, e, best);
        }
    }
    CHECK(tc_find_ab_fit(0.0f, 0.1f, &a, &b) == TC_EINVAL);
}

static void test_knn_exact_vs_naive(void) {
    int lab[600];
    float *x = blobs(3, 200, 24, 0.3, 11, lab);
    size_t n = 600;
    int d = 24, k = 15;
    memcpy(x + 10 * d, x + 20 * d, d * sizeof *x); /* duplicates */
    memcpy(x + 11 * d, x + 20 * d, d * sizeof *x);
    float *xn = malloc(n * d * sizeof *xn);
    tc_rows_normalise(x, n, d, xn);
    int32_t *i1 = malloc(n * k * sizeof *i1), *i2 = malloc(n * k * sizeof *i2);
    float *d1 = malloc(n * k * sizeof *d1), *d2 = malloc(n * k * sizeof *d2);
    CHECK_OK(tc_knn_exact(xn, n, d, k, 2, NULL, i1, d1));
    CHECK_OK(tc_knn_naive(xn, n, d, k, i2, d2));
    double maxdiff = 0;
    int selffirst = 1;
    for (size_t i = 0; i < n * k; i++) maxdiff = fmax(maxdiff, fabs(d1[i] - d2[i]));
    for (size_t i = 0; i < n; i++) selffirst &= i1[i * k] == (int32_t)i && d1[i * k] == 0;
    CHECK_MSG(maxdiff < 2e-5, "max distance difference %g", maxdiff);
    CHECK(selffirst);
    CHECK_MSG(tc_knn_recall(i1, i2, n, k) > 0.995, "recall %g", tc_knn_recall(i1, i2, n, k));
    /* duplicates of row 20 are at distance 0 from it */
    CHECK(i1[20 * k + 1] == 10 && i1[20 * k + 2] == 11 && d1[20 * k + 2] < 1e-6);
    /* approximate graph on the same data */
    int32_t *i3 = malloc(n * k * sizeof *i3);
    float *d3 = malloc(n * k * sizeof *d3);
    CHECK_OK(tc_knn_nndescent(xn, n, d, k, 5, 2, NULL, i3, d3));
    double rec = tc_knn_recall(i3, i2, n, k);
    CHECK_MSG(rec > 0.95, "nndescent recall %g", rec);
    int sorted = 1;
    for (size_t i = 0; i < n; i++) {
        sorted &= i3[i * k] == (int32_t)i;
        for (int j = 2; j < k; j++) sorted &= d3[i * k + j] >= d3[i * k + j - 1];
    }
    CHECK(sorted);
    free(x); free(xn); free(i1); free(i2); free(d1); free(d2); free(i3); free(d3);
}

/* The scoring kernel of the approximate graph against double products, on
 * both paths (d = 64: the 4 x 4 AVX-512 tiles where compiled; d = 24: the
 * portable loop), with row counts that are not multiples of 4; a product
 * does not depend on where the rows sit. */
static void test_knn_dots(void) {
    int ds[2] = {64, 24};
    for (int c = 0; c < 2; c++) {
        int d = ds[c], na = 7, nb = 10;
        tc_rng r = tc_rng_seed(9 + c);
        float *x = malloc((size_t)nb * d * sizeof *x);
        for (int i = 0; i < nb * d; i++) x[i] = (float)(tc_rng_uniform(&r) * 2 - 1);
        const float *ra[10], *rb[10];
        for (int i = 0; i < nb; i++) { rb[i] = x + (size_t)i * d; ra[i] = x + (size_t)(nb - 1 - i) * d; }
        float out[7 * 10], up[10 * 10], sw[10 * 7];
        tc_knn_dots(ra, na, rb, nb, d, 0, out);
        tc_knn_dots(rb, nb, rb, nb, d, 1, up);
        tc_knn_dots(rb, nb, ra, na, d, 0, sw);
        double maxerr = 0;
        int same = 1;
        for (int i = 0; i < na; i++)
            for (int j = 0; j < nb; j++) {
                double s = 0;
                for (int t = 0; t < d; t++) s += (double)ra[i][t] * rb[j][t];
                maxerr = fmax(maxerr, fabs(out[i * nb + j] - s));
                same &= out[i * nb + j] == sw[j * na + i];
                int bi = nb - 1 - i; /* ra[i] is rb[bi] */
                if (j >= bi) same &= out[i * nb + j] == up[bi * nb + j];
            }
        CHECK_MSG(maxerr < 1e-5 * d, "d=%d: max error %g", d, maxerr);
        CHECK_MSG(same, "d=%d: a product depends on the rows' places", d);
        free(x);
    }
}

/* The approximate graph on 3,000 points in 64-d (several NN-descent rounds
 * on the fast kernel): recall against exact, the output contract, and the
 * same result for 1 and 2 threads. */
static void test_nndescent(void) {
    enum { NB = 12, M = 250, D = 64, K = 15 };
    size_t n = (size_t)NB * M;
    int *lab = malloc(n * sizeof *lab);
    float *x = blobs(NB, M, D, 0.6 / 8.0, 21, lab), *xn = malloc(n * D * sizeof *xn);
    tc_rows_normalise(x, n, D, xn);
    int32_t *ie = malloc(n * K * sizeof *ie), *i1 = malloc(n * K * sizeof *i1), *i2 = malloc(n * K * sizeof *i2);
    float *de = malloc(n * K * sizeof *de), *d1 = malloc(n * K * sizeof *d1), *d2 = malloc(n * K * sizeof *d2);
    CHECK_OK(tc_knn_exact(xn, n, D, K, 2, NULL, ie, de));
    CHECK_OK(tc_knn_nndescent(xn, n, D, K, 7, 2, NULL, i2, d2));
    CHECK_OK(tc_knn_nndescent(xn, n, D, K, 7, 1, NULL, i1, d1));
    double rec = tc_knn_recall(i2, ie, n, K);
    CHECK_MSG(rec > 0.95, "recall %g", rec);
    CHECK(memcmp(i1, i2, n * K * sizeof *i1) == 0 && memcmp(d1, d2, n * K * sizeof *d1) == 0);
    int ok = 1;
    double maxerr = 0;
    for (size_t i = 0; i < n; i++) {
        ok &= i2[i * K] == (int32_t)i && d2[i * K] == 0;
        for (int j = 1; j < K; j++) {
            int32_t q = i2[i * K + j];
            ok &= q >= 0 && (size_t)q < n && q != (int32_t)i;
            if (j > 1) ok &= d2[i * K + j] > d2[i * K + j - 1] ||
                             (d2[i * K + j] == d2[i * K + j - 1] && q > i2[i * K + j - 1]);
            double s = 0;
            for (int t = 0; t < D; t++) s += (double)xn[i * D + t] * xn[(size_t)q * D + t];
            maxerr = fmax(maxerr, fabs(d2[i * K + j] - fmax(1 - s, 0)));
        }
    }
    CHECK_MSG(ok, "self first, ascending (distance, id)");
    CHECK_MSG(maxerr < 2e-5, "distance error %g", maxerr);
    free(lab); free(x); free(xn); free(ie); free(i1); free(i2); free(de); free(d1); free(d2);
}

static void test_fuzzy_vs_naive(void) {
    int lab[300];
    float *x = blobs(3, 100, 16, 0.4, 3, lab);
    size_t n = 300;
    int d = 16;
    memcpy(x + 5 * d, x + 6 * d, d * sizeof *x);
    float *xn = malloc(n * d * sizeof *xn);
    tc_rows_normalise(x, n, d, xn);
    float lcs[3] = {1.0f, 1.5f, 0.5f}, mixes[3] = {1.0f, 0.5f, 0.0f};
    int ks[3] = {15, 10, 30};
    for (int c = 0; c < 3; c++) {
        int k = ks[c];
        int32_t *idx = malloc(n * k * sizeof *idx);
        float *dist = malloc(n * k * sizeof *dist);
        double *w = calloc(n * n, sizeof *w);
        tc_csr g;
        CHECK_OK(tc_knn_exact(xn, n, d, k, 2, NULL, idx, dist));
        CHECK_OK(tc_fuzzy_set(idx, dist, n, k, lcs[c], mixes[c], 2, NULL, &g));
        CHECK_OK(tc_fuzzy_set_naive(xn, n, d, k, lcs[c], mixes[c], w));
        double maxdiff = 0;
        size_t nz_naive = 0;
        for (size_t i = 0; i < n * n; i++) nz_naive += w[i] > 0;
        double *dense = calloc(n * n, sizeof *dense);
        int sorted = 1;
        for (size_t i = 0; i < n; i++)
            for (int64_t e = g.rowptr[i]; e < g.rowptr[i + 1]; e++) {
                dense[i * n + g.col[e]] = g.val[e];
                if (e > g.rowptr[i]) sorted &= g.col[e] > g.col[e - 1];
            }
        for (size_t i = 0; i < n * n; i++) maxdiff = fmax(maxdiff, fabs(dense[i] - w[i]));
        CHECK_MSG(maxdiff < 1e-4, "case %d: max |fast - naive| = %g", c, maxdiff);
        CHECK_MSG(g.nnz == nz_naive, "case %d: nnz %zu vs %zu", c, g.nnz, nz_naive);
        CHECK(sorted);
        /* sigma solves sum exp(-(d - rho)/sigma) = log2 k where not floored */
        float *sg = malloc(n * sizeof *sg), *rh = malloc(n * sizeof *rh);
        tc_smooth_knn_dist(dist, n, k, lcs[c], 2, NULL, sg, rh);
        int ok = 0, tot = 0;
        for (size_t i = 0; i < n; i++) {
            double s = 0;
            for (int j = 1; j < k; j++) {
                double dd = dist[i * k + j] - rh[i];
                s += dd > 0 ? exp(-dd / sg[i]) : 1;
            }
            tot++;
            ok += fabs(s - log2(k)) < 1e-3;
        }
        CHECK_MSG(ok >= tot - 1, "case %d: %d of %d rows sum to log2 k", c, ok, tot);
        free(sg); free(rh); free(dense); tc_csr_free(&g); free(idx); free(dist); free(w);
    }
    free(x); free(xn);
}

static void test_spectral_grid(void) {
    /* a 24 x 24 grid graph: Laplacian eigenvectors 1, 2 lay it out flat */
    int s = 24;
    size_t n = (size_t)s * s;
    tc_csr g = {n, 0, malloc((n + 1) * sizeof(int64_t)), malloc(4 * n * sizeof(int32_t)),
                malloc(4 * n * sizeof(float))};
    g.rowptr[0] = 0;
    for (int r = 0; r < s; r++)
        for (int c = 0; c < s; c++) {
            size_t i = (size_t)r * s + c;
            int64_t e = g.rowptr[i];
            int nb[4][2] = {{r - 1, c}, {r, c - 1}, {r, c + 1}, {r + 1, c}};
            for (int q = 0; q < 4; q++)
                if (nb[q][0] >= 0 && nb[q][0] < s && nb[q][1] >= 0 && nb[q][1] < s) {
                    g.col[e] = nb[q][0] * s + nb[q][1];
                    g.val[e++] = 1.0f;
                }
            g.rowptr[i + 1] = e;
        }
    g.nnz = (size_t)g.rowptr[n];
    float *y = malloc(n * 2 * sizeof *y);
    int fb = -1;
    CHECK_OK(tc_spectral_init(&g, NULL, 0, 2, 1, 2, NULL, y, &fb));
    CHECK(fb == 0);
    double mx = 0, near = 0, far = 0;
    for (size_t i = 0; i < n * 2; i++) mx = fmax(mx, fabs(y[i]));
    CHECK_NEAR(mx, 10.0, 1e-3);
    for (size_t i = 0; i < n; i++)
        for (int64_t e = g.rowptr[i]; e < g.rowptr[i + 1]; e++)
            near += hypot(y[i * 2] - y[g.col[e] * 2], y[i * 2 + 1] - y[g.col[e] * 2 + 1]);
    near /= g.nnz;
    for (size_t i = 0; i < n; i++) {
        size_t j = (i * 7919 + 13) % n;
        far += hypot(y[i * 2] - y[j * 2], y[i * 2 + 1] - y[j * 2 + 1]);
    }
    far /= n;
    CHECK_MSG(near < 0.15 * far, "grid neighbours %g apart, random pairs %g", near, far);
    int32_t *lab = malloc(n * sizeof *lab);
    CHECK(tc_csr_components(&g, lab) == 1);
    /* two disjoint grids (the second a copy shifted by n): two components,
     * laid out apart: no point of one inside the other's bounding box */
    tc_csr g2 = {2 * n, 2 * g.nnz, malloc((2 * n + 1) * sizeof(int64_t)),
                 malloc(2 * g.nnz * sizeof(int32_t)), malloc(2 * g.nnz * sizeof(float))};
    for (size_t i = 0; i <= n; i++) g2.rowptr[i] = g.rowptr[i];
    for (size_t i = 1; i <= n; i++) g2.rowptr[n + i] = (int64_t)g.nnz + g.rowptr[i];
    for (size_t e = 0; e < g.nnz; e++) {
        g2.col[e] = g.col[e];
        g2.col[g.nnz + e] = g.col[e] + (int32_t)n;
        g2.val[e] = g2.val[g.nnz + e] = 1.0f;
    }
    int32_t *lab2 = malloc(2 * n * sizeof *lab2);
    CHECK(tc_csr_components(&g2, lab2) == 2);
    CHECK(lab2[0] != lab2[n] && lab2[n - 1] == lab2[0] && lab2[2 * n - 1] == lab2[n]);
    /* vectors for the components' places: grid 1 near e1, grid 2 near e2 */
    float *xv = malloc(2 * n * 2 * sizeof *xv), *y2 = malloc(2 * n * 2 * sizeof *y2);
    for (size_t i = 0; i < 2 * n; i++) {
        xv[i * 2] = i < n ? 1.0f : 0.0f;
        xv[i * 2 + 1] = i < n ? 0.0f : 1.0f;
    }
    fb = -1;
    CHECK_OK(tc_spectral_init(&g2, xv, 2, 2, 1, 2, NULL, y2, &fb));
    CHECK(fb == 0 && all_finite(y2, 2 * n * 2));
    double lo[2][2] = {{INFINITY, INFINITY}, {INFINITY, INFINITY}};
    double hi[2][2] = {{-INFINITY, -INFINITY}, {-INFINITY, -INFINITY}};
    for (size_t i = 0; i < 2 * n; i++)
        for (int t = 0; t < 2; t++) {
            int c = i >= n;
            lo[c][t] = fmin(lo[c][t], y2[i * 2 + t]);
            hi[c][t] = fmax(hi[c][t], y2[i * 2 + t]);
        }
    size_t inside = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        int o = i < n; /* the other grid */
        inside += y2[i * 2] >= lo[o][0] && y2[i * 2] <= hi[o][0] && y2[i * 2 + 1] >= lo[o][1] &&
                  y2[i * 2 + 1] <= hi[o][1];
    }
    CHECK_MSG(inside == 0, "%zu points inside the other grid's box ([%g, %g] x [%g, %g] and "
              "[%g, %g] x [%g, %g])", inside, lo[0][0], hi[0][0], lo[0][1], hi[0][1], lo[1][0],
              hi[1][0], lo[1][1], hi[1][1]);
    free(lab); free(lab2); free(xv); free(y2);
    free(y);
    tc_csr_free(&g);
    tc_csr_free(&g2);
}

/* kNN fuzzy graph of nb blobs of m points in d dims (noise sigma). */
static void blob_graph(int nb, int m, int d, double sigma, uint64_t seed, tc_csr *g) {
    size_t n = (size_t)nb * m;
    int *lab = malloc(n * sizeof *lab), k = 15;
    float *x = blobs(nb, m, d, sigma, seed, lab), *xn = malloc(n * d * sizeof *xn);
    int32_t *idx = malloc(n * k * sizeof *idx);
    float *dist = malloc(n * k * sizeof *dist);
    tc_rows_normalise(x, n, d, xn);
    CHECK_OK(tc_knn_exact(xn, n, d, k, 2, NULL, idx, dist));
    CHECK_OK(tc_fuzzy_set(idx, dist, n, k, 1.0f, 1.0f, 2, NULL, g));
    free(lab); free(x); free(xn); free(idx); free(dist);
}

/* max over t of ||M v_t - val_t v_t|| and of |<v_t, D^1/2 1>| / ||D^1/2 1|| */
static void eig_quality(const tc_csr *g, int nev, const double *vec, const double *val,
                        double *res, double *orth) {
    size_t n = g->n;
    double *sd = malloc(n * sizeof *sd), tot = 0;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t e = g->rowptr[i]; e < g->rowptr[i + 1]; e++) s += g->val[e];
        sd[i] = sqrt(s);
        tot += s;
    }
    *res = *orth = 0;
    for (int t = 0; t < nev; t++) {
        const double *v = vec + (size_t)t * n;
        double r2 = 0, o = 0;
        for (size_t i = 0; i < n; i++) {
            double s = 0;
            for (int64_t e = g->rowptr[i]; e < g->rowptr[i + 1]; e++)
                s += g->val[e] / (sd[i] * sd[g->col[e]]) * v[g->col[e]];
            r2 += (s - val[t] * v[i]) * (s - val[t] * v[i]);
            o += v[i] * sd[i];
        }
        *res = fmax(*res, sqrt(r2));
        *orth = fmax(*orth, fabs(o) / sqrt(tot));
    }
    free(sd);
}

static void test_spectral_solvers(void) {
    /* 200 vertices: the fused and the plain Krylov solvers against dense Jacobi */
    tc_csr g;
    blob_graph(2, 100, 16, 0.6, 5, &g);
    int32_t *lab = malloc(g.n * sizeof *lab);
    CHECK(tc_csr_components(&g, lab) == 1);
    size_t n = g.n;
    int nev = 2;
    double vd[2], vf[2], vr[2], res, orth;
    double *ed = malloc(nev * n * sizeof *ed), *ef = malloc(nev * n * sizeof *ef);
    double *er = malloc(nev * n * sizeof *er);
    CHECK_OK(tc_spectral_eigs(&g, nev, 1, 1, TC_EIG_DENSE, 0, ed, vd));
    CHECK(tc_spectral_eigs(&g, nev, 1, 2, TC_EIG_FAST, 1e-7, ef, vf) == 0);
    CHECK(tc_spectral_eigs(&g, nev, 1, 2, TC_EIG_REF, 1e-7, er, vr) == 0);
    eig_quality(&g, nev, ed, vd, &res, &orth);
    CHECK_MSG(res < 1e-8 && orth < 1e-8, "dense: residual %g, orthogonality %g", res, orth);
    eig_quality(&g, nev, ef, vf, &res, &orth);
    /* the fused solver rounds the entries of M to float (relative 6e-8) */
    CHECK_MSG(res < 1e-6 && orth < 1e-8, "fused: residual %g, orthogonality %g", res, orth);
    for (int t = 0; t < nev; t++) {
        CHECK_MSG(fabs(vf[t] - vd[t]) < 1e-7 && fabs(vr[t] - vd[t]) < 1e-9,
                  "eigenvalue %d: dense %.9f fused %.9f plain %.9f", t, vd[t], vf[t], vr[t]);
        double cf = 0, cr = 0;
        for (size_t i = 0; i < n; i++) {
            cf += ef[t * n + i] * ed[t * n + i];
            cr += er[t * n + i] * ed[t * n + i];
        }
        /* the gaps here are wide, so the vectors are determined up to sign */
        CHECK_MSG(fabs(cf) > 1 - 1e-6 && fabs(cr) > 1 - 1e-9, "vector %d: |cos| fused %g plain %g "
                  "(gap %g)", t, fabs(cf), fabs(cr), vd[t] - (t + 1 < nev ? vd[t + 1] : 0));
    }
    free(ed); free(ef); free(er); free(lab);
    tc_csr_free(&g);

    /* 4,000 vertices (several chunks): the same bits with 1 and 2 threads,
     * residuals within the default tolerance (1e-2) and, with a tight one,
     * the eigenvalues of the plain solver */
    blob_graph(4, 1000, 16, 0.7, 9, &g);
    n = g.n;
    double *e1 = malloc(nev * n * sizeof *e1), *e2 = malloc(nev * n * sizeof *e2), v1[2], v2[2];
    CHECK(tc_spectral_eigs(&g, nev, 3, 1, TC_EIG_FAST, 0, e1, v1) == 0);
    CHECK(tc_spectral_eigs(&g, nev, 3, 2, TC_EIG_FAST, 0, e2, v2) == 0);
    CHECK(memcmp(e1, e2, nev * n * sizeof *e1) == 0 && v1[0] == v2[0] && v1[1] == v2[1]);
    eig_quality(&g, nev, e1, v1, &res, &orth);
    CHECK_MSG(res < 1e-2 && orth < 1e-8, "4000: residual %g, orthogonality %g", res, orth);
    CHECK(tc_spectral_eigs(&g, nev, 3, 2, TC_EIG_FAST, 1e-6, e1, v1) == 0);
    CHECK(tc_spectral_eigs(&g, nev, 3, 2, TC_EIG_REF, 1e-6, e2, v2) == 0);
    eig_quality(&g, nev, e1, v1, &res, &orth);
    CHECK_MSG(res < 2e-6 && fabs(v1[0] - v2[0]) < 1e-7 && fabs(v1[1] - v2[1]) < 1e-7,
              "4000 tight: residual %g, eigenvalues %.10f %.10f / %.10f %.10f", res, v1[0], v1[1],
              v2[0], v2[1]);
    free(e1); free(e2);
    tc_csr_free(&g);
}

/* ---------------------------------------------------------------- whole fits */

static void check_separated(const float *y, const int *lab, size_t n, int nb, const char *what) {
    /* every point's nearest 2-D neighbour shares its label */
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        double best = INFINITY;
        size_t bj = i;
        for (size_t j = 0; j < n; j++) {
            if (j == i) continue;
            double s = hypot(y[i * 2] - y[j * 2], y[i * 2 + 1] - y[j * 2 + 1]);
            if (s < best) { best = s; bj = j; }
        }
        bad += lab[bj] != lab[i];
    }
    CHECK_MSG(bad == 0, "%s: %zu points with a foreign nearest neighbour", what, bad);
    /* centres apart by more than twice the largest RMS radius */
    double cx[16] = {0}, cy[16] = {0}, rad[16] = {0};
    int cnt[16] = {0};
    for (size_t i = 0; i < n; i++) { cx[lab[i]] += y[i * 2]; cy[lab[i]] += y[i * 2 + 1]; cnt[lab[i]]++; }
    for (int b = 0; b < nb; b++) { cx[b] /= cnt[b]; cy[b] /= cnt[b]; }
    for (size_t i = 0; i < n; i++)
        rad[lab[i]] += pow(y[i * 2] - cx[lab[i]], 2) + pow(y[i * 2 + 1] - cy[lab[i]], 2);
    double rmax = 0, cmin = INFINITY;
    for (int b = 0; b < nb; b++) rmax = fmax(rmax, sqrt(rad[b] / cnt[b]));
    for (int b = 0; b < nb; b++)
        for (int c = b + 1; c < nb; c++) cmin = fmin(cmin, hypot(cx[b] - cx[c], cy[b] - cy[c]));
    CHECK_MSG(cmin > 2 * rmax, "%s: closest centres %g apart, largest radius %g", what, cmin, rmax);
}

static void test_blobs(int d, int nb, int m, double sigma, int knn) {
    size_t n = (size_t)nb * m;
    int *lab = malloc(n * sizeof *lab);
    float *x = blobs(nb, m, d, sigma, 100 + d, lab);
    float *y = malloc(n * 2 * sizeof *y);
    tc_umap_params p = tc_umap_default_params();
    p.n_threads = 2;
    p.knn_method = knn;
    CHECK_OK(tc_umap_fit(x, n, d, &p, y));
    CHECK(all_finite(y, n * 2));
    char what[64];
    snprintf(what, sizeof what, "blobs %d-d knn %d", d, knn);
    check_separated(y, lab, n, nb, what);
    double t = trustworthiness(x, d, y, 2, n, 15);
    CHECK_MSG(t > 0.90, "%s: trustworthiness %g", what, t);
    printf("%s: trustworthiness@15 %.4f\n", what, t);
    free(lab); free(x); free(y);
}

static void test_determinism(void) {
    int lab[800];
    float *x = blobs(4, 200, 64, 0.5, 7, lab);
    size_t n = 800;
    float *y1 = malloc(n * 2 * sizeof *y1), *y2 = malloc(n * 2 * sizeof *y2);
    float *y3 = malloc(n * 2 * sizeof *y3), *y4 = malloc(n * 2 * sizeof *y4);
    tc_umap_params p = tc_umap_default_params();
    p.n_epochs = 200;
    p.n_threads = 2;
    p.seed = 5;
    CHECK_OK(tc_umap_fit(x, n, 64, &p, y1));
    CHECK_OK(tc_umap_fit(x, n, 64, &p, y2));
    CHECK(memcmp(y1, y2, n * 2 * sizeof *y1) == 0);
    p.n_threads = 1;
    CHECK_OK(tc_umap_fit(x, n, 64, &p, y3));
    CHECK_MSG(memcmp(y1, y3, n * 2 * sizeof *y1) == 0, "1 and 2 threads differ");
    p.n_threads = 2;
    p.seed = 6;
    CHECK_OK(tc_umap_fit(x, n, 64, &p, y4));
    CHECK(memcmp(y1, y4, n * 2 * sizeof *y1) != 0);
    /* the approximate graph too */
    p.seed = 5;
    p.knn_method = TC_KNN_APPROX;
    CHECK_OK(tc_umap_fit(x, n, 64, &p, y3));
    p.n_threads = 1;
    CHECK_OK(tc_umap_fit(x, n, 64, &p, y4));
    CHECK(memcmp(y3, y4, n * 2 * sizeof *y1) == 0);
    free(x); free(y1); free(y2); free(y3); free(y4);
}

/* Above 65,536 edges the layout runs one block per thread, so the result is
 * a function of (seed, thread count): repeated runs agree per thread count,
 * 1 and 2 threads differ, and both keep the blobs apart and neighbourhoods
 * trustworthy. */
static void test_threads(void) {
    enum { NB = 8, M = 500, D = 64 };
    size_t n = (size_t)NB * M;
    int *lab = malloc(n * sizeof *lab);
    float *x = blobs(NB, M, D, 0.35 / 8.0, 11, lab);
    float *y[4];
    for (int r = 0; r < 4; r++) y[r] = malloc(n * 2 * sizeof *y[r]);
    tc_umap_params p = tc_umap_default_params();
    p.n_epochs = 200;
    p.seed = 3;
    p.knn_method = TC_KNN_EXACT;
    for (int r = 0; r < 4; r++) {
        p.n_threads = r < 2 ? 1 : 2;
        CHECK_OK(tc_umap_fit(x, n, D, &p, y[r]));
        CHECK(all_finite(y[r], n * 2));
    }
    CHECK_MSG(memcmp(y[0], y[1], n * 2 * sizeof *y[0]) == 0, "1 thread: runs differ");
    CHECK_MSG(memcmp(y[2], y[3], n * 2 * sizeof *y[0]) == 0, "2 threads: runs differ");
    CHECK_MSG(memcmp(y[0], y[2], n * 2 * sizeof *y[0]) != 0, "1 and 2 threads agree: one block?");
    for (int r = 0; r < 4; r += 2) {
        char what[64];
        snprintf(what, sizeof what, "blobs %d threads", r ? 2 : 1);
        check_separated(y[r], lab, n, NB, what);
        /* on every 4th point, as the benchmark samples (this check is cubic) */
        size_t ns = n / 4;
        float *xs = malloc(ns * D * sizeof *xs), *ys = malloc(ns * 2 * sizeof *ys);
        for (size_t i = 0; i < ns; i++) {
            memcpy(xs + i * D, x + 4 * i * D, D * sizeof *xs);
            memcpy(ys + i * 2, y[r] + 4 * i * 2, 2 * sizeof *ys);
        }
        double t = trustworthiness(xs, D, ys, 2, ns, 15);
        free(xs); free(ys);
        CHECK_MSG(t > 0.90, "%s: trustworthiness %g", what, t);
        printf("%s: trustworthiness@15 %.4f\n", what, t);
    }
    for (int r = 0; r < 4; r++) free(y[r]);
    free(lab); free(x);
}

static void test_small_and_odd(void) {
    tc_umap_params p = tc_umap_default_params();
    p.n_threads = 2;
    float x[40 * 8], y[40 * 2];
    tc_rng r = tc_rng_seed(9);
    for (int i = 0; i < 40 * 8; i++) x[i] = (float)gauss(&r);
    for (int n = 1; n <= 16; n += (n < 4 ? 1 : 6)) {
        for (int i = 0; i < 80; i++) y[i] = NAN;
        CHECK_OK(tc_umap_fit(x, (size_t)n, 8, &p, y));
        CHECK_MSG(all_finite(y, (size_t)n * 2), "n = %d", n);
        /* not collapsed onto one point: gaussian rows are all different */
        double spread = 0;
        for (int i = 1; i < n; i++)
            spread = fmax(spread, hypot(y[i * 2] - y[0], y[i * 2 + 1] - y[1]));
        CHECK_MSG(n == 1 || spread > 0.1, "n = %d: all within %g of the first point", n, spread);
    }
    /* N = 1 is the origin */
    CHECK_OK(tc_umap_fit(x, 1, 8, &p, y));
    CHECK(y[0] == 0 && y[1] == 0);
    /* all identical */
    for (int i = 0; i < 40; i++) memcpy(x + i * 8, x, 8 * sizeof *x);
    CHECK_OK(tc_umap_fit(x, 40, 8, &p, y));
    CHECK(all_finite(y, 80));
    /* zero vectors among others */
    for (int i = 0; i < 40 * 8; i++) x[i] = (float)gauss(&r);
    memset(x + 3 * 8, 0, 8 * sizeof *x);
    memset(x + 17 * 8, 0, 8 * sizeof *x);
    CHECK_OK(tc_umap_fit(x, 40, 8, &p, y));
    CHECK(all_finite(y, 80));
    /* no negative samples: attraction alone */
    {
        tc_umap_params q = p;
        q.negative_sample_rate = 0;
        CHECK_OK(tc_umap_fit(x, 40, 8, &q, y));
        CHECK(all_finite(y, 80));
    }
    /* three output dimensions, random initialisation */
    {
        float y3[40 * 3];
        tc_umap_params q = p;
        q.n_components = 3;
        q.init = TC_UMAP_INIT_RANDOM;
        CHECK_OK(tc_umap_fit(x, 40, 8, &q, y3));
        CHECK(all_finite(y3, 120));
        q.init = TC_UMAP_INIT_SPECTRAL;
        CHECK_OK(tc_umap_fit(x, 40, 8, &q, y3));
        CHECK(all_finite(y3, 120));
    }
    /* bad input */
    x[5] = NAN;
    CHECK(tc_umap_fit(x, 40, 8, &p, y) == TC_EINVAL);
    x[5] = 0;
    p.n_neighbors = 1;
    CHECK(tc_umap_fit(x, 40, 8, &p, y) == TC_EINVAL);
    p = tc_umap_default_params();
    p.min_dist = 2.0f;
    CHECK(tc_umap_fit(x, 40, 8, &p, y) == TC_EINVAL);
    CHECK(tc_umap_fit(NULL, 40, 8, &p, y) == TC_EINVAL);
}

static void test_duplicates(void) {
    /* 300 points, 3 blobs; 40 of them copies (pairs and triples of equal rows) */
    int lab[300];
    float *x = blobs(3, 100, 32, 0.05, 21, lab);
    int src[40];
    for (int i = 0; i < 40; i++) {
        int b = i % 3, s = b * 100 + (i / 3) % 7, dst = b * 100 + 50 + i / 3;
        src[i] = s;
        memcpy(x + dst * 32, x + s * 32, 32 * sizeof *x);
    }
    float y[600];
    tc_umap_params p = tc_umap_default_params();
    p.n_threads = 2;
    CHECK_OK(tc_umap_fit(x, 300, 32, &p, y));
    CHECK(all_finite(y, 600));
    check_separated(y, lab, 300, 3, "duplicates");
    double far = 0;
    for (int i = 0; i < 40; i++) {
        int b = i % 3, dst = b * 100 + 50 + i / 3;
        far = fmax(far, hypot(y[dst * 2] - y[src[i] * 2], y[dst * 2 + 1] - y[src[i] * 2 + 1]));
    }
    CHECK_MSG(far < 1.0, "a copy lies %g from its original", far);
    free(x);
}

static void test_disconnected(void) {
    /* two far blobs (around e and -e) with a small k: no edges between them */
    int lab[400];
    size_t n = 400;
    int d = 32;
    float *x = blobs(2, 200, d, 0.05, 31, lab);
    for (size_t i = 200; i < n; i++)
        for (int t = 0; t < d; t++) x[i * d + t] = -x[(i - 200) * d + t] + 0.01f * (float)((i * 31 + t) % 7);
    float *xn = malloc(n * d * sizeof *xn);
    tc_rows_normalise(x, n, d, xn);
    int32_t *idx = malloc(n * 10 * sizeof *idx);
    float *dist = malloc(n * 10 * sizeof *dist);
    tc_csr g;
    CHECK_OK(tc_knn_exact(xn, n, d, 10, 2, NULL, idx, dist));
    CHECK_OK(tc_fuzzy_set(idx, dist, n, 10, 1.0f, 1.0f, 2, NULL, &g));
    int32_t *cl = malloc(n * sizeof *cl);
    int nc = tc_csr_components(&g, cl);
    CHECK_MSG(nc >= 2, "%d components", nc);
    float *y = malloc(n * 2 * sizeof *y);
    int fb = -1;
    CHECK_OK(tc_spectral_init(&g, xn, d, 2, 3, 2, NULL, y, &fb));
    CHECK(fb == 0 && all_finite(y, n * 2));
    tc_umap_params p = tc_umap_default_params();
    p.n_neighbors = 10;
    p.n_threads = 2;
    CHECK_OK(tc_umap_fit(x, n, d, &p, y));
    CHECK(all_finite(y, n * 2));
    check_separated(y, lab, n, 2, "disconnected");
    free(x); free(xn); free(idx); free(dist); free(cl); free(y);
    tc_csr_free(&g);
}

#define RUN(call)                                                                \
    do {                                                                         \
        double t0_ = tc_now();                                                   \
        call;                                                                    \
        printf("%-50s %6.2f s\n", #call, tc_now() - t0_);                        \
    } while (0)

int main(void) {
    RUN(test_find_ab());
    RUN(test_knn_exact_vs_naive());
    RUN(test_knn_dots());
    RUN(test_nndescent());
    RUN(test_fuzzy_vs_naive());
    RUN(test_spectral_grid());
    RUN(test_spectral_solvers());
    RUN(test_blobs(64, 5, 200, 0.35 / 8.0, TC_KNN_EXACT));
    RUN(test_blobs(512, 4, 150, 0.5 / 22.6, TC_KNN_EXACT));
    RUN(test_blobs(64, 5, 200, 0.35 / 8.0, TC_KNN_APPROX));
    RUN(test_determinism());
    RUN(test_threads());
    RUN(test_small_and_odd());
    RUN(test_duplicates());
    RUN(test_disconnected());
    return check_report("test_umap");
}
