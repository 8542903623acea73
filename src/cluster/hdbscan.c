/* hdbscan.c - HDBSCAN* (Campello, Moulavi, Sander, PAKDD 2013) entry points:
 * the parameters, tc_hdbscan (kd-tree Boruvka spanning tree of mst.c, then
 * the condensed tree of condense.c) and the naive reference tc_hdbscan_naive,
 * whose spanning tree comes from Prim's algorithm on the full
 * mutual-reachability matrix and whose labels come from hdbscan_naive.c.
 * Both order edges by (weight, a, b), so they build the same tree and give
 * the same labels. */
#include "cluster/cluster.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

tc_hdbscan_params tc_hdbscan_default_params(void) {
    tc_hdbscan_params p = {.min_cluster_size = 50,
                           .min_samples = 0,
                           .selection_method = TC_HDBSCAN_EOM,
                           .cluster_selection_epsilon = 0.0,
                           .n_threads = 0,
                           .progress = NULL,
                           .progress_ctx = NULL};
    return p;
}

static int check_params(const tc_hdbscan_params *p) {
    if (p->min_cluster_size < 2)
        return tc_error(TC_EINVAL, "hdbscan: min_cluster_size = %d must be >= 2",
                        p->min_cluster_size);
    if (p->min_samples < 0)
        return tc_error(TC_EINVAL, "hdbscan: min_samples = %d must be >= 0 (0 = min_cluster_size)",
                        p->min_samples);
    if (p->selection_method != TC_HDBSCAN_EOM && p->selection_method != TC_HDBSCAN_LEAF)
        return tc_error(TC_EINVAL, "hdbscan: selection_method = %d is neither EOM nor LEAF",
                        p->selection_method);
    if (!(p->cluster_selection_epsilon >= 0) || !isfinite(p->cluster_selection_epsilon))
        return tc_error(TC_EINVAL, "hdbscan: cluster_selection_epsilon = %g must be >= 0",
                        p->cluster_selection_epsilon);
    return 0;
}

static int run(const float *x, size_t n, int d, const tc_hdbscan_params *p, int64_t *labels,
               int naive, tc_cluster_merge **merges, size_t *n_merges) {
    if (merges) *merges = NULL, *n_merges = 0;
    int rc = tc_cluster_check_input("hdbscan", x, n, d, p, labels);
    if (rc || (rc = check_params(p))) return rc;
    if (n == 0) return 0;
    int ms = p->min_samples > 0 ? p->min_samples : p->min_cluster_size;
    tc_meter m;
    if ((rc = tc_meter_start(&m, p->progress, p->progress_ctx, "cluster", n))) return rc;
    tc_mst_edge *e = malloc((n > 1 ? n - 1 : 1) * sizeof *e); /* (n-1) */
    if (!e) return tc_error(TC_ENOMEM, "hdbscan: out of memory for %zu points", n);
    rc = naive ? tc_hdbscan_mst_naive(x, n, d, ms, e)
               : tc_hdbscan_mst(x, n, d, ms, p->n_threads, &m, e);
    double t0 = tc_now();
    if (!rc) rc = naive ? tc_hdbscan_labels_from_mst_naive(e, n, p, labels)
                        : tc_hdbscan_labels_tree(e, n, p, labels, merges, n_merges);
    tc_log(TC_LOG_DEBUG, "hdbscan: hierarchy and selection: %.3f s", tc_now() - t0);
    free(e);
    if (!rc) rc = tc_meter_report(&m, n);
    if (rc && merges) free(*merges), *merges = NULL, *n_merges = 0;
    return rc;
}

int tc_hdbscan(const float *x, size_t n, int d, const tc_hdbscan_params *p, int64_t *labels) {
    return run(x, n, d, p, labels, 0, NULL, NULL);
}

int tc_hdbscan_hierarchy(const float *x, size_t n, int d, const tc_hdbscan_params *p,
                         int64_t *labels, tc_cluster_merge **merges, size_t *n_merges) {
    if (!merges || !n_merges) return tc_error(TC_EINVAL, "hdbscan: merges and n_merges must not be NULL");
    return run(x, n, d, p, labels, 0, merges, n_merges);
}

int tc_hdbscan_naive(const float *x, size_t n, int d, const tc_hdbscan_params *p,
                     int64_t *labels) {
    return run(x, n, d, p, labels, 1, NULL, NULL);
}

/* ---------------------------------------------------------------- naive tree */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int tc_hdbscan_mst_naive(const float *x, size_t n, int d, int min_samples, tc_mst_edge *edges) {
    if (n < 2) return 0;
    size_t k = min_samples < 1 ? 1 : (size_t)min_samples;
    if (k > n) k = n;
    double *core2 = malloc(n * sizeof *core2); /* (n) squared core distances */
    double *row = malloc(n * sizeof *row);
    double *kw = malloc(n * sizeof *kw);       /* (n) Prim keys: weight, a, b */
    int64_t *ka = malloc(n * sizeof *ka), *kb = malloc(n * sizeof *kb);
    uint8_t *in = calloc(n, 1);
    if (!core2 || !row || !kw || !ka || !kb || !in) {
        free(core2), free(row), free(kw), free(ka), free(kb), free(in);
        return tc_error(TC_ENOMEM, "hdbscan: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) row[j] = tc_dist2_f32(x + i * d, x + j * d, d);
        qsort(row, n, sizeof *row, cmp_double);
        core2[i] = row[k - 1];
    }
    for (size_t v = 0; v < n; v++) kw[v] = INFINITY, ka[v] = kb[v] = INT64_MAX;
    size_t u = 0;
    in[0] = 1;
    for (size_t step = 0; step + 1 < n; step++) {
        for (size_t v = 0; v < n; v++) {
            if (in[v]) continue;
            double w = tc_dist2_f32(x + u * d, x + v * d, d);
            if (core2[u] > w) w = core2[u];
            if (core2[v] > w) w = core2[v];
            int64_t a = (int64_t)(u < v ? u : v), b = (int64_t)(u < v ? v : u);
            if (w < kw[v] || (w == kw[v] && (a < ka[v] || (a == ka[v] && b < kb[v]))))
                kw[v] = w, ka[v] = a, kb[v] = b;
        }
        size_t best = n;
        for (size_t v = 0; v < n; v++) {
            if (in[v]) continue;
            if (best == n || kw[v] < kw[best] ||
                (kw[v] == kw[best] && (ka[v] < ka[best] || (ka[v] == ka[best] && kb[v] < kb[best]))))
                best = v;
        }
        edges[step] = (tc_mst_edge){ka[best], kb[best], kw[best]};
        in[best] = 1;
        u = best;
    }
    free(core2), free(row), free(kw), free(ka), free(kb), free(in);
    return 0;
}
