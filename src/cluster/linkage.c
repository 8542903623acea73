/* linkage.c - average-linkage (UPGMA, Sokal & Michener 1958) hierarchy over
 * flat clusters, for the topic tree of a DBSCAN clustering.
 *
 * The similarity of two groups is the mean dot product over all pairs of
 * their texts' vectors, which equals the dot product of the groups' mean
 * vectors; after a merge the new group's similarity to any other is the
 * size-weighted mean of its parts' (Lance and Williams 1967), so the K x K
 * matrix of mean dot products is computed once and updated in O(K) per
 * merge. Each row keeps its best partner, so a step scans K rows rather
 * than K^2 pairs; rows whose partner was merged are rescanned. Ties go to
 * the pair of lowest node ids, and everything is serial in double, so the
 * hierarchy does not depend on threads or timing. */
#include "cluster/cluster.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Clusters above this many would need a matrix of over 2 GB. */
#define MAX_CLUSTERS 16384

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* 1 when pair (a1, b1) of node ids sorts before (a2, b2) (each unordered) */
static int pair_before(int64_t a1, int64_t b1, int64_t a2, int64_t b2) {
    int64_t l1 = a1 < b1 ? a1 : b1, h1 = a1 < b1 ? b1 : a1;
    int64_t l2 = a2 < b2 ? a2 : b2, h2 = a2 < b2 ? b2 : a2;
    return l1 != l2 ? l1 < l2 : h1 < h2;
}

typedef struct {
    size_t k;
    double *s;        /* (k, k) mean dot products between the groups in the slots */
    double *w;        /* (k) texts per slot */
    int64_t *id;      /* (k) node id held by each slot */
    uint8_t *alive;   /* (k) */
    size_t *best;     /* (k) best partner slot of each live slot */
} linkage;

/* 1 when partner j is better than partner c for row r */
static int better(const linkage *L, size_t r, size_t j, size_t c) {
    double vj = L->s[r * L->k + j], vc = L->s[r * L->k + c];
    if (vj != vc) return vj > vc;
    return pair_before(L->id[r], L->id[j], L->id[r], L->id[c]);
}

static void rescan(linkage *L, size_t r) {
    size_t b = SIZE_MAX;
    for (size_t j = 0; j < L->k; j++)
        if (j != r && L->alive[j] && (b == SIZE_MAX || better(L, r, j, b))) b = j;
    L->best[r] = b;
}

int tc_cluster_average_linkage(const float *e, size_t n, int d, const int64_t *labels,
                               tc_cluster_merge **merges, size_t *n_merges) {
    if (!merges || !n_merges) return tc_error(TC_EINVAL, "linkage: merges and n_merges must not be NULL");
    *merges = NULL, *n_merges = 0;
    if (n && (!e || !labels || d < 1)) return tc_error(TC_EINVAL, "linkage: no vectors or labels");
    int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids) return tc_error(TC_ENOMEM, "linkage: out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (labels[i] != -1) ids[k++] = labels[i];
    qsort(ids, k, sizeof *ids, cmp_i64);
    size_t K = 0;
    for (size_t i = 0; i < k; i++)
        if (i == 0 || ids[i] != ids[K - 1]) ids[K++] = ids[i];
    if (K > MAX_CLUSTERS) {
        free(ids);
        return tc_error(TC_EINVAL, "linkage: %zu clusters; the topic tree handles at most %d", K, MAX_CLUSTERS);
    }
    if (K < 2) { free(ids); return 0; }

    linkage L = {K, NULL, NULL, NULL, NULL, NULL};
    double *mean = calloc(K * (size_t)d, sizeof *mean);   /* (K, d) */
    L.s = malloc(K * K * sizeof *L.s);
    L.w = calloc(K, sizeof *L.w);
    L.id = malloc(K * sizeof *L.id);
    L.alive = malloc(K);
    L.best = malloc(K * sizeof *L.best);
    tc_cluster_merge *m = malloc((K - 1) * sizeof *m);
    int rc = 0;
    if (!mean || !L.s || !L.w || !L.id || !L.alive || !L.best || !m) {
        rc = tc_error(TC_ENOMEM, "linkage: out of memory for %zu clusters", K);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (labels[i] == -1) continue;
        int64_t *hit = bsearch(&labels[i], ids, K, sizeof *ids, cmp_i64);
        size_t c = (size_t)(hit - ids);
        double *mu = mean + c * (size_t)d;
        for (int t = 0; t < d; t++) mu[t] += e[i * (size_t)d + t];
        L.w[c] += 1;
    }
    for (size_t c = 0; c < K; c++) {
        for (int t = 0; t < d; t++) mean[c * (size_t)d + t] /= L.w[c];
        L.id[c] = (int64_t)c, L.alive[c] = 1;
    }
    for (size_t a = 0; a < K; a++)
        for (size_t b = a; b < K; b++) {
            const double *x = mean + a * (size_t)d, *y = mean + b * (size_t)d;
            double s = 0;
            for (int t = 0; t < d; t++) s += x[t] * y[t];
            L.s[a * K + b] = L.s[b * K + a] = s;
        }
    for (size_t r = 0; r < K; r++) rescan(&L, r);

    for (size_t step = 0; step + 1 < K; step++) {
        size_t i = SIZE_MAX;
        for (size_t r = 0; r < K; r++) {
            if (!L.alive[r]) continue;
            if (i == SIZE_MAX) { i = r; continue; }
            double vr = L.s[r * K + L.best[r]], vi = L.s[i * K + L.best[i]];
            if (vr > vi || (vr == vi && pair_before(L.id[r], L.id[L.best[r]], L.id[i], L.id[L.best[i]])))
                i = r;
        }
        size_t j = L.best[i];
        int64_t a = L.id[i] < L.id[j] ? L.id[i] : L.id[j], b = L.id[i] < L.id[j] ? L.id[j] : L.id[i];
        m[step] = (tc_cluster_merge){a, b, 1.0 - L.s[i * K + j]};
        /* the merged group lives in slot i */
        double wi = L.w[i], wj = L.w[j];
        for (size_t r = 0; r < K; r++) {
            if (!L.alive[r] || r == i || r == j) continue;
            double v = (wi * L.s[i * K + r] + wj * L.s[j * K + r]) / (wi + wj);
            L.s[i * K + r] = L.s[r * K + i] = v;
        }
        L.w[i] = wi + wj;
        L.alive[j] = 0;
        L.id[i] = (int64_t)(K + step);
        for (size_t r = 0; r < K; r++) {
            if (!L.alive[r] || r == i) continue;
            if (L.best[r] == i || L.best[r] == j) rescan(&L, r);
            else if (better(&L, r, i, L.best[r])) L.best[r] = i;
        }
        rescan(&L, i);
    }
    *merges = m, *n_merges = K - 1;
    m = NULL;
done:
    free(ids), free(mean), free(L.s), free(L.w), free(L.id), free(L.alive), free(L.best), free(m);
    return rc;
}
