/* condense.c - from the mutual-reachability spanning tree to HDBSCAN* labels
 * (Campello, Moulavi, Sander, PAKDD 2013), following the conventions of
 * scikit-learn's HDBSCAN and the hdbscan / fast_hdbscan packages:
 *
 *  1. single linkage: edges in increasing (weight, a, b) order merge
 *     components; merge k creates node n + k with distance sqrt(w);
 *  2. condensed tree: walking the merges from the last one down, a split
 *     where both sides have >= min_cluster_size points makes two new
 *     clusters; otherwise the small side's points fall out of the current
 *     cluster at lambda = 1 / distance (inf for distance 0). The root cluster
 *     has id n, new clusters n + 1, n + 2, ... (parents before children);
 *  3. stability(C) = sum over the points and clusters leaving C of
 *     (lambda_leave - lambda_birth(C)) * size;
 *  4. selection: excess of mass (a cluster is kept when its stability is at
 *     least the sum of its children's best, ties keep the parent) or leaves;
 *     the root is never selected (allow_single_cluster = false);
 *  5. cluster_selection_epsilon: a selected cluster born at a distance below
 *     epsilon is replaced by its nearest ancestor born above epsilon (never
 *     the root: then the child of the root), as scikit-learn does;
 *  6. a point takes the selected cluster it belongs to, else -1; clusters are
 *     numbered 0.. in order of their first point (scanning 0..n-1), the same
 *     numbering DBSCAN's labels have;
 *  7. (when asked) the hierarchy above the selected clusters: the condensed
 *     tree cut below them and above their lowest common ancestors, as merges
 *     in scipy's linkage layout, children first (see tc_cluster_merge). */
#include "cluster/cluster.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int edge_cmp(const void *pa, const void *pb) {
    const tc_mst_edge *a = pa, *b = pb;
    if (a->w != b->w) return a->w < b->w ? -1 : 1;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

static int64_t find_plain(int64_t *par, int64_t x) {
    while (par[x] != x) {
        par[x] = par[par[x]];
        x = par[x];
    }
    return x;
}

/* Appends every point below hierarchy node u to the condensed tree as
 * leaving cluster `parent` at lambda, and marks the internal nodes visited. */
static void fall_out(int64_t u, size_t n, const int64_t *left, const int64_t *right,
                     uint8_t *ignore, int64_t *stack, int64_t parent, double lambda,
                     int64_t *ct_parent, int64_t *ct_child, double *ct_lambda,
                     int64_t *ct_size, size_t *m) {
    size_t sp = 0;
    stack[sp++] = u;
    while (sp) {
        int64_t v = stack[--sp];
        if ((size_t)v < n) {
            ct_parent[*m] = parent, ct_child[*m] = v, ct_lambda[*m] = lambda, ct_size[*m] = 1;
            (*m)++;
            continue;
        }
        ignore[v - n] = 1;
        stack[sp++] = right[v - n];
        stack[sp++] = left[v - n];
    }
}

void tc_condensed_free(tc_condensed *ct) {
    if (!ct) return;
    free(ct->parent), free(ct->child), free(ct->lambda), free(ct->size);
    free(ct->cparent), free(ct->birth), free(ct->stability);
    memset(ct, 0, sizeof *ct);
}

