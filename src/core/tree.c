/* tree.c - the topic tree of a fit: nodes from a hierarchy of merges over
 * the clusters (HDBSCAN's condensed tree, or average linkage for DBSCAN),
 * each node's representative texts, the clusters' and nodes' names, and
 * the tree's place in textclust.json ("tree": {"nodes": [...]}), read back
 * with every field checked, since a save folder may come from anyone. */
#include "core/core.h"
#include "label/label.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Most representative texts kept per node in a file read back. */
#define MAX_REPR 1000

void tc_topic_nodes_free(tc_topic_node *nodes, size_t n) {
    if (!nodes) return;
    for (size_t u = 0; u < n; u++) {
        free(nodes[u].children);
        free(nodes[u].name);
        free(nodes[u].keywords);
        free(nodes[u].repr);
    }
    free(nodes);
}

/* ---------------------------------------------------------------- build */

typedef struct { const size_t *size; } order_ctx;

/* children order: the larger subtree first, then the lower merge-space id */
static int child_cmp(const void *a, const void *b, void *ctx) {
    const size_t *size = ((const order_ctx *)ctx)->size;
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    if (size[x] != size[y]) return size[x] > size[y] ? -1 : 1;
    return (x > y) - (x < y);
}

int tc_topic_tree_build(const tc_cluster_merge *m, size_t n_merges, const int64_t *cluster_ids,
                        const size_t *sizes, size_t K, tc_topic_node **out, size_t *n_out) {
    *out = NULL, *n_out = 0;
    if (K == 0) return 0;
    size_t T = K + n_merges + 1;                 /* leaves, merges, a root when needed */
    int64_t *par = malloc(T * sizeof *par);      /* (T) merge-space parent */
    int64_t *kids = malloc(2 * T * sizeof *kids); /* (T, 2) a merge's two nodes; the root: below */
    size_t *size = calloc(T, sizeof *size);
    double *height = calloc(T, sizeof *height);
    int64_t *roots = malloc(T * sizeof *roots), *queue = malloc(T * sizeof *queue);
    int64_t *index = malloc(T * sizeof *index);  /* merge space -> node index */
    tc_topic_node *nodes = NULL;
    int rc = 0;
    if (!par || !kids || !size || !height || !roots || !queue || !index) goto oom;
    for (size_t u = 0; u < T; u++) par[u] = -1, index[u] = -1;
    for (size_t j = 0; j < K; j++) size[j] = sizes[j];
    for (size_t i = 0; i < n_merges; i++) {
        int64_t a = m[i].a, b = m[i].b, id = (int64_t)(K + i);
        if (a < 0 || b < 0 || a >= id || b >= id || a == b || par[a] >= 0 || par[b] >= 0) {
            rc = tc_error(TC_EINVAL, "topic tree: merge %zu (%lld, %lld) is not a merge of two "
                          "free nodes", i, (long long)a, (long long)b);
            goto done;
        }
        par[a] = par[b] = id;
        kids[2 * id] = a, kids[2 * id + 1] = b;
        size[id] = size[a] + size[b];
        height[id] = m[i].height;
    }
    size_t n_roots = 0;
    for (size_t u = 0; u < K + n_merges; u++)
        if (par[u] < 0) roots[n_roots++] = (int64_t)u;
    int64_t root = n_roots ? roots[0] : 0;
    size_t n_nodes = K + n_merges;
    if (n_roots > 1) {  /* a forest: one root above its trees */
        root = (int64_t)(K + n_merges);
        n_nodes++;
        double h = 0;
        for (size_t r = 0; r < n_roots; r++) {
            par[roots[r]] = root;
            size[root] += size[roots[r]];
            h = fmax(h, height[roots[r]]);
        }
        height[root] = h;
    }
    if (!(nodes = calloc(n_nodes, sizeof *nodes))) goto oom;
    /* breadth first from the root: node index = position in the queue */
    size_t qh = 0, qt = 0;
    queue[qt++] = root;
    order_ctx oc = {size};
    while (qh < qt) {
        int64_t u = queue[qh];
        tc_topic_node *nd = &nodes[qh];
        index[u] = (int64_t)qh++;
        nd->parent = par[u] >= 0 ? index[par[u]] : -1;
        nd->depth = nd->parent >= 0 ? nodes[nd->parent].depth + 1 : 0;
        nd->size = size[u];
        nd->height = height[u];
        nd->cluster = (size_t)u < K ? cluster_ids[u] : -1;
        if ((size_t)u < K) continue;
        size_t nc = u == root && n_roots > 1 ? n_roots : 2;
        if (!(nd->children = malloc(nc * sizeof *nd->children))) goto oom;
        memcpy(nd->children, u == root && n_roots > 1 ? roots : kids + 2 * u, nc * sizeof *nd->children);
        qsort_r(nd->children, nc, sizeof *nd->children, child_cmp, &oc);
        nd->n_children = nc;
        for (size_t c = 0; c < nc; c++) {
            int64_t v = nd->children[c];
            nd->children[c] = (int64_t)qt;  /* its index once dequeued */
            queue[qt++] = v;
        }
    }
    *out = nodes, *n_out = n_nodes;
    nodes = NULL;
    goto done;
oom:
    rc = tc_error(TC_ENOMEM, "topic tree: out of memory for %zu clusters", K);
done:
    tc_topic_nodes_free(nodes, nodes ? n_nodes : 0);
    free(par), free(kids), free(size), free(height), free(roots), free(queue), free(index);
    return rc;
}

