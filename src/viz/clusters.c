/* clusters.c - the clusters of a labelling as every map draws them: their
 * labels, sizes and centres (mean of the members' xy), and each cluster's
 * name. */
#include "viz/viz.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- clusters */

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void tc_viz_clusters_free(tc_viz_clusters *c) {
    if (!c) return;
    free(c->ids);
    free(c->sizes);
    free(c->centres);
    free(c->index);
    memset(c, 0, sizeof *c);
}

int tc_viz_clusters_build(const float *xy, size_t n, const int64_t *labels,
                          tc_viz_clusters *c) {
    memset(c, 0, sizeof *c);
    c->n = n;
    if (n && (!xy || !labels)) return tc_error(TC_EINVAL, "viz: xy and labels are required");
    int64_t *sorted = malloc((n ? n : 1) * sizeof *sorted); /* (n) */
    c->index = malloc((n ? n : 1) * sizeof *c->index);
    if (!sorted || !c->index) goto oom;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= 0) sorted[m++] = labels[i];
    c->n_noise = n - m;
    qsort(sorted, m, sizeof *sorted, cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (i == 0 || sorted[i] != sorted[i - 1]) sorted[k++] = sorted[i];
    c->k = k;
    c->ids = malloc((k ? k : 1) * sizeof *c->ids);
    c->sizes = calloc(k ? k : 1, sizeof *c->sizes);
    c->centres = malloc((k ? k : 1) * 2 * sizeof *c->centres);
    double *sum = calloc((k ? k : 1) * 2, sizeof *sum); /* (k, 2) */
    if (!c->ids || !c->sizes || !c->centres || !sum) { free(sum); goto oom; }
    memcpy(c->ids, sorted, k * sizeof *sorted);
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0) { c->index[i] = -1; continue; }
        size_t lo = 0, hi = k; /* binary search: ids[lo] == labels[i] */
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (c->ids[mid] <= labels[i]) lo = mid; else hi = mid;
        }
        c->index[i] = (int32_t)lo;
        c->sizes[lo]++;
        sum[2 * lo] += xy[2 * i];
        sum[2 * lo + 1] += xy[2 * i + 1];
    }
    for (size_t j = 0; j < k; j++) {
        c->centres[2 * j] = (float)(sum[2 * j] / (double)c->sizes[j]);
        c->centres[2 * j + 1] = (float)(sum[2 * j + 1] / (double)c->sizes[j]);
    }
    free(sum);
    free(sorted);
    return 0;
oom:
    free(sorted);
    tc_viz_clusters_free(c);
    return tc_error(TC_ENOMEM, "viz: out of memory grouping %zu points", n);
}

const tc_cluster_label *tc_viz_find_name(const tc_cluster_label *names, size_t n_names,
                                         int64_t label) {
    if (!names) return NULL;
    /* names normally come in ascending label order: try a binary search, then a scan */
    size_t lo = 0, hi = n_names;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (names[mid].label == label) return &names[mid];
        if (names[mid].label < label) lo = mid + 1; else hi = mid;
    }
    for (size_t i = 0; i < n_names; i++)
        if (names[i].label == label) return &names[i];
    return NULL;
}