int tc_hdbscan_condense(tc_mst_edge *edges, size_t n, int min_cluster_size, tc_condensed *ct) {
    memset(ct, 0, sizeof *ct);
    ct->n = n;
    if (n < 2) return 0;
    const size_t ne = n - 1;
    const int64_t mcs = min_cluster_size;
    qsort(edges, ne, sizeof *edges, edge_cmp);

    int rc = TC_ENOMEM;
    int64_t *left = malloc(ne * sizeof *left);    /* (n-1) hierarchy: larger child id */
    int64_t *right = malloc(ne * sizeof *right);  /* (n-1) smaller child id */
    int64_t *size = malloc(ne * sizeof *size);    /* (n-1) points below */
    int64_t *uf = malloc(n * sizeof *uf);         /* (n) union-find over points */
    int64_t *node_of = malloc(n * sizeof *node_of); /* (n) hierarchy node of a root */
    /* condensed tree: at most n point rows and 2 * (n / mcs) cluster rows */
    size_t cap = n + 2 * (n / (size_t)mcs) + 2;
    int64_t *ct_parent = ct->parent = malloc(cap * sizeof *ct_parent);
    int64_t *ct_child = ct->child = malloc(cap * sizeof *ct_child);
    double *ct_lambda = ct->lambda = malloc(cap * sizeof *ct_lambda);
    int64_t *ct_size = ct->size = malloc(cap * sizeof *ct_size);
    int64_t *relabel = malloc(ne * sizeof *relabel); /* (n-1) cluster of a hierarchy node */
    uint8_t *ignore = calloc(ne, 1);
    int64_t *stack = malloc((n + 1) * sizeof *stack);
    if (!left || !right || !size || !uf || !node_of || !ct_parent || !ct_child ||
        !ct_lambda || !ct_size || !relabel || !ignore || !stack)
        goto done;

    /* 1. single linkage */
    for (size_t i = 0; i < n; i++) uf[i] = (int64_t)i, node_of[i] = (int64_t)i;
    for (size_t k = 0; k < ne; k++) {
        int64_t ra = find_plain(uf, edges[k].a), rb = find_plain(uf, edges[k].b);
        int64_t na = node_of[ra], nb = node_of[rb];
        left[k] = na > nb ? na : nb;
        right[k] = na > nb ? nb : na;
        size[k] = (na < (int64_t)n ? 1 : size[na - n]) + (nb < (int64_t)n ? 1 : size[nb - n]);
        if (ra < rb) uf[rb] = ra, node_of[ra] = (int64_t)(n + k);
        else uf[ra] = rb, node_of[rb] = (int64_t)(n + k);
    }

    /* 2. condensed tree, parents before children */
    size_t m = 0;
    int64_t next = (int64_t)n + 1;
    relabel[ne - 1] = (int64_t)n;
    for (size_t kk = ne; kk-- > 0;) {
        if (ignore[kk]) continue;
        int64_t par = relabel[kk];
        double dist = sqrt(edges[kk].w);
        double lambda = dist > 0 ? 1.0 / dist : INFINITY;
        int64_t l = left[kk], r = right[kk];
        int64_t lc = l < (int64_t)n ? 1 : size[l - n], rcn = r < (int64_t)n ? 1 : size[r - n];
        if (lc >= mcs && rcn >= mcs) {
            int64_t side[2] = {l, r}, cnt[2] = {lc, rcn};
            for (int s = 0; s < 2; s++) {
                relabel[side[s] - n] = next;
                ct_parent[m] = par, ct_child[m] = next, ct_lambda[m] = lambda;
                ct_size[m++] = cnt[s];
                next++;
            }
        } else {
            int64_t side[2] = {l, r}, cnt[2] = {lc, rcn};
            for (int s = 0; s < 2; s++) {
                if (cnt[s] >= mcs) relabel[side[s] - n] = par;
                else fall_out(side[s], n, left, right, ignore, stack, par, lambda, ct_parent,
                              ct_child, ct_lambda, ct_size, &m);
            }
        }
    }
    ct->n_rows = m;
    const int64_t n_cl = ct->n_clusters = next - (int64_t)n; /* root included */

    /* 3. stability */
    double *stab = ct->stability = calloc(n_cl, sizeof *stab);
    double *birth = ct->birth = calloc(n_cl, sizeof *birth);
    int64_t *cpar = ct->cparent = malloc(n_cl * sizeof *cpar); /* -1 for the root */
    if (!stab || !birth || !cpar) goto done;
    cpar[0] = -1;
    for (size_t e = 0; e < m; e++)
        if (ct_child[e] >= (int64_t)n) {
            birth[ct_child[e] - n] = ct_lambda[e];
            cpar[ct_child[e] - n] = ct_parent[e] - n;
        }
    for (size_t e = 0; e < m; e++) {
        int64_t c = ct_parent[e] - n;
        double v = (ct_lambda[e] - birth[c]) * (double)ct_size[e];
        if (v == v) stab[c] += v; /* inf - inf: a cluster of equal points adds nothing */
    }
    rc = 0;
done:
    free(left), free(right), free(size), free(uf), free(node_of), free(relabel);
    free(ignore), free(stack);
    if (rc) {
        tc_condensed_free(ct);
        return tc_error(rc, "hdbscan: out of memory for %zu points", n);
    }
    return 0;
}