/* ---------------------------------------------------------------- fit */

int tc_classifier_topics(tc_classifier *c, tc_cluster_merge *merges, size_t n_merges) {
    int rc = 0;
    tc_cluster_merge *own = NULL;
    tc_label_groups g = {0};
    int64_t **ex = NULL;
    size_t *n_ex = NULL, *buf = NULL;
    if (c->p.cluster_method != TC_CLUSTER_HDBSCAN) {
        rc = tc_cluster_average_linkage(c->emb, c->n, c->dim, c->labels, &own, &n_merges);
        if (rc == TC_EINVAL) {  /* too many clusters for a tree: the flat clusters stay */
            tc_warn("%s; no topic tree", tc_last_error());
            rc = 0, n_merges = 0;
        }
        if (rc) return rc;
        merges = own;
    }
    if ((rc = tc_label_groups_build(c->labels, c->n, &g))) goto done;
    size_t K = g.n_clusters;
    size_t *sizes = malloc((K ? K : 1) * sizeof *sizes);
    if (!sizes) { rc = tc_error(TC_ENOMEM, "out of memory"); goto done; }
    for (size_t j = 0; j < K; j++) sizes[j] = g.start[j + 1] - g.start[j];
    rc = tc_topic_tree_build(merges, n_merges, g.label, sizes, K, &c->tree, &c->n_tree);
    free(sizes);
    if (rc) goto done;

    /* representatives of every node */
    int k = c->p.label.n_examples > 0 ? c->p.label.n_examples : 10;
    buf = malloc((c->n ? c->n : 1) * sizeof *buf);
    ex = calloc(K ? K : 1, sizeof *ex);
    n_ex = calloc(K ? K : 1, sizeof *n_ex);
    if (!buf || !ex || !n_ex) { rc = tc_error(TC_ENOMEM, "out of memory"); goto done; }
    for (size_t u = 0; u < c->n_tree; u++) {
        tc_topic_node *nd = &c->tree[u];
        size_t m = tc_label_node_members(c->tree, c->n_tree, u, &g, buf);
        if (m == SIZE_MAX || !(nd->repr = malloc((size_t)k * sizeof *nd->repr))) {
            rc = tc_error(TC_ENOMEM, "out of memory");
            goto done;
        }
        nd->n_repr = tc_label_representatives(c->emb, c->dim, (const char *const *)c->texts, buf, m, k,
                                              c->p.label.mmr_lambda, nd->repr);
        for (size_t j = 0; nd->cluster >= 0 && j < K; j++)
            if (g.label[j] == nd->cluster) ex[j] = nd->repr, n_ex[j] = nd->n_repr;
    }

    /* names: the clusters (as before the tree), then the nodes */
    if (c->p.summary_create) {
        int repr = c->p.label.examples == TC_EXAMPLES_REPRESENTATIVE;
        rc = tc_label_clusters_ex((const char *const *)c->texts, c->n, c->labels, &c->p.label,
                                  repr ? (const int64_t *const *)ex : NULL, repr ? n_ex : NULL,
                                  &c->names, &c->n_names);
        if (!rc)
            rc = tc_label_tree((const char *const *)c->texts, c->n, c->labels, c->names, c->n_names,
                               &c->p.label, c->tree, c->n_tree);
    }
done:
    tc_label_groups_free(&g);
    free(own), free(ex), free(n_ex), free(buf);
    return rc;
}

/* ---------------------------------------------------------------- access */

