/* noise.c - gives each noise point (label -1) the label of its nearest
 * clustered point (Euclidean; ties to the lower index), for --assign_noise.
 *
 * The clustered points go into a grid on two dimensions with a few points per
 * cell; a query visits rings of cells around its own cell, nearest first, and
 * stops once the best distance found is below the distance to the next ring
 * (a lower bound, since it only looks at two of the d coordinates).
 * tc_assign_noise_naive is the brute-force reference of the tests. */
#include "cluster/cluster.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Nearest of the positions [lo, hi) of g to row xq: updates *best (squared
 * distance) and *arg (input index of the subset, ties to the lower). */
static inline void scan_range(const tc_grid *g, const float *xs, int d, const float *xq,
                              int64_t lo, int64_t hi, double *best, int64_t *arg) {
    for (int64_t s = lo; s < hi; s++) {
        int64_t j = g->order[s];
        double d2 = tc_dist2_f32(xq, xs + j * d, d);
        if (d2 < *best || (d2 == *best && j < *arg)) *best = d2, *arg = j;
    }
}

int tc_assign_noise(const float *x, size_t n, int d, int64_t *labels) {
    if (d < 1) return tc_error(TC_EINVAL, "assign_noise: dimension d = %d must be >= 1", d);
    if (n == 0) return 0;
    if (!x || !labels) return tc_error(TC_EINVAL, "assign_noise: x or labels is NULL");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += labels[i] != -1;
    if (m == 0 || m == n) return 0;
    float *xs = malloc(m * d * sizeof *xs); /* (m, d) clustered points */
    int64_t *id = malloc(m * sizeof *id);    /* (m) their input indices */
    int64_t *qs = malloc((n - m) * sizeof *qs); /* (n - m) noise points */
    if (!xs || !id || !qs) {
        free(xs), free(id), free(qs);
        return tc_error(TC_ENOMEM, "assign_noise: out of memory for %zu points", n);
    }
    size_t a = 0, b = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] != -1) {
            memcpy(xs + a * d, x + i * d, d * sizeof *xs);
            id[a++] = (int64_t)i;
        } else {
            qs[b++] = (int64_t)i;
        }
    }
    /* a cell side that puts about 4 clustered points in a cell */
    double span[2] = {0, 0}; /* the two largest coordinate ranges */
    for (int k = 0; k < d; k++) {
        float mn = xs[k], mx = xs[k];
        for (size_t j = 0; j < m; j++) {
            float v = xs[j * d + k];
            if (v < mn) mn = v;
            if (v > mx) mx = v;
        }
        double sp = (double)mx - mn;
        if (sp > span[0]) span[1] = span[0], span[0] = sp;
        else if (sp > span[1]) span[1] = sp;
    }
    double h = sqrt(span[0] * span[1] * 4.0 / (double)m);
    if (!(h > 0)) h = (span[0] > span[1] ? span[0] : span[1]) * 4.0 / (double)m;
    tc_grid g;
    const int nt = tc_cluster_threads(n, 0);
    int rc = tc_grid_build(xs, m, d, h, nt, &g);
    if (rc) {
        free(xs), free(id), free(qs);
        return rc;
    }
    const size_t nq = n - m;
#pragma omp parallel for schedule(dynamic, 64) num_threads(nt)
    for (size_t t = 0; t < nq; t++) {
        const float *xq = x + qs[t] * d;
        double vx = xq[g.ax], vy = g.ay >= 0 ? xq[g.ay] : 0.0;
        int64_t cx = (int64_t)floor((vx - g.x0) / g.h);
        int64_t cy = (int64_t)floor((vy - g.y0) / g.h);
        /* clamp far-away queries to just outside the grid */
        if (cx < -1) cx = -1;
        if (cy < -1) cy = -1;
        if (cx > (int64_t)g.nx) cx = (int64_t)g.nx;
        if (cy > (int64_t)g.ny) cy = (int64_t)g.ny;
        double best = INFINITY;
        int64_t arg = INT64_MAX;
        for (int64_t k = 0;; k++) {
            for (int64_t j = -k; j <= k; j++) {
                int64_t lo, hi;
                if (j == -k || j == k) {
                    tc_grid_row_range(&g, cy + j, cx - k, cx + k, &lo, &hi);
                    scan_range(&g, xs, d, xq, lo, hi, &best, &arg);
                } else {
                    tc_grid_row_range(&g, cy + j, cx - k, cx - k, &lo, &hi);
                    scan_range(&g, xs, d, xq, lo, hi, &best, &arg);
                    tc_grid_row_range(&g, cy + j, cx + k, cx + k, &lo, &hi);
                    scan_range(&g, xs, d, xq, lo, hi, &best, &arg);
                }
            }
            /* points in rings beyond k are at least k * h away (with a
             * margin for the rounding of the cell coordinates) */
            double bound = ((double)k - 0x1p-8) * g.h;
            if (bound > 0 && best < bound * bound) break;
            if (cx - k <= 0 && cy - k <= 0 && cx + k >= (int64_t)g.nx - 1 &&
                cy + k >= (int64_t)g.ny - 1)
                break;
        }
        labels[qs[t]] = labels[id[arg]];
    }
    tc_grid_free(&g);
    free(xs), free(id), free(qs);
    return 0;
}

int tc_assign_noise_naive(const float *x, size_t n, int d, int64_t *labels) {
    int64_t *out = malloc((n ? n : 1) * sizeof *out);
    if (!out) return tc_error(TC_ENOMEM, "assign_noise: out of memory");
    for (size_t i = 0; i < n; i++) {
        out[i] = labels[i];
        if (labels[i] != -1) continue;
        double best = INFINITY;
        for (size_t j = 0; j < n; j++) {
            if (labels[j] == -1) continue;
            double d2 = tc_dist2_f32(x + i * d, x + j * d, d);
            if (d2 < best) best = d2, out[i] = labels[j];
        }
    }
    memcpy(labels, out, n * sizeof *out);
    free(out);
    return 0;
}