/* Step 7: node_of[c] is the hierarchy node of condensed cluster c (its
 * label when selected, K + i when merge i made it, -1 when no selected
 * cluster lies below it). Children have larger ids than their parents, so
 * one pass from the last cluster up sees every child first. A cluster with
 * one such child passes it through; more than two (never in a binary
 * condensed tree, kept for safety) are chained at the same height. */
static int hierarchy(int64_t n_cl, const int64_t *cpar, const uint8_t *sel, const int64_t *map,
                     const double *birth, int64_t n_labels, tc_cluster_merge **out, size_t *n_out) {
    *out = NULL, *n_out = 0;
    int64_t *node_of = malloc(n_cl * sizeof *node_of);
    int64_t *first = malloc(n_cl * sizeof *first), *next = malloc(n_cl * sizeof *next); /* child lists */
    tc_cluster_merge *m = malloc((size_t)(n_labels > 1 ? n_labels - 1 : 1) * sizeof *m);
    int rc = 0;
    if (!node_of || !first || !next || !m) { rc = TC_ENOMEM; goto done; }
    for (int64_t c = 0; c < n_cl; c++) first[c] = next[c] = -1;
    for (int64_t c = n_cl - 1; c >= 1; c--) next[c] = first[cpar[c]], first[cpar[c]] = c;
    size_t k = 0;
    for (int64_t c = n_cl - 1; c >= 0; c--) {
        node_of[c] = -1;
        if (c > 0 && sel[c]) { node_of[c] = map[c]; continue; }
        int64_t cur = -1;
        for (int64_t ch = first[c]; ch >= 0; ch = next[ch]) {
            if (node_of[ch] < 0) continue;
            if (cur < 0) { cur = node_of[ch]; continue; }
            if (k + 1 > (size_t)(n_labels > 1 ? n_labels - 1 : 1)) { rc = TC_EINVAL; goto done; }
            int64_t a = cur < node_of[ch] ? cur : node_of[ch], b = cur < node_of[ch] ? node_of[ch] : cur;
            double lam = birth[ch];
            m[k] = (tc_cluster_merge){a, b, lam > 0 && isfinite(lam) ? 1.0 / lam : 0.0};
            cur = n_labels + (int64_t)k++;
        }
        node_of[c] = cur;
    }
    *out = m, *n_out = k;
    m = NULL;
done:
    free(node_of), free(first), free(next), free(m);
    return rc ? tc_error(rc, "hdbscan: %s building the cluster hierarchy",
                         rc == TC_ENOMEM ? "out of memory" : "inconsistent condensed tree") : 0;
}

int tc_hdbscan_select(const tc_condensed *ct, const tc_hdbscan_params *p, int64_t *labels) {
    return tc_hdbscan_select_tree(ct, p, labels, NULL, NULL);
}