const tc_topic_node *tc_classifier_tree(const tc_classifier *c, size_t *n) {
    if (n) *n = c->n_tree;
    return c->n_tree ? c->tree : NULL;
}

const int64_t *tc_classifier_representatives(const tc_classifier *c, int64_t label, size_t *n) {
    for (size_t u = 0; u < c->n_tree; u++)
        if (c->tree[u].cluster == label && label >= 0) {
            if (n) *n = c->tree[u].n_repr;
            return c->tree[u].repr;
        }
    if (n) *n = 0;
    return NULL;
}

/* ---------------------------------------------------------------- JSON */

cJSON *tc_topic_tree_json(const tc_topic_node *nodes, size_t n) {
    cJSON *arr = cJSON_CreateArray();
    for (size_t u = 0; arr && u < n; u++) {
        const tc_topic_node *nd = &nodes[u];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "id", (double)u);
        cJSON_AddNumberToObject(e, "parent", (double)nd->parent);
        cJSON *ch = cJSON_AddArrayToObject(e, "children");
        for (size_t t = 0; t < nd->n_children; t++) cJSON_AddItemToArray(ch, cJSON_CreateNumber((double)nd->children[t]));
        cJSON_AddNumberToObject(e, "size", (double)nd->size);
        cJSON_AddNumberToObject(e, "depth", nd->depth);
        char h[32];
        snprintf(h, sizeof h, "%.6g", nd->height);
        cJSON_AddItemToObject(e, "height", cJSON_CreateNumber(strtod(h, NULL)));
        if (nd->cluster >= 0) cJSON_AddNumberToObject(e, "cluster", (double)nd->cluster);
        if (nd->name) cJSON_AddStringToObject(e, "name", nd->name);
        if (nd->keywords) cJSON_AddStringToObject(e, "keywords", nd->keywords);
        cJSON *r = cJSON_AddArrayToObject(e, "representatives");
        for (size_t t = 0; t < nd->n_repr; t++) cJSON_AddItemToArray(r, cJSON_CreateNumber((double)nd->repr[t]));
        cJSON_AddItemToArray(arr, e);
    }
    return arr;
}

/* an integer field in [lo, hi], else *ok = 0 */
static int64_t int_field(const cJSON *o, const char *name, int64_t lo, int64_t hi, int64_t dflt, int *ok) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v) return dflt;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)lo && v->valuedouble <= (double)hi) ||
        v->valuedouble != floor(v->valuedouble)) {
        *ok = 0;
        return dflt;
    }
    return (int64_t)v->valuedouble;
}

