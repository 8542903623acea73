/* noise.c - gives each noise point (label -1) the label of its nearest
 * clustered point (Euclidean; ties to the lower index), for --assign_noise;
 * with a distance bound (--assign_noise_max_distance) only noise points
 * that close to a clustered point are absorbed, the rest stay noise.
 *
 * The clustered points go into a kd-tree (kdtree.c); each noise point is one
 * nearest-neighbour query, in parallel (the labels are written only for noise
 * points and read only from clustered ones, so the order does not matter).
 * tc_assign_noise_naive is the brute-force reference of the tests. */
#include "cluster/cluster.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Input index (of the subset in t) nearest to q within squared distance
 * max2, ties to the lower index; INT64_MAX when none is that close. Depth
 * first, nearer child first, subtrees farther than the best skipped (only
 * when strictly farther, so equal distances are all seen). Starting the best
 * at max2 both bounds the search and accepts a point at exactly max2. */
static int64_t nearest(const tc_kdtree *t, const float *q, double max2, int64_t *stack) {
    double best = max2, d2[TC_KD_CHUNK];
    int64_t arg = INT64_MAX;
    int sp = 0;
    stack[sp++] = 0;
    while (sp) {
        int64_t u = stack[--sp];
        if (tc_kd_box_dist2(t, u, q) > best) continue;
        const tc_kdnode *nd = t->node + u;
        if (nd->left >= 0) {
            double dl = tc_kd_box_dist2(t, nd->left, q), dr = tc_kd_box_dist2(t, nd->right, q);
            if (dl <= dr) stack[sp++] = nd->right, stack[sp++] = nd->left;
            else stack[sp++] = nd->left, stack[sp++] = nd->right;
            continue;
        }
        for (int64_t c0 = nd->lo; c0 < nd->hi; c0 += TC_KD_CHUNK) {
            int mm = nd->hi - c0 < TC_KD_CHUNK ? (int)(nd->hi - c0) : TC_KD_CHUNK;
            tc_kd_leaf_dist2(t, q, c0, mm, d2);
            for (int j = 0; j < mm; j++) {
                int64_t o = t->orig[c0 + j];
                if (d2[j] < best || (d2[j] == best && o < arg)) best = d2[j], arg = o;
            }
        }
    }
    return arg;
}

int tc_assign_noise(const float *x, size_t n, int d, int64_t *labels) {
    return tc_assign_noise_within(x, n, d, 0, labels);
}

int tc_assign_noise_within(const float *x, size_t n, int d, double max_distance, int64_t *labels) {
    if (!(max_distance >= 0) || isnan(max_distance))
        return tc_error(TC_EINVAL, "assign_noise: max_distance = %g must be >= 0 (0 = no limit)",
                        max_distance);
    const double max2 = max_distance > 0 ? max_distance * max_distance : INFINITY;
    if (d < 1) return tc_error(TC_EINVAL, "assign_noise: dimension d = %d must be >= 1", d);
    if (n == 0) return 0;
    if (!x || !labels) return tc_error(TC_EINVAL, "assign_noise: x or labels is NULL");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += labels[i] != -1;
    if (m == 0 || m == n) return 0;
    float *xs = malloc(m * d * sizeof *xs);     /* (m, d) clustered points */
    int64_t *id = malloc(m * sizeof *id);        /* (m) their input indices */
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
    tc_kdtree t;
    int rc = tc_kd_build(xs, m, d, &t);
    free(xs);
    if (rc) {
        free(id), free(qs);
        return rc;
    }
    const size_t nq = n - m;
    const int nt = tc_cluster_threads(n, 0);
#pragma omp parallel num_threads(nt)
    {
        int64_t stack[256]; /* 2 per level of a tree of depth < 64 */
#pragma omp for schedule(dynamic, 256)
        for (size_t k = 0; k < nq; k++) {
            int64_t j = nearest(&t, x + qs[k] * d, max2, stack);
            if (j != INT64_MAX) labels[qs[k]] = labels[id[j]];
        }
    }
    tc_kd_free(&t);
    free(id), free(qs);
    return 0;
}

int tc_assign_noise_naive(const float *x, size_t n, int d, double max_distance, int64_t *labels) {
    double max2 = max_distance > 0 ? max_distance * max_distance : INFINITY;
    int64_t *out = malloc((n ? n : 1) * sizeof *out);
    if (!out) return tc_error(TC_ENOMEM, "assign_noise: out of memory");
    for (size_t i = 0; i < n; i++) {
        out[i] = labels[i];
        if (labels[i] != -1) continue;
        double best = INFINITY;
        for (size_t j = 0; j < n; j++) {
            if (labels[j] == -1) continue;
            double d2 = tc_dist2_f32(x + i * d, x + j * d, d);
            if (d2 < best && d2 <= max2) best = d2, out[i] = labels[j];
        }
    }
    memcpy(labels, out, n * sizeof *out);
    free(out);
    return 0;
}