int tc_hdbscan_select_tree(const tc_condensed *ct, const tc_hdbscan_params *p, int64_t *labels,
                           tc_cluster_merge **merges, size_t *n_merges) {
    if (merges) *merges = NULL, *n_merges = 0;
    const size_t n = ct->n, m = ct->n_rows;
    for (size_t i = 0; i < n; i++) labels[i] = -1;
    if (n < 2) return 0;
    const int64_t n_cl = ct->n_clusters;
    const int64_t *cpar = ct->cparent, *ct_child = ct->child, *ct_parent = ct->parent;
    const double *birth = ct->birth;
    int rc = TC_ENOMEM, hrc = 0;
    double *stab = malloc(n_cl * sizeof *stab); /* (n_clusters) best total below, eom */
    uint8_t *sel = calloc(n_cl, 1);
    int64_t *sel_of = malloc(n_cl * sizeof *sel_of);
    int64_t *map = malloc(n_cl * sizeof *map);
    if (!stab || !sel || !sel_of || !map) goto done;
    memcpy(stab, ct->stability, n_cl * sizeof *stab);

    /* 4. selection; children have larger ids than their parents */
    if (p->selection_method == TC_HDBSCAN_LEAF) {
        uint8_t *has_child = calloc(n_cl, 1);
        if (!has_child) goto done;
        for (int64_t c = 1; c < n_cl; c++) has_child[cpar[c]] = 1;
        for (int64_t c = 1; c < n_cl; c++) sel[c] = !has_child[c];
        free(has_child);
    } else {
        double *sub = calloc(n_cl, sizeof *sub); /* best total of the children */
        if (!sub) goto done;
        for (int64_t c = n_cl - 1; c >= 1; c--) {
            if (sub[c] > stab[c]) {
                sel[c] = 0;
                stab[c] = sub[c];
            } else {
                sel[c] = 1;
            }
            sub[cpar[c]] += stab[c];
        }
        free(sub);
        /* a selected cluster unselects everything below it */
        for (int64_t c = 1; c < n_cl; c++) {
            int64_t a = cpar[c];
            while (a > 0 && !sel[a]) a = cpar[a];
            if (a > 0) sel[c] = 0;
        }
    }

    /* 5. merge clusters born closer than epsilon */
    if (p->cluster_selection_epsilon > 0) {
        const double eps = p->cluster_selection_epsilon;
        uint8_t *sel2 = calloc(n_cl, 1);
        if (!sel2) goto done;
        for (int64_t c = 1; c < n_cl; c++) {
            if (!sel[c]) continue;
            int64_t e = c;
            if (1.0 / birth[c] < eps) {
                for (;;) {
                    int64_t up = cpar[e];
                    if (up == 0) break; /* never the root: keep the child of the root */
                    e = up;
                    if (1.0 / birth[e] > eps) break;
                }
            }
            sel2[e] = 1;
        }
        memcpy(sel, sel2, n_cl);
        free(sel2);
        for (int64_t c = 1; c < n_cl; c++) { /* keep only the outermost */
            int64_t a = cpar[c];
            while (a > 0 && !sel[a]) a = cpar[a];
            if (a > 0) sel[c] = 0;
        }
    }

    /* 6. labels: the selected cluster containing the cluster a point left */
    sel_of[0] = -1;
    for (int64_t c = 1; c < n_cl; c++) sel_of[c] = sel[c] ? c : sel_of[cpar[c]];
    for (int64_t c = 0; c < n_cl; c++) map[c] = -1;
    int64_t n_labels = 0;
    for (size_t e = 0; e < m; e++)
        if (ct_child[e] < (int64_t)n) labels[ct_child[e]] = sel_of[ct_parent[e] - n];
    for (size_t i = 0; i < n; i++) {
        int64_t c = labels[i];
        if (c < 0) continue;
        if (map[c] < 0) map[c] = n_labels++;
        labels[i] = map[c];
    }
    rc = 0;
    if (merges) hrc = hierarchy(n_cl, cpar, sel, map, birth, n_labels, merges, n_merges);
done:
    if (rc) tc_error(rc, "hdbscan: out of memory for %zu points", n);
    free(stab), free(sel), free(sel_of), free(map);
    return rc ? rc : hrc;
}

int tc_hdbscan_labels_from_mst(tc_mst_edge *edges, size_t n, const tc_hdbscan_params *p,
                               int64_t *labels) {
    return tc_hdbscan_labels_tree(edges, n, p, labels, NULL, NULL);
}

int tc_hdbscan_labels_tree(tc_mst_edge *edges, size_t n, const tc_hdbscan_params *p,
                           int64_t *labels, tc_cluster_merge **merges, size_t *n_merges) {
    if (merges) *merges = NULL, *n_merges = 0;
    tc_condensed ct;
    int rc = tc_hdbscan_condense(edges, n, p->min_cluster_size, &ct);
    if (rc) return rc;
    rc = tc_hdbscan_select_tree(&ct, p, labels, merges, n_merges);
    tc_condensed_free(&ct);
    return rc;
}
