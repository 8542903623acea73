/* cluster.h - private pieces shared by the clustering files: the distance of
 * scikit-learn, a uniform grid that sorts points into cells (DBSCAN), a
 * kd-tree (HDBSCAN, noise assignment), a lock-free union-find, the internal
 * steps of HDBSCAN (spanning tree, condensed tree and selection) and the
 * naive reference implementations the tests compare the fast paths against. */
#ifndef TC_CLUSTER_H
#define TC_CLUSTER_H

#include "textclust.h"
#include "util/util.h"
#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- threads */

/* Inputs smaller than this run on one thread: the labels are the same, and
 * on a busy machine the start and barriers of a parallel region cost more
 * than such a small job. Tests set it to 0 to exercise the parallel paths. */
extern size_t tc_cluster_parallel_min;

static inline int tc_cluster_threads(size_t n, int n_threads) {
    return n < tc_cluster_parallel_min ? 1 : tc_threads(n_threads);
}

/* ---------------------------------------------------------------- distances */

/* Squared Euclidean distance of two float rows, accumulated in double in
 * dimension order: the same operations, in the same order, as scikit-learn's
 * KD-tree (each float is widened exactly, then d += t * t). This file is
 * compiled as ISO C (-std=c11), where GCC does not contract a*b+c into a fused
 * multiply-add, which keeps the rounding identical. */
static inline double tc_dist2_f32(const float *a, const float *b, int d) {
    double s = 0.0;
    for (int k = 0; k < d; k++) {
        double t = (double)a[k] - (double)b[k];
        s += t * t;
    }
    return s;
}

/* ---------------------------------------------------------------- grid */

/* Points sorted into square cells of side h on two of their dimensions (the
 * two of largest range; for d == 1 the second coordinate is 0). Cell (cx, cy)
 * holds the points with floor((v - x0) / h) == cx, ... Cells are ordered by
 * (row, column) and points inside a cell by index, so the cells cx0..cx1 of
 * one row are one contiguous run of cells and of positions. */
typedef struct tc_grid {
    size_t n;            /* points */
    int d;               /* dimension of the input rows */
    int ax, ay;          /* the dimensions used for the cells (ay = -1 when d == 1) */
    double h;            /* cell side */
    double x0, y0;       /* lower corner */
    uint64_t nx, ny;     /* cells per axis */
    int64_t *order;      /* (n) input index of the point at each sorted position */
    double *gx, *gy;     /* (n) the two grid coordinates, sorted order */
    size_t n_cells;      /* non-empty cells */
    uint64_t *cell_key;  /* (n_cells) cy * nx + cx, ascending */
    int64_t *cell_start; /* (n_cells + 1) first position of each cell */
} tc_grid;

/* Builds the grid of the n >= 1 rows of x (n, d) with cells of side h, or
 * larger where needed to keep at most 2^24 cells per axis (g->h says which);
 * h = 0 picks that smallest size. x is borrowed and must outlive the grid. */
int tc_grid_build(const float *x, size_t n, int d, double h, int n_threads, tc_grid *g);
void tc_grid_free(tc_grid *g);

/* Cells [*a, *b) of columns cx0..cx1 (clipped to the grid) of row cy; an empty
 * range when the row is outside the grid. */
void tc_grid_row_cells(const tc_grid *g, int64_t cy, int64_t cx0, int64_t cx1, int64_t *a,
                       int64_t *b);

/* ---------------------------------------------------------------- kd-tree */

#define TC_KD_LEAF 32  /* most points in a leaf (more only when all are equal) */
#define TC_KD_CHUNK 64 /* leaf points measured at once */

/* A kd-tree (median splits on the widest side of the box) over n points,
 * reordered into tree order; built once, read-only afterwards (kdtree.c). */
typedef struct tc_kdnode {
    int64_t lo, hi;      /* positions [lo, hi) */
    int64_t left, right; /* children, -1 for a leaf */
} tc_kdnode;

typedef struct tc_kdtree {
    size_t n;
    int d;
    float *pts;      /* (n, d) points in tree order */
    double *xs, *ys; /* (n) 2-D only: the two coordinates in tree order, for vector loops */
    int64_t *orig;   /* (n) input index of each position */
    tc_kdnode *node; /* (n_nodes) node 0 is the root */
    double *bmin, *bmax; /* (n_nodes, d) bounding boxes */
    int64_t n_nodes;
} tc_kdtree;

/* Builds the tree of x (n, d), n >= 1; x is copied. */
int tc_kd_build(const float *x, size_t n, int d, tc_kdtree *t);
void tc_kd_free(tc_kdtree *t);

/* Squared distance from q to the box of node u (0 inside). */
static inline double tc_kd_box_dist2(const tc_kdtree *t, int64_t u, const float *q) {
    const double *mn = t->bmin + u * t->d, *mx = t->bmax + u * t->d;
    double s = 0;
    for (int k = 0; k < t->d; k++) {
        double v = q[k], e = 0;
        if (v < mn[k]) e = mn[k] - v;
        else if (v > mx[k]) e = v - mx[k];
        s += e * e;
    }
    return s;
}

/* Squared distances from row q to the positions [lo, lo + m), m <= TC_KD_CHUNK,
 * into out: the same values as tc_dist2_f32, in a loop the compiler
 * vectorises for 2-D points. */
