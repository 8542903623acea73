/* grid.c - a uniform grid over two coordinates of the points, the spatial
 * index of DBSCAN's radius queries. Points are sorted
 * into square cells with an LSD radix sort on the cell key, so building takes
 * time and memory linear in N; the cells of one row of a block around a point
 * are one contiguous run of positions. */
#include "cluster/cluster.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Cells per axis are capped so that cell keys fit 50 bits and the rounding of
 * (x - min) / h stays far below the margin between h and r. */
#define GRID_MAX_CELLS_AXIS ((double)(1 << 24))

void tc_grid_free(tc_grid *g) {
    if (!g) return;
    free(g->order);
    free(g->gx);
    free(g->gy);
    free(g->cell_start);
    free(g->cell_key);
    memset(g, 0, sizeof *g);
}

/* Sorts idx (n) by key (n), stably; both arrays are permuted. */
static int radix_sort(uint64_t *key, int64_t *idx, size_t n, uint64_t max_key) {
    enum { BITS = 11, NB = 1 << BITS };
    uint64_t *k2 = malloc(n * sizeof *k2);
    int64_t *i2 = malloc(n * sizeof *i2);
    size_t *cnt = malloc(NB * sizeof *cnt);
    if (!k2 || !i2 || !cnt) {
        free(k2), free(i2), free(cnt);
        return tc_error(TC_ENOMEM, "grid: out of memory sorting %zu points", n);
    }
    int bits = 0;
    while (bits < 64 && (max_key >> bits)) bits++;
    for (int shift = 0; shift < bits; shift += BITS) {
        memset(cnt, 0, NB * sizeof *cnt);
        for (size_t i = 0; i < n; i++) cnt[(key[i] >> shift) & (NB - 1)]++;
        size_t s = 0;
        for (int b = 0; b < NB; b++) {
            size_t c = cnt[b];
            cnt[b] = s;
            s += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t at = cnt[(key[i] >> shift) & (NB - 1)]++;
            k2[at] = key[i];
            i2[at] = idx[i];
        }
        memcpy(key, k2, n * sizeof *key);
        memcpy(idx, i2, n * sizeof *idx);
    }
    free(k2), free(i2), free(cnt);
    return 0;
}

/* First index in keys (m, ascending) whose key is >= k. */
static size_t lower_bound(const uint64_t *keys, size_t m, uint64_t k) {
    size_t lo = 0, hi = m;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < k) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

int tc_grid_build(const float *x, size_t n, int d, double r, int n_threads, tc_grid *g) {
    memset(g, 0, sizeof *g);
    g->n = n;
    g->d = d;
    /* the two dimensions of largest range carry the cells */
    double lo[2] = {0, 0}, hi[2] = {0, 0};
    int ax = 0, ay = -1;
    if (d >= 2) {
        double best0 = -1, best1 = -1;
        int b0 = 0, b1 = 1;
        for (int k = 0; k < d; k++) {
            double mn = INFINITY, mx = -INFINITY;
            for (size_t i = 0; i < n; i++) {
                double v = x[i * d + k];
                if (v < mn) mn = v;
                if (v > mx) mx = v;
            }
            double span = mx - mn;
            if (span > best0) {
                best1 = best0, b1 = b0;
                best0 = span, b0 = k;
            } else if (span > best1) {
                best1 = span, b1 = k;
            }
        }
        ax = b0 < b1 ? b0 : b1;
        ay = b0 < b1 ? b1 : b0;
    }
    g->ax = ax;
    g->ay = ay;
    for (int a = 0; a < 2; a++) {
        int k = a == 0 ? ax : ay;
        if (k < 0) continue;
        double mn = INFINITY, mx = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            double v = x[i * d + k];
            if (v < mn) mn = v;
            if (v > mx) mx = v;
        }
        lo[a] = mn, hi[a] = mx;
    }
    double h = r;
    for (int a = 0; a < 2; a++) {
        double hmin = (hi[a] - lo[a]) / GRID_MAX_CELLS_AXIS;
        if (h < hmin) h = hmin;
    }
    if (!(h > 0)) h = 1.0;
    g->h = h;
    g->x0 = lo[0], g->y0 = lo[1];
    uint64_t nx = (uint64_t)floor((hi[0] - lo[0]) / h) + 1;
    uint64_t ny = (uint64_t)floor((hi[1] - lo[1]) / h) + 1;

    g->order = malloc(n * sizeof *g->order);
    g->gx = malloc(n * sizeof *g->gx);
    g->gy = malloc(n * sizeof *g->gy);
    uint64_t *key = malloc(n * sizeof *key);
    if (!g->order || !g->gx || !g->gy || !key) {
        free(key);
        tc_grid_free(g);
        return tc_error(TC_ENOMEM, "grid: out of memory for %zu points", n);
    }
    int nt = tc_threads(n_threads);
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t i = 0; i < n; i++) {
        double vx = x[i * d + ax];
        double vy = ay >= 0 ? x[i * d + ay] : 0.0;
        uint64_t cx = (uint64_t)floor((vx - lo[0]) / h);
        uint64_t cy = (uint64_t)floor((vy - lo[1]) / h);
        if (cx >= nx) cx = nx - 1;
        if (cy >= ny) cy = ny - 1;
        key[i] = cy * nx + cx;
        g->order[i] = (int64_t)i;
    }
    int rc = radix_sort(key, g->order, n, nx * ny - 1);
    if (rc) {
        free(key);
        tc_grid_free(g);
        return rc;
    }
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t p = 0; p < n; p++) {
        int64_t i = g->order[p];
        g->gx[p] = x[i * d + ax];
        g->gy[p] = ay >= 0 ? x[i * d + ay] : 0.0;
    }
    /* cells: runs of equal keys; the keys array is compacted in place */
    size_t m = 0;
    for (size_t p = 0; p < n; p++)
        if (p == 0 || key[p] != key[p - 1]) m++;
    g->n_cells = m;
    g->cell_start = malloc((m + 1) * sizeof *g->cell_start);
    if (!g->cell_start) {
        free(key);
        tc_grid_free(g);
        return tc_error(TC_ENOMEM, "grid: out of memory for %zu cells", m);
    }
    m = 0;
    for (size_t p = 0; p < n; p++)
        if (p == 0 || key[p] != key[p - 1]) {
            g->cell_start[m] = (int64_t)p;
            key[m++] = key[p];
        }
    g->cell_start[m] = (int64_t)n;
    g->nx = nx, g->ny = ny;
    g->cell_key = realloc(key, (m ? m : 1) * sizeof *key);
    if (!g->cell_key) g->cell_key = key;
    return 0;
}

void tc_grid_row_cells(const tc_grid *g, int64_t cy, int64_t cx0, int64_t cx1, int64_t *a,
                       int64_t *b) {
    *a = *b = 0;
    if (cy < 0 || (uint64_t)cy >= g->ny) return;
    if (cx0 < 0) cx0 = 0;
    if (cx1 >= (int64_t)g->nx) cx1 = (int64_t)g->nx - 1;
    if (cx0 > cx1) return;
    uint64_t base = (uint64_t)cy * g->nx;
    *a = (int64_t)lower_bound(g->cell_key, g->n_cells, base + (uint64_t)cx0);
    *b = (int64_t)lower_bound(g->cell_key, g->n_cells, base + (uint64_t)cx1 + 1);
}