int tc_topic_tree_parse(const cJSON *arr, const char *file, size_t n_texts, tc_topic_node **out,
                        size_t *n_out) {
    *out = NULL, *n_out = 0;
    if (!cJSON_IsArray(arr)) return tc_error(TC_EFORMAT, "%s: tree.nodes: expected an array", file);
    size_t n = (size_t)cJSON_GetArraySize(arr);
    if (n == 0) return 0;
    if (n > 2 * n_texts + 1)
        return tc_error(TC_EFORMAT, "%s: tree.nodes: %zu nodes for %zu texts", file, n, n_texts);
    tc_topic_node *nodes = calloc(n, sizeof *nodes);
    size_t *seen = calloc(n, sizeof *seen);  /* times each node is listed as a child */
    if (!nodes || !seen) { free(nodes), free(seen); return tc_error(TC_ENOMEM, "%s: out of memory", file); }
    int rc = 0;
    size_t u = 0, n_listed = 0;
    const cJSON *e;
    const char *what = "";
    cJSON_ArrayForEach(e, arr) {
        tc_topic_node *nd = &nodes[u];
        int ok = cJSON_IsObject(e);
        what = "an object";
        if (ok && (what = "id", int_field(e, "id", 0, (int64_t)n, -1, &ok) != (int64_t)u)) ok = 0;
        if (ok) what = "parent", nd->parent = int_field(e, "parent", -1, (int64_t)u - 1, -2, &ok);
        if (ok && (nd->parent < -1 || (u == 0) != (nd->parent == -1))) ok = 0; /* -2: missing */
        if (ok) what = "size", nd->size = (size_t)int_field(e, "size", 0, (int64_t)n_texts, 0, &ok);
        if (ok) what = "cluster", nd->cluster = int_field(e, "cluster", 0, INT64_MAX / 2, -1, &ok);
        if (ok) {
            what = "height";
            const cJSON *h = cJSON_GetObjectItemCaseSensitive(e, "height");
            if (h && !(cJSON_IsNumber(h) && isfinite(h->valuedouble))) ok = 0;
            nd->height = h && ok ? h->valuedouble : 0;
        }
        const cJSON *ch = ok ? cJSON_GetObjectItemCaseSensitive(e, "children") : NULL;
        if (ok && ch) {
            what = "children";
            size_t nc = cJSON_IsArray(ch) ? (size_t)cJSON_GetArraySize(ch) : 0;
            if (!cJSON_IsArray(ch) || nc > n) ok = 0;
            if (ok && nc && !(nd->children = malloc(nc * sizeof *nd->children))) { rc = TC_ENOMEM; break; }
            const cJSON *x;
            cJSON_ArrayForEach(x, ch) {
                if (!ok) break;
                if (!cJSON_IsNumber(x) || !(x->valuedouble > (double)u && x->valuedouble < (double)n) ||
                    x->valuedouble != floor(x->valuedouble)) { ok = 0; break; }
                size_t v = (size_t)x->valuedouble;
                if (seen[v]++) { ok = 0; break; }
                nd->children[nd->n_children++] = (int64_t)v;
                n_listed++;
            }
            if (ok && nd->n_children && nd->cluster >= 0) what = "cluster (a node with children)", ok = 0;
        }
        const cJSON *r = ok ? cJSON_GetObjectItemCaseSensitive(e, "representatives") : NULL;
        if (ok && r) {
            what = "representatives";
            size_t nr = cJSON_IsArray(r) ? (size_t)cJSON_GetArraySize(r) : 0;
            if (!cJSON_IsArray(r) || nr > MAX_REPR) ok = 0;
            if (ok && nr && !(nd->repr = malloc(nr * sizeof *nd->repr))) { rc = TC_ENOMEM; break; }
            const cJSON *x;
            cJSON_ArrayForEach(x, r) {
                if (!cJSON_IsNumber(x) || !(x->valuedouble >= 0 && x->valuedouble < (double)n_texts) ||
                    x->valuedouble != floor(x->valuedouble)) { ok = 0; break; }
                nd->repr[nd->n_repr++] = (int64_t)x->valuedouble;
            }
        }
        const cJSON *name = ok ? cJSON_GetObjectItemCaseSensitive(e, "name") : NULL;
        const cJSON *kw = ok ? cJSON_GetObjectItemCaseSensitive(e, "keywords") : NULL;
        if (ok && ((name && !cJSON_IsString(name)) || (kw && !cJSON_IsString(kw)))) what = "name or keywords", ok = 0;
        if (ok && name && !(nd->name = tc_strdup(name->valuestring))) { rc = TC_ENOMEM; break; }
        if (ok && kw && !(nd->keywords = tc_strdup(kw->valuestring))) { rc = TC_ENOMEM; break; }
        if (!ok) { rc = TC_EFORMAT; break; }
        nd->depth = nd->parent >= 0 ? nodes[nd->parent].depth + 1 : 0;
        u++;
    }
    if (!rc) {  /* every node but the root is its parent's child, exactly once */
        for (size_t v = 1; v < n && !rc; v++) {
            int found = 0;
            const tc_topic_node *p = &nodes[nodes[v].parent];
            for (size_t t = 0; t < p->n_children; t++) found |= p->children[t] == (int64_t)v;
            if (!found) { rc = TC_EFORMAT, u = v, what = "parent (not among its parent's children)"; }
        }
        if (!rc && n_listed != n - 1) rc = TC_EFORMAT, u = 0, what = "children";
    }
    free(seen);
    if (rc) {
        tc_topic_nodes_free(nodes, n);
        return rc == TC_ENOMEM ? tc_error(TC_ENOMEM, "%s: out of memory", file)
                               : tc_error(TC_EFORMAT, "%s: tree.nodes[%zu]: bad %s", file, u, what);
    }
    *out = nodes, *n_out = n;
    return 0;
}

int tc_topic_tree_parse_text(const char *text, size_t len, size_t n_texts, tc_topic_node **out,
                             size_t *n_out) {
    *out = NULL, *n_out = 0;
    cJSON *j = cJSON_ParseWithLength(text, len);
    if (!j) return tc_error(TC_EFORMAT, "tree: not valid JSON");
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "tree"), "nodes");
    int rc = nodes ? tc_topic_tree_parse(nodes, "textclust.json", n_texts, out, n_out) : 0;
    cJSON_Delete(j);
    return rc;
}
