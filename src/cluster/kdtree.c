/* kdtree.c - a kd-tree over float points for the neighbour searches of
 * HDBSCAN (core distances, Boruvka) and of noise assignment: median splits on
 * the widest side of each node's bounding box (Friedman, Bentley, Finkel,
 * ACM TOMS 1977), leaves of at most TC_KD_LEAF points, points copied into
 * tree order so that a leaf is a contiguous run. */
#include "cluster/cluster.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void tc_kd_free(tc_kdtree *t) {
    free(t->pts), free(t->xs), free(t->ys), free(t->orig), free(t->node), free(t->bmin), free(t->bmax);
    memset(t, 0, sizeof *t);
}

/* Reorders idx[lo, hi) so that position mid holds the element that would be
 * there if sorted by (coordinate k, index). */
static void kd_select(const float *x, int d, int k, int64_t *idx, int64_t lo, int64_t hi,
                      int64_t mid) {
    while (hi - lo > 1) {
        int64_t a = idx[lo], b = idx[lo + (hi - lo) / 2], c = idx[hi - 1];
        float va = x[a * d + k], vb = x[b * d + k], vc = x[c * d + k];
        /* median of three as pivot */
        int64_t piv = (va < vb) ? ((vb < vc) ? b : (va < vc ? c : a)) : ((va < vc) ? a : (vb < vc ? c : b));
        float pv = x[piv * d + k];
        int64_t i = lo, j = hi - 1;
        while (i <= j) {
            while (x[idx[i] * d + k] < pv || (x[idx[i] * d + k] == pv && idx[i] < piv)) i++;
            while (x[idx[j] * d + k] > pv || (x[idx[j] * d + k] == pv && idx[j] > piv)) j--;
            if (i <= j) {
                int64_t t = idx[i];
                idx[i] = idx[j], idx[j] = t;
                i++, j--;
            }
        }
        if (mid <= j) hi = j + 1;
        else if (mid >= i) lo = i;
        else return;
    }
}

static int64_t kd_build_rec(tc_kdtree *t, const float *x, int64_t *idx, int64_t lo, int64_t hi) {
    int64_t me = t->n_nodes++;
    int d = t->d;
    double *mn = t->bmin + me * d, *mx = t->bmax + me * d;
    for (int k = 0; k < d; k++) mn[k] = INFINITY, mx[k] = -INFINITY;
    for (int64_t p = lo; p < hi; p++)
        for (int k = 0; k < d; k++) {
            double v = x[idx[p] * d + k];
            if (v < mn[k]) mn[k] = v;
            if (v > mx[k]) mx[k] = v;
        }
    t->node[me] = (tc_kdnode){lo, hi, -1, -1};
    if (hi - lo <= TC_KD_LEAF) return me;
    int kbest = 0;
    for (int k = 1; k < d; k++)
        if (mx[k] - mn[k] > mx[kbest] - mn[kbest]) kbest = k;
    if (!(mx[kbest] > mn[kbest])) return me; /* all points equal */
    int64_t mid = lo + (hi - lo) / 2;
    kd_select(x, d, kbest, idx, lo, hi, mid);
    int64_t l = kd_build_rec(t, x, idx, lo, mid);
    int64_t r = kd_build_rec(t, x, idx, mid, hi);
    t->node[me].left = l, t->node[me].right = r;
    return me;
}

int tc_kd_build(const float *x, size_t n, int d, tc_kdtree *t) {
    memset(t, 0, sizeof *t);
    t->n = n, t->d = d;
    size_t cap = 2 * (n / (TC_KD_LEAF / 2) + 1) + 1;
    t->pts = malloc(n * d * sizeof *t->pts);
    t->orig = malloc(n * sizeof *t->orig);
    t->node = malloc(cap * sizeof *t->node);
    t->bmin = malloc(cap * d * sizeof *t->bmin);
    t->bmax = malloc(cap * d * sizeof *t->bmax);
    if (!t->pts || !t->orig || !t->node || !t->bmin || !t->bmax) {
        tc_kd_free(t);
        return tc_error(TC_ENOMEM, "hdbscan: out of memory for the kd-tree of %zu points", n);
    }
    for (size_t i = 0; i < n; i++) t->orig[i] = (int64_t)i;
    kd_build_rec(t, x, t->orig, 0, (int64_t)n);
    for (size_t p = 0; p < n; p++) memcpy(t->pts + p * d, x + t->orig[p] * d, d * sizeof(float));
    if (d == 2) {
        t->xs = malloc(n * sizeof *t->xs);
        t->ys = malloc(n * sizeof *t->ys);
        if (!t->xs || !t->ys) {
            tc_kd_free(t);
            return tc_error(TC_ENOMEM, "hdbscan: out of memory for the kd-tree of %zu points", n);
        }
        for (size_t p = 0; p < n; p++) t->xs[p] = t->pts[2 * p], t->ys[p] = t->pts[2 * p + 1];
    }
    return 0;
}

