/* hdbscan_naive.c - HDBSCAN* labels from a spanning tree, written the slow,
 * direct way so that the tests can hold condense.c to it (Campello,
 * Moulavi, Sander, PAKDD 2013, with the conventions of scikit-learn's
 * HDBSCAN that condense.c follows). It shares no code with condense.c:
 * no single-linkage dendrogram, no union-find. The tree's edges are cut one
 * at a time, heaviest first (ties: the larger (a, b) first, the reverse of
 * the order the merges are made in), and a breadth-first search over the
 * edges not yet cut finds the two sides of each cut. A side of at least
 * min_cluster_size points is a cluster: when both sides are, each becomes a
 * new cluster; a smaller side leaves the current cluster at lambda =
 * 1 / distance. Stability, selection (recursive excess of mass, or leaves),
 * epsilon and the numbering are written out from their definitions.
 * O(n^2) time; for tests only. */
#include "cluster/cluster.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct naive {
    size_t n;
    int64_t n_cl;       /* clusters so far, the root (0) included */
    int64_t *cl_parent; /* (n) parent cluster, -1 for the root */
    double *cl_birth;   /* (n) lambda of birth */
    double *cl_stab;    /* (n) stability */
    int64_t *n_child;   /* (n) number of child clusters */
    int64_t **child;    /* (n) the two children of a cluster that split (at most 2) */
} naive;

static int naive_order(const void *pa, const void *pb) {
    const tc_mst_edge *x = pa, *y = pb;
    if (x->w < y->w) return -1;
    if (x->w > y->w) return 1;
    if (x->a != y->a) return x->a < y->a ? -1 : 1;
    if (x->b != y->b) return x->b < y->b ? -1 : 1;
    return 0;
}

/* (lambda - birth) * count, where a point or cluster leaving at the lambda
 * its cluster was born at (also both infinite) adds nothing. */
static double mass(double lambda, double birth, int64_t count) {
    if (lambda == birth) return 0;
    return (lambda - birth) * (double)count;
}

/* Points reachable from s over uncut edges into out; returns their count. */
static size_t side_of(int64_t s, const int64_t *adj_start, const int64_t *adj_edge,
                      const tc_mst_edge *e, const uint8_t *cut, uint8_t *seen, int64_t *out) {
    size_t head = 0, tail = 0;
    out[tail++] = s;
    seen[s] = 1;
    while (head < tail) {
        int64_t v = out[head++];
        for (int64_t j = adj_start[v]; j < adj_start[v + 1]; j++) {
            int64_t k = adj_edge[j];
            if (cut[k]) continue;
            int64_t u = e[k].a == v ? e[k].b : e[k].a;
            if (!seen[u]) seen[u] = 1, out[tail++] = u;
        }
    }
    for (size_t i = 0; i < tail; i++) seen[out[i]] = 0;
    return tail;
}

/* The best total stability of cluster c's subtree: its own, or the sum of
 * its children's best when that is larger. */
static double best_total(const naive *t, int64_t c) {
    if (t->n_child[c] == 0) return t->cl_stab[c];
    double sum = 0;
    for (int64_t i = 0; i < t->n_child[c]; i++) sum += best_total(t, t->child[c][i]);
    return sum > t->cl_stab[c] ? sum : t->cl_stab[c];
}

static void select_eom(const naive *t, int64_t c, uint8_t *sel) {
    if (t->n_child[c] == 0) {
        sel[c] = 1;
        return;
    }
    double sum = 0;
    for (int64_t i = 0; i < t->n_child[c]; i++) sum += best_total(t, t->child[c][i]);
    if (t->cl_stab[c] >= sum) { /* a tie keeps the parent */
        sel[c] = 1;
        return;
    }
    for (int64_t i = 0; i < t->n_child[c]; i++) select_eom(t, t->child[c][i], sel);
}

/* scikit-learn's traverse_upwards: the nearest ancestor born at a distance
 * above eps, but never the root (then the child of the root on the way). */
static int64_t climb(const naive *t, int64_t s, double eps) {
    int64_t up = t->cl_parent[s];
    if (up == 0) return s;
    if (1.0 / t->cl_birth[up] > eps) return up;
    return climb(t, up, eps);
}

static int is_below(const naive *t, int64_t c, int64_t a) {
    for (int64_t u = t->cl_parent[c]; u >= 0; u = t->cl_parent[u])
        if (u == a) return 1;
    return 0;
}