static inline void tc_kd_leaf_dist2(const tc_kdtree *t, const float *q, int64_t lo, int m,
                                    double *out) {
    if (t->xs) {
        const double qx = q[0], qy = q[1];
        const double *xs = t->xs + lo, *ys = t->ys + lo;
        for (int i = 0; i < m; i++) {
            double dx = qx - xs[i], dy = qy - ys[i];
            out[i] = dx * dx + dy * dy;
        }
        return;
    }
    for (int i = 0; i < m; i++) out[i] = tc_dist2_f32(q, t->pts + (lo + i) * t->d, t->d);
}

/* union-find: tc_uf_find / tc_uf_union in util/util.h */

/* ---------------------------------------------------------------- HDBSCAN steps */

/* An edge of the mutual-reachability spanning tree: input indices a < b and
 * the squared mutual-reachability distance w. */
typedef struct tc_mst_edge {
    int64_t a, b;
    double w;
} tc_mst_edge;

/* The minimum spanning tree (n - 1 edges into edges, in no particular order)
 * of the mutual-reachability graph of x (n, d) with core distances to the
 * min_samples-th nearest point, itself included (clamped to n). Edges are
 * ordered by (w, a, b), so the tree is unique. kd-tree + Boruvka (mst.c).
 * m (NULL = none), a meter of n points, moves to 0.9 n from inside the
 * loops; when it is stopped the search ends with TC_ECANCELED. */
int tc_hdbscan_mst(const float *x, size_t n, int d, int min_samples, int n_threads,
                   tc_meter *m, tc_mst_edge *edges);

/* The same tree by Prim's algorithm on the full matrix: O(n^2) time. */
int tc_hdbscan_mst_naive(const float *x, size_t n, int d, int min_samples, tc_mst_edge *edges);

/* The condensed tree of a spanning tree (condense.c). Rows are (parent,
 * child, lambda, size): a point (child < n) leaving cluster `parent` at
 * lambda = 1 / distance, or a cluster (child >= n) of `size` points born at
 * lambda. Clusters have ids n .. n + n_clusters - 1 (n is the root), parents
 * before children; index c = id - n below. */
typedef struct tc_condensed {
    size_t n;            /* points */
    size_t n_rows;
    int64_t *parent;     /* (n_rows) cluster id */
    int64_t *child;      /* (n_rows) point index or cluster id */
    double *lambda;      /* (n_rows) */
    int64_t *size;       /* (n_rows) 1 for a point */
    int64_t n_clusters;  /* the root included */
    int64_t *cparent;    /* (n_clusters) parent index, -1 for the root */
    double *birth;       /* (n_clusters) lambda of birth, 0 for the root */
    double *stability;   /* (n_clusters) sum over rows of (lambda - birth) * size;
                            a row with lambda == birth == inf adds 0 */
} tc_condensed;

/* Builds the condensed tree of the n - 1 edges (sorted in place by
 * (w, a, b)) with min_cluster_size mcs >= 2; free it with tc_condensed_free. */
int tc_hdbscan_condense(tc_mst_edge *edges, size_t n, int mcs, tc_condensed *ct);
void tc_condensed_free(tc_condensed *ct);

/* Labels from a condensed tree: selection (eom or leaf), epsilon, numbering. */
int tc_hdbscan_select(const tc_condensed *ct, const tc_hdbscan_params *p, int64_t *labels);

/* Labels from the spanning tree (edges are sorted in place): condense, then
 * select. */
int tc_hdbscan_labels_from_mst(tc_mst_edge *edges, size_t n, const tc_hdbscan_params *p,
                               int64_t *labels);

/* The same, and when merges is not NULL the hierarchy above the selected
 * clusters (*merges malloc'd, *n_merges = clusters - 1 normally). */
int tc_hdbscan_labels_tree(tc_mst_edge *edges, size_t n, const tc_hdbscan_params *p,
                           int64_t *labels, tc_cluster_merge **merges, size_t *n_merges);
int tc_hdbscan_select_tree(const tc_condensed *ct, const tc_hdbscan_params *p, int64_t *labels,
                           tc_cluster_merge **merges, size_t *n_merges);

/* The same labels written out directly (hdbscan_naive.c), sharing no code
 * with condense.c: the tree is cut one edge at a time from the heaviest, the
 * two sides found by a search over the remaining edges; O(n^2) time. */
int tc_hdbscan_labels_from_mst_naive(const tc_mst_edge *edges, size_t n,
                                     const tc_hdbscan_params *p, int64_t *labels);

/* tc_hdbscan with tc_hdbscan_mst_naive and tc_hdbscan_labels_from_mst_naive
 * in place of the fast steps. */
int tc_hdbscan_naive(const float *x, size_t n, int d, const tc_hdbscan_params *p,
                     int64_t *labels);

/* ---------------------------------------------------------------- references */

/* scikit-learn's DBSCAN written out directly (neighbourhoods by brute force,
 * the depth-first expansion of its dbscan_inner): O(n^2) time, O(n) memory.
 * The tests hold tc_dbscan to it. */
int tc_dbscan_naive(const float *x, size_t n, int d, const tc_dbscan_params *p,
                    int64_t *labels);

/* tc_assign_noise_within by brute force: O(n^2). */
int tc_assign_noise_naive(const float *x, size_t n, int d, double max_distance, int64_t *labels);

/* Checks the arguments shared by the clustering entry points. */
int tc_cluster_check_input(const char *fn, const float *x, size_t n, int d,
                           const void *p, const int64_t *labels);

#endif
