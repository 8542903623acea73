/* dbscan.c - DBSCAN (Ester, Kriegel, Sander, Xu, KDD 1996) with the exact
 * semantics and labels of scikit-learn's sklearn.cluster.DBSCAN:
 *
 *  - the neighbourhood of a point holds every point (itself included) whose
 *    squared distance, computed in double from the float32 coordinates in
 *    dimension order, is <= eps * eps (scikit-learn's KD-tree radius query);
 *  - a point is core when its neighbourhood has >= min_samples points;
 *  - scikit-learn scans points 0..n-1 and grows a new cluster from each
 *    unlabelled core point, so clusters are the connected components of the
 *    core points, numbered in order of their smallest index, and a border
 *    point takes the smallest cluster number among its core neighbours (the
 *    first cluster that reaches it); every other point is noise (-1).
 *
 * The fast path computes exactly those sets instead of replaying the scan:
 * core flags by counting in a grid (stopping at min_samples), components
 * with a concurrent union-find whose roots are the smallest indices, then the
 * border labels. Every step is a pure function of the input, so the labels do
 * not depend on the number of threads. tc_dbscan_naive replays scikit-learn's
 * scan literally and is the reference the tests compare against. */
#include "cluster/cluster.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

tc_dbscan_params tc_dbscan_default_params(void) {
    tc_dbscan_params p = {.eps = 0.08, .min_samples = 50, .n_threads = 0};
    return p;
}

int tc_cluster_check_input(const char *fn, const float *x, size_t n, int d, const void *p,
                           const int64_t *labels) {
    if (!p) return tc_error(TC_EINVAL, "%s: params is NULL", fn);
    if (d < 1) return tc_error(TC_EINVAL, "%s: dimension d = %d must be >= 1", fn, d);
    if (n > 0 && (!x || !labels)) return tc_error(TC_EINVAL, "%s: x or labels is NULL", fn);
    for (size_t i = 0; i < n * (size_t)d; i++)
        if (!isfinite(x[i]))
            return tc_error(TC_EINVAL, "%s: x[%zu][%d] is not a finite number", fn,
                            i / (size_t)d, (int)(i % (size_t)d));
    return 0;
}

static int check_params(const tc_dbscan_params *p) {
    if (!(p->eps >= 0) || !isfinite(p->eps))
        return tc_error(TC_EINVAL, "dbscan: eps = %g must be a finite number >= 0", p->eps);
    if (p->min_samples < 1)
        return tc_error(TC_EINVAL, "dbscan: min_samples = %d must be >= 1", p->min_samples);
    return 0;
}

/* ---------------------------------------------------------------- neighbour tests */

/* Points of positions [lo, hi) within e2 (squared) of (px, py); 1-D and 2-D. */
static inline int64_t count_near2(const double *gx, const double *gy, int64_t lo, int64_t hi,
                                  double px, double py, double e2) {
    int64_t c = 0;
    for (int64_t q = lo; q < hi; q++) {
        double dx = px - gx[q], dy = py - gy[q];
        c += dx * dx + dy * dy <= e2;
    }
    return c;
}

/* Same for any d, on the full input rows. */
static inline int64_t count_neard(const tc_grid *g, const float *x, int64_t lo, int64_t hi,
                                  const float *xp, double e2) {
    int64_t c = 0;
    int d = g->d;
    for (int64_t q = lo; q < hi; q++) c += tc_dist2_f32(xp, x + g->order[q] * d, d) <= e2;
    return c;
}

static inline int is_near(const tc_grid *g, const float *x, int64_t p, int64_t q, double e2) {
    if (g->d <= 2) {
        double dx = g->gx[p] - g->gx[q], dy = g->gy[p] - g->gy[q];
        return dx * dx + dy * dy <= e2;
    }
    return tc_dist2_f32(x + g->order[p] * g->d, x + g->order[q] * g->d, g->d) <= e2;
}

/* ---------------------------------------------------------------- fast path */

