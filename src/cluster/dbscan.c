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
 * The fast path computes exactly those sets instead of replaying the scan, on
 * a grid of cells of side eps / sqrt(2) (Gunawan's grid DBSCAN, 2013): a cell
 * holding min_samples points is all core without a distance computed; the
 * core points of a cell are one component, and two cells join when one pair
 * of their cores is close (skipped when a union-find already joined them);
 * border points look for one close core per cell. The union-find roots are
 * the smallest indices. Every step is a pure function of the input, so the labels do
 * not depend on the number of threads. tc_dbscan_naive replays scikit-learn's
 * scan literally and is the reference the tests compare against. */
#include "cluster/cluster.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t tc_cluster_parallel_min = 20000;

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

/* Points of positions [lo, hi) within e2 (squared) of position q. */
static inline int64_t count_near(const tc_grid *g, const float *x, int64_t lo, int64_t hi,
                                 int64_t q, double e2) {
    int64_t c = 0;
    if (g->d <= 2) {
        const double px = g->gx[q], py = g->gy[q];
        for (int64_t s = lo; s < hi; s++) {
            double dx = px - g->gx[s], dy = py - g->gy[s];
            c += dx * dx + dy * dy <= e2;
        }
    } else {
        const float *xq = x + g->order[q] * g->d;
        for (int64_t s = lo; s < hi; s++) c += tc_dist2_f32(xq, x + g->order[s] * g->d, g->d) <= e2;
    }
    return c;
}

static inline int is_near(const tc_grid *g, const float *x, int64_t p, int64_t q, double e2) {
    if (g->d <= 2) {
        double dx = g->gx[p] - g->gx[q], dy = g->gy[p] - g->gy[q];
        return dx * dx + dy * dy <= e2;
    }
    return tc_dist2_f32(x + g->order[p] * g->d, x + g->order[q] * g->d, g->d) <= e2;
}

/* Lower bound of the squared distance between boxes (or a point, lo == hi)
 * on the grid coordinates; rounding is monotone, so it never exceeds the
 * rounded distance of any pair inside. */
static inline double box_gap2(const double *a, const double *b) {
    double dx = a[0] > b[2] ? a[0] - b[2] : (b[0] > a[2] ? b[0] - a[2] : 0);
    double dy = a[1] > b[3] ? a[1] - b[3] : (b[1] > a[3] ? b[1] - a[3] : 0);
    return dx * dx + dy * dy;
}

/* ---------------------------------------------------------------- fast path */

/* Cell side sqrt(1/2) * eps, a hair less: two points of one cell are always
 * neighbours, even after rounding, and neighbours are at most two cells
 * apart. In more than two dimensions the grid only bounds the distance, so
 * cells are a hair more than eps and neighbours at most one cell apart. */
#define FINE_SHRINK (1.0 - 0x1p-20)
#define COARSE_GROW (1.0 + 0x1p-10)

int tc_dbscan(const float *x, size_t n, int d, const tc_dbscan_params *p, int64_t *labels) {
    int rc = tc_cluster_check_input("dbscan", x, n, d, p, labels);
    if (rc || (rc = check_params(p))) return rc;
    if (n == 0) return 0;
    const double e2 = p->eps * p->eps;
    const int64_t ms = p->min_samples;
    const int nt = tc_cluster_threads(n, p->n_threads);
    const double h_want = d <= 2 ? p->eps * sqrt(0.5) * FINE_SHRINK : p->eps * COARSE_GROW;

    tc_grid g;
    if ((rc = tc_progress(p->progress, p->progress_ctx, "cluster", 0, n)) ||
        (rc = tc_grid_build(x, n, d, h_want, nt, &g)))
        return rc;
    const int fine = d <= 2 && p->eps > 0 && g.h == h_want; /* a cell is a clique */
    const int R = g.h >= p->eps * COARSE_GROW ? 1 : 2;      /* block radius in cells */
    const int nr = 2 * R + 1;
    const int64_t m = (int64_t)g.n_cells;
    int64_t *blk = malloc(m * nr * 2 * sizeof *blk); /* (m, nr, 2) cell ranges of the block
                                                        rows, own row first */
    uint8_t *core = malloc(n);                       /* (n) core flag by position */
    int64_t *fc = malloc(m * sizeof *fc);            /* (m) first core position, -1 if none */
    double *box = malloc(m * 4 * sizeof *box);       /* (m, 4) box of the cores: x0 y0 x1 y1 */
    int64_t *par = malloc(n * sizeof *par);          /* (n) union-find over input indices */
    uint8_t *core_in = malloc(n);                    /* (n) core flag by input index */
    if (!blk || !core || !fc || !box || !par || !core_in) {
        rc = tc_error(TC_ENOMEM, "dbscan: out of memory for %zu points", n);
        goto done;
    }
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int64_t c = 0; c < m; c++) {
        int64_t cx = (int64_t)(g.cell_key[c] % g.nx), cy = (int64_t)(g.cell_key[c] / g.nx);
        for (int r = 0; r < nr; r++) {
            int dy = (r + 1) / 2 * (r % 2 ? -1 : 1); /* 0, -1, 1, -2, 2 */
            tc_grid_row_cells(&g, cy + dy, cx - R, cx + R, blk + (c * nr + r) * 2,
                              blk + (c * nr + r) * 2 + 1);
        }
    }

    /* 1. core flags: count neighbours, nearest rows first, stop at ms */
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
    for (int64_t c = 0; c < m; c++) {
        const int64_t s0 = g.cell_start[c], s1 = g.cell_start[c + 1];
        if (fine && s1 - s0 >= ms) {
            memset(core + s0, 1, s1 - s0);
            continue;
        }
        for (int64_t q = s0; q < s1; q++) {
            int64_t cnt = fine ? s1 - s0 : 0;
            for (int r = 0; r < nr && cnt < ms; r++) {
                const int64_t *b = blk + (c * nr + r) * 2;
                int64_t lo = g.cell_start[b[0]], hi = g.cell_start[b[1]];
                if (fine && r == 0) cnt += count_near(&g, x, lo, s0, q, e2) + count_near(&g, x, s1, hi, q, e2);
                else cnt += count_near(&g, x, lo, hi, q, e2);
            }
            core[q] = cnt >= ms;
        }
    }

    /* each phase is a pass over the points: a quarter of the bar */
    if ((rc = tc_progress(p->progress, p->progress_ctx, "cluster", n / 4, n))) goto done;

    /* 2. components of the core points */
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t i = 0; i < n; i++) par[i] = (int64_t)i;
#pragma omp parallel for schedule(dynamic, 64) num_threads(nt)
    for (int64_t c = 0; c < m; c++) {
        double *bx = box + c * 4;
        bx[0] = bx[1] = INFINITY, bx[2] = bx[3] = -INFINITY;
        fc[c] = -1;
        for (int64_t q = g.cell_start[c]; q < g.cell_start[c + 1]; q++) {
            if (!core[q]) continue;
            if (fc[c] < 0) fc[c] = q;
            else if (fine) tc_uf_union(par, g.order[fc[c]], g.order[q]);
            bx[0] = fmin(bx[0], g.gx[q]), bx[1] = fmin(bx[1], g.gy[q]);
            bx[2] = fmax(bx[2], g.gx[q]), bx[3] = fmax(bx[3], g.gy[q]);
        }
    }
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
    for (int64_t c = 0; c < m; c++) {
        if (fc[c] < 0) continue;
        const int64_t s0 = g.cell_start[c], s1 = g.cell_start[c + 1];
        for (int r = 0; r < nr; r++) {
            const int64_t *b = blk + (c * nr + r) * 2;
            for (int64_t c2 = b[0]; c2 < b[1]; c2++) {
                if (c2 < c || fc[c2] < 0 || (fine && c2 == c)) continue;
                if (box_gap2(box + c * 4, box + c2 * 4) > e2) continue;
                const int64_t t0 = g.cell_start[c2], t1 = g.cell_start[c2 + 1];
                if (fine) { /* cells are cliques: one close pair joins them */
                    int64_t oa = g.order[fc[c]], ob = g.order[fc[c2]];
                    if (tc_uf_find(par, oa) == tc_uf_find(par, ob)) continue;
                    int found = 0;
                    for (int64_t q = s0; q < s1 && !found; q++) {
                        if (!core[q]) continue;
                        for (int64_t s = t0; s < t1; s++)
                            if (core[s] && is_near(&g, x, q, s, e2)) {
                                found = 1;
                                break;
                            }
                    }
                    if (found) tc_uf_union(par, oa, ob);
                    continue;
                }
                for (int64_t q = s0; q < s1; q++) {
                    if (!core[q]) continue;
                    int64_t oq = g.order[q], root = tc_uf_find(par, oq);
                    for (int64_t s = c2 == c ? q + 1 : t0; s < t1; s++) {
                        if (!core[s] || !is_near(&g, x, q, s, e2)) continue;
                        if (tc_uf_find(par, g.order[s]) == root) continue;
                        tc_uf_union(par, oq, g.order[s]);
                        root = tc_uf_find(par, oq);
                    }
                }
            }
        }
    }

    if ((rc = tc_progress(p->progress, p->progress_ctx, "cluster", n / 2, n))) goto done;

    /* 3. cluster numbers: roots are the smallest indices of their
     * components, so scanning 0..n-1 meets each root first */
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

    if ((rc = tc_progress(p->progress, p->progress_ctx, "cluster", n / 4 * 3, n))) goto done;

    /* 4. border points: the smallest cluster among their core neighbours */
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
    for (int64_t c = 0; c < m; c++) {
        for (int64_t q = g.cell_start[c]; q < g.cell_start[c + 1]; q++) {
            if (core[q]) continue;
            double pt[4] = {g.gx[q], g.gy[q], g.gx[q], g.gy[q]};
            int64_t best = INT64_MAX;
            for (int r = 0; r < nr; r++) {
                const int64_t *b = blk + (c * nr + r) * 2;
                for (int64_t c2 = b[0]; c2 < b[1]; c2++) {
                    if (fc[c2] < 0 || box_gap2(pt, box + c2 * 4) > e2) continue;
                    const int64_t t0 = g.cell_start[c2], t1 = g.cell_start[c2 + 1];
                    if (fine) { /* all cores of a cell share one cluster */
                        int64_t l = labels[g.order[fc[c2]]];
                        if (l >= best) continue;
                        for (int64_t s = t0; s < t1; s++)
                            if (core[s] && is_near(&g, x, q, s, e2)) {
                                best = l;
                                break;
                            }
                        continue;
                    }
                    for (int64_t s = t0; s < t1; s++) {
                        if (!core[s]) continue;
                        int64_t l = labels[g.order[s]];
                        if (l < best && is_near(&g, x, q, s, e2)) best = l;
                    }
                }
            }
            labels[g.order[q]] = best == INT64_MAX ? -1 : best;
        }
    }
    rc = tc_progress(p->progress, p->progress_ctx, "cluster", n, n);
done:
    free(blk), free(core), free(fc), free(box), free(par), free(core_in);
    tc_grid_free(&g);
    return rc;
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