int tc_hdbscan_labels_from_mst_naive(const tc_mst_edge *edges, size_t n,
                                     const tc_hdbscan_params *p, int64_t *labels) {
    for (size_t i = 0; i < n; i++) labels[i] = -1;
    if (n < 2) return 0;
    const size_t ne = n - 1;
    const int64_t mcs = p->min_cluster_size;
    naive t = {.n = n, .n_cl = 1};
    tc_mst_edge *e = malloc(ne * sizeof *e);
    int64_t *adj_start = calloc(n + 1, sizeof *adj_start), *adj_edge = malloc(2 * ne * sizeof *adj_edge);
    int64_t *fill = calloc(n, sizeof *fill);
    uint8_t *cut = calloc(ne, 1), *seen = calloc(n, 1), *sel = calloc(n, 1);
    int64_t *sa = malloc(n * sizeof *sa), *sb = malloc(n * sizeof *sb);
    int64_t *owner = malloc(n * sizeof *owner); /* cluster a point is in, -1 once it left */
    int64_t *left_from = malloc(n * sizeof *left_from); /* cluster a point left */
    int64_t *kids = malloc(2 * n * sizeof *kids);
    t.cl_parent = malloc(n * sizeof *t.cl_parent);
    t.cl_birth = malloc(n * sizeof *t.cl_birth);
    t.cl_stab = calloc(n, sizeof *t.cl_stab);
    t.n_child = calloc(n, sizeof *t.n_child);
    t.child = malloc(n * sizeof *t.child);
    int rc = TC_ENOMEM;
    if (!e || !adj_start || !adj_edge || !fill || !cut || !seen || !sel || !sa || !sb || !owner ||
        !left_from || !kids || !t.cl_parent || !t.cl_birth || !t.cl_stab || !t.n_child || !t.child)
        goto done;
    memcpy(e, edges, ne * sizeof *e);
    qsort(e, ne, sizeof *e, naive_order);
    for (size_t k = 0; k < ne; k++) adj_start[e[k].a + 1]++, adj_start[e[k].b + 1]++;
    for (size_t i = 0; i < n; i++) adj_start[i + 1] += adj_start[i];
    for (size_t k = 0; k < ne; k++) {
        adj_edge[adj_start[e[k].a] + fill[e[k].a]++] = (int64_t)k;
        adj_edge[adj_start[e[k].b] + fill[e[k].b]++] = (int64_t)k;
    }
    for (size_t c = 0; c < n; c++) t.child[c] = kids + 2 * c;
    t.cl_parent[0] = -1, t.cl_birth[0] = 0;
    for (size_t i = 0; i < n; i++) owner[i] = 0, left_from[i] = -1;

    for (size_t k = ne; k-- > 0;) {
        cut[k] = 1;
        int64_t c = owner[e[k].a];
        if (c < 0) continue; /* a part that already left */
        double lambda = 1.0 / sqrt(e[k].w);
        size_t na = side_of(e[k].a, adj_start, adj_edge, e, cut, seen, sa);
        size_t nb = side_of(e[k].b, adj_start, adj_edge, e, cut, seen, sb);
        if ((int64_t)na >= mcs && (int64_t)nb >= mcs) {
            t.cl_stab[c] += mass(lambda, t.cl_birth[c], (int64_t)(na + nb));
            const int64_t *sides[2] = {sa, sb};
            size_t cnt[2] = {na, nb};
            for (int s = 0; s < 2; s++) {
                int64_t nc = t.n_cl++;
                t.cl_parent[nc] = c, t.cl_birth[nc] = lambda;
                t.child[c][t.n_child[c]++] = nc;
                for (size_t i = 0; i < cnt[s]; i++) owner[sides[s][i]] = nc;
            }
            continue;
        }
        if ((int64_t)na < mcs) {
            t.cl_stab[c] += mass(lambda, t.cl_birth[c], (int64_t)na);
            for (size_t i = 0; i < na; i++) owner[sa[i]] = -1, left_from[sa[i]] = c;
        }
        if ((int64_t)nb < mcs) {
            t.cl_stab[c] += mass(lambda, t.cl_birth[c], (int64_t)nb);
            for (size_t i = 0; i < nb; i++) owner[sb[i]] = -1, left_from[sb[i]] = c;
        }
    }

    if (p->selection_method == TC_HDBSCAN_LEAF) {
        for (int64_t c = 1; c < t.n_cl; c++) sel[c] = t.n_child[c] == 0;
    } else {
        for (int64_t i = 0; i < t.n_child[0]; i++) select_eom(&t, t.child[0][i], sel);
    }
    if (p->cluster_selection_epsilon > 0) {
        const double eps = p->cluster_selection_epsilon;
        uint8_t *up = calloc(n, 1);
        if (!up) goto done;
        for (int64_t c = 1; c < t.n_cl; c++) {
            if (!sel[c]) continue;
            up[1.0 / t.cl_birth[c] < eps ? climb(&t, c, eps) : c] = 1;
        }
        for (int64_t c = 1; c < t.n_cl; c++) { /* nested choices: the outermost wins */
            sel[c] = up[c];
            for (int64_t a = 1; a < t.n_cl && sel[c]; a++)
                if (up[a] && is_below(&t, c, a)) sel[c] = 0;
        }
        free(up);
    }

    /* a point takes the selected cluster at or above the one it left */
    int64_t next = 0;
    int64_t *num = sa; /* cluster -> label, reused */
    for (int64_t c = 0; c < t.n_cl; c++) num[c] = -1;
    for (size_t i = 0; i < n; i++) {
        int64_t c = left_from[i];
        while (c > 0 && !sel[c]) c = t.cl_parent[c];
        if (c <= 0) continue;
        if (num[c] < 0) num[c] = next++;
        labels[i] = num[c];
    }
    rc = 0;
done:
    if (rc) tc_error(rc, "hdbscan: out of memory for %zu points", n);
    free(e), free(adj_start), free(adj_edge), free(fill), free(cut), free(seen), free(sel);
    free(sa), free(sb), free(owner), free(left_from), free(kids);
    free(t.cl_parent), free(t.cl_birth), free(t.cl_stab), free(t.n_child), free(t.child);
    return rc;
}
