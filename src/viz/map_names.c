/* map_names.c - which names map.png shows and where. Without a topic tree
 * every named cluster's summary goes at its centre. With one, at most
 * max_names nodes of it: starting from the root, the shown node of the
 * largest size x spread (root-mean-square distance of its points from
 * their mean on the map) is replaced by its children while the count stays
 * within max_names, so big, spread-out topics are split into their
 * sub-topics first and compact ones keep one name. Each name goes at its
 * node's mean position; tc_viz_place_labels keeps the boxes apart. */
#include "viz/viz.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_NAMES 12

int tc_viz_tree_sites(const tc_topic_node *tree, size_t n_tree, const tc_viz_clusters *cl,
                      const float *xy, int max_names, tc_viz_site **out, size_t *n_out) {
    *out = NULL, *n_out = 0;
    if (!tree || !n_tree) return 0;
    if (max_names <= 0) max_names = DEFAULT_MAX_NAMES;
    double *st = calloc(n_tree * 4, sizeof *st);   /* (n_tree, [n, sx, sy, sxx+syy]) */
    double *leaf = calloc((cl->k ? cl->k : 1) * 4, sizeof *leaf);
    uint8_t *shown = calloc(n_tree, 1);
    tc_viz_site *s = NULL;
    int rc = 0;
    if (!st || !leaf || !shown) goto oom;
    for (size_t i = 0; i < cl->n; i++) {
        int32_t j = cl->index[i];
        if (j < 0) continue;
        double x = xy[2 * i], y = xy[2 * i + 1];
        leaf[4 * j] += 1, leaf[4 * j + 1] += x, leaf[4 * j + 2] += y, leaf[4 * j + 3] += x * x + y * y;
    }
    /* children come after their parents: sum bottom up */
    for (size_t u = n_tree; u-- > 0;) {
        const tc_topic_node *nd = &tree[u];
        if (nd->cluster >= 0) {
            int32_t j = tc_viz_cluster_slot(cl, nd->cluster);
            if (j >= 0) memcpy(st + 4 * u, leaf + 4 * j, 4 * sizeof *st);
        }
        for (size_t c = 0; c < nd->n_children; c++)
            for (int t = 0; t < 4; t++) st[4 * u + t] += st[4 * (size_t)nd->children[c] + t];
    }
    size_t n_shown = 1;
    shown[0] = 1;
    for (;;) {
        size_t best = SIZE_MAX;
        double bs = -1;
        for (size_t u = 0; u < n_tree; u++) {
            if (!shown[u] || !tree[u].n_children || n_shown - 1 + tree[u].n_children > (size_t)max_names) continue;
            double m = st[4 * u];
            if (m <= 0) continue;
            double cx = st[4 * u + 1] / m, cy = st[4 * u + 2] / m;
            double spread = sqrt(fmax(0, st[4 * u + 3] / m - cx * cx - cy * cy));
            double score = m * spread;
            if (score > bs) bs = score, best = u;
        }
        if (best == SIZE_MAX) break;
        shown[best] = 0;
        for (size_t c = 0; c < tree[best].n_children; c++) shown[tree[best].children[c]] = 1;
        n_shown += tree[best].n_children - 1;
    }
    if (!(s = calloc(n_shown, sizeof *s))) goto oom;
    size_t k = 0;
    for (size_t u = 0; u < n_tree; u++) {
        if (!shown[u] || st[4 * u] <= 0) continue;
        double m = st[4 * u];
        s[k++] = (tc_viz_site){(int64_t)u, st[4 * u + 1] / m, st[4 * u + 2] / m, (size_t)m,
                               tree[u].name ? tree[u].name : ""};
    }
    *out = s, *n_out = k;
    s = NULL;
    goto done;
oom:
    rc = tc_error(TC_ENOMEM, "map.png: out of memory choosing names");
done:
    free(st), free(leaf), free(shown), free(s);
    return rc;
}