int tc_dbscan(const float *x, size_t n, int d, const tc_dbscan_params *p, int64_t *labels) {
    int rc = tc_cluster_check_input("dbscan", x, n, d, p, labels);
    if (rc || (rc = check_params(p))) return rc;
    if (n == 0) return 0;
    const double e2 = p->eps * p->eps;
    const int64_t ms = p->min_samples;
    const int nt = tc_threads(p->n_threads);

    tc_grid g;
    if ((rc = tc_grid_build(x, n, d, p->eps, p->n_threads, &g))) return rc;
    uint8_t *core = malloc(n);     /* (n) core flag by sorted position */
    int64_t *par = malloc(n * sizeof *par); /* (n) union-find over input indices */
    if (!core || !par) {
        free(core), free(par), tc_grid_free(&g);
        return tc_error(TC_ENOMEM, "dbscan: out of memory for %zu points", n);
    }
    const int64_t m = (int64_t)g.n_cells;

    /* 1. core flags: count neighbours, own row of cells first, stop at ms */
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
    for (int64_t c = 0; c < m; c++) {
        const int64_t *rr = g.cell_row + c * 6;
        for (int64_t q = g.cell_start[c]; q < g.cell_start[c + 1]; q++) {
            int64_t cnt = 0;
            static const int row_order[3] = {1, 0, 2};
            for (int k = 0; k < 3 && cnt < ms; k++) {
                int r = row_order[k];
                if (d <= 2)
                    cnt += count_near2(g.gx, g.gy, rr[2 * r], rr[2 * r + 1], g.gx[q], g.gy[q], e2);
                else
                    cnt += count_neard(&g, x, rr[2 * r], rr[2 * r + 1], x + g.order[q] * d, e2);
            }
            core[q] = cnt >= ms;
        }
    }

    /* 2. components of the core points: each pair once, from the lower
     * position (rest of the own row of cells, then the row above) */
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t i = 0; i < n; i++) par[i] = (int64_t)i;
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
    for (int64_t c = 0; c < m; c++) {
        const int64_t *rr = g.cell_row + c * 6;
        for (int64_t q = g.cell_start[c]; q < g.cell_start[c + 1]; q++) {
            if (!core[q]) continue;
            int64_t oq = g.order[q];
            int64_t root = tc_uf_find(par, oq);
            for (int r = 1; r <= 2; r++) {
                int64_t lo = r == 1 ? q + 1 : rr[4], hi = rr[2 * r + 1];
                for (int64_t s = lo; s < hi; s++) {
                    if (!core[s] || !is_near(&g, x, q, s, e2)) continue;
                    int64_t os = g.order[s];
                    if (tc_uf_find(par, os) == root) continue;
                    tc_uf_union(par, oq, os);
                    root = tc_uf_find(par, oq);
                }
            }
        }
    }

    /* 3. cluster numbers: roots are the smallest indices of their
     * components, so scanning 0..n-1 meets each root first */
    uint8_t *core_in = malloc(n); /* (n) core flag by input index */
    if (!core_in) {
        free(core), free(par), tc_grid_free(&g);
        return tc_error(TC_ENOMEM, "dbscan: out of memory for %zu points", n);
    }
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t q = 0; q < n; q++) core_in[g.order[q]] = core[q];
    int64_t n_clusters = 0;
    for (size_t i = 0; i < n; i++) {
        if (!core_in[i]) {
            labels[i] = -1;
            continue;
        }
        int64_t r = tc_uf_find(par, (int64_t)i);
        labels[i] = r == (int64_t)i ? n_clusters++ : labels[r];
    }
    free(core_in);

    /* 4. border points: the smallest cluster among their core neighbours */
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
    for (int64_t c = 0; c < m; c++) {
        const int64_t *rr = g.cell_row + c * 6;
        for (int64_t q = g.cell_start[c]; q < g.cell_start[c + 1]; q++) {
            if (core[q]) continue;
            int64_t best = INT64_MAX;
            for (int r = 0; r < 3; r++)
                for (int64_t s = rr[2 * r]; s < rr[2 * r + 1]; s++) {
                    if (!core[s]) continue;
                    int64_t l = labels[g.order[s]];
                    if (l < best && is_near(&g, x, q, s, e2)) best = l;
                }
            labels[g.order[q]] = best == INT64_MAX ? -1 : best;
        }
    }
    free(core), free(par), tc_grid_free(&g);
    return 0;
}

/* ---------------------------------------------------------------- reference */

int tc_dbscan_naive(const float *x, size_t n, int d, const tc_dbscan_params *p,
                    int64_t *labels) {
    int rc = tc_cluster_check_input("dbscan", x, n, d, p, labels);
    if (rc || (rc = check_params(p))) return rc;
    const double e2 = p->eps * p->eps;
    uint8_t *core = malloc(n ? n : 1);
    size_t cap = 1024, top = 0;
    size_t *stack = malloc(cap * sizeof *stack);
    if (!core || !stack) {
        free(core), free(stack);
        return tc_error(TC_ENOMEM, "dbscan: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        int64_t cnt = 0;
        for (size_t j = 0; j < n; j++) cnt += tc_dist2_f32(x + i * d, x + j * d, d) <= e2;
        core[i] = cnt >= p->min_samples;
        labels[i] = -1;
    }
    int64_t label_num = 0;
    for (size_t i0 = 0; i0 < n; i0++) {
        if (labels[i0] != -1 || !core[i0]) continue;
        size_t i = i0;
        for (;;) {
            if (labels[i] == -1) {
                labels[i] = label_num;
                if (core[i])
                    for (size_t j = 0; j < n; j++) {
                        if (labels[j] != -1 || tc_dist2_f32(x + i * d, x + j * d, d) > e2)
                            continue;
                        if (top == cap) {
                            size_t *s2 = realloc(stack, 2 * cap * sizeof *stack);
                            if (!s2) {
                                free(core), free(stack);
                                return tc_error(TC_ENOMEM, "dbscan: out of memory");
                            }
                            stack = s2, cap *= 2;
                        }
                        stack[top++] = j;
                    }
            }
            if (top == 0) break;
            i = stack[--top];
        }
        label_num++;
    }
    free(core), free(stack);
    return 0;
}
