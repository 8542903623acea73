/* map_names.c - which names map.png shows and where. Without a topic tree
 * every named cluster's summary goes at its centre. With one, at most
 * max_names nodes of it: starting from the root, the shown node of the
 * largest size x spread (root-mean-square distance of its points from
 * their mean on the map) is replaced by its children while the count stays
 * within max_names, so big, spread-out topics are split into their
 * sub-topics first and compact ones keep one name. Each name goes at its
 * node's mean position; tc_viz_place_labels keeps the boxes apart.
 * The pages (map.html, map/) get the whole tree instead and choose the
 * names as the view zooms (map_shared.js). */
#include "viz/viz.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_NAMES 12
#define NAME_CHARS 300

/* A number JSON can hold (a cluster with a non-finite point has a NaN centre). */
static double fin(double v) { return isfinite(v) ? v : 0; }

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

/* ---------------------------------------------------------------- pages */

/* The names the page places: the topic tree's nodes, or without one the
 * clusters as roots. Each at the mean position of its texts, with the RMS
 * distance of those from it as its radius. */
void tc_viz_name_nodes_json(tc_sb *b, const tc_viz_clusters *cl, const float *xy, const tc_topic_node *tree,
                            size_t n_tree, const tc_cluster_label *names, size_t n_names) {
    double *s = calloc((cl->k ? cl->k : 1) * 4, sizeof *s); /* (k, 4) count, sum x, sum y, sum x2+y2 */
    if (!s) { b->oom = 1; return; }
    for (size_t i = 0; i < cl->n; i++) {
        int32_t c = cl->index[i];
        if (c < 0 || !isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1])) continue;
        double x = xy[2 * i], y = xy[2 * i + 1];
        s[4 * c] += 1, s[4 * c + 1] += x, s[4 * c + 2] += y, s[4 * c + 3] += x * x + y * y;
    }
    size_t m = tree && n_tree ? n_tree : cl->k;
    double *a = calloc((m ? m : 1) * 4, sizeof *a); /* (m, 4) the same per site */
    if (!a) { free(s); b->oom = 1; return; }
    if (tree && n_tree) {
        for (size_t v = 0; v < n_tree; v++) {
            if (tree[v].cluster < 0) continue;
            int32_t c = tc_viz_cluster_slot(cl, tree[v].cluster);
            if (c < 0) continue;
            /* add the leaf's sums to it and every ancestor (bounded: a tree has no cycle, but a damaged one might) */
            int64_t u = (int64_t)v;
            for (size_t hops = 0; u >= 0 && (size_t)u < n_tree && hops <= n_tree; hops++, u = tree[u].parent)
                for (int q = 0; q < 4; q++) a[4 * u + q] += s[4 * c + q];
        }
    } else {
        memcpy(a, s, cl->k * 4 * sizeof *a);
    }
    tc_sb_puts(b, ",\"nodes\":[");
    for (size_t v = 0; v < m; v++) {
        double k = a[4 * v], x = k ? a[4 * v + 1] / k : 0, y = k ? a[4 * v + 2] / k : 0;
        double r2 = k ? a[4 * v + 3] / k - x * x - y * y : 0;
        const char *nm;
        int64_t parent = -1, cluster;
        size_t size;
        if (tree && n_tree) {
            nm = tree[v].name, parent = tree[v].parent, cluster = tree[v].cluster, size = tree[v].size;
            if (parent >= (int64_t)n_tree) parent = -1;
        } else {
            const tc_cluster_label *l = tc_viz_find_name(names, n_names, cl->ids[v]);
            nm = l ? l->summary : NULL, cluster = cl->ids[v], size = cl->sizes[v];
        }
        char *name = tc_viz_utf8_clean(nm ? nm : "", NAME_CHARS);
        if (!name) { b->oom = 1; break; }
        tc_sb_printf(b, "%s{\"parent\":%lld,\"cluster\":%lld,\"size\":%zu,\"x\":%.7g,\"y\":%.7g,\"r\":%.5g,\"name\":",
                     v ? "," : "", (long long)parent, (long long)cluster, size, fin(x), fin(y), fin(sqrt(r2 > 0 ? r2 : 0)));
        tc_viz_json_string(b, name);
        tc_sb_puts(b, "}");
        free(name);
    }
    tc_sb_puts(b, "]");
    free(a);
    free(s);
}
