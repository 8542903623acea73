/* mst.c - the minimum spanning tree of the mutual-reachability graph that
 * HDBSCAN* builds its hierarchy from (Campello, Moulavi, Sander, PAKDD 2013;
 * McInnes & Healy, "Accelerated hierarchical density based clustering",
 * ICDMW 2017, for the tree-based Boruvka).
 *
 * core(i)  = distance from i to its min_samples-th nearest point, i itself
 *            counted (scikit-learn's and hdbscan's convention);
 * mr(i, j) = max(core(i), core(j), |x_i - x_j|).
 *
 * A kd-tree (kdtree.c) answers the k-nearest-neighbour queries of the core
 * distances; consecutive points of the tree are close, so a point's search
 * is bounded by a predecessor's core distance plus their distance, and the
 * k-th distance is selected from what falls inside. Then Boruvka rounds find,
 * for every component, its lightest outgoing edge. In the first round every
 * point is alone and its cheapest possible edge weighs its own core distance,
 * found by a radius query when it exists; otherwise, and in later rounds,
 * each point searches the tree for its nearest point of another component,
 * skipping subtrees that lie in its own component, that are too far, or whose
 * smallest core distance is too large, and skipping itself when its own core
 * distance already exceeds the best edge its component has found.
 *
 * Ties: edges are ordered by (weight, smaller index, larger index), a strict
 * total order, so the tree is unique and equals the one of the naive Prim in
 * hdbscan.c whatever the thread count. Weights are squared distances in
 * double, computed from the float coordinates in dimension order. */
#include "cluster/cluster.h"
#include "util/util.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- core distances */

/* Squared distance to the k-th nearest point (itself included) of the point
 * at tree position p: a max-heap of the k best, nearest subtree first. */
static double kd_kth_dist2(const tc_kdtree *t, int64_t p, int k, double *heap, int64_t *stack) {
    const float *q = t->pts + p * t->d;
    int hn = 0, sp = 0;
    stack[sp++] = 0;
    while (sp) {
        int64_t u = stack[--sp];
        if (hn == k && tc_kd_box_dist2(t, u, q) >= heap[0]) continue;
        const tc_kdnode *nd = t->node + u;
        if (nd->left < 0) {
            double buf[TC_KD_CHUNK];
            for (int64_t c0 = nd->lo; c0 < nd->hi; c0 += TC_KD_CHUNK) {
                int mm = nd->hi - c0 < TC_KD_CHUNK ? (int)(nd->hi - c0) : TC_KD_CHUNK;
                tc_kd_leaf_dist2(t, q, c0, mm, buf);
                for (int j = 0; j < mm; j++) {
                    double d2 = buf[j];
                    if (hn < k) { /* sift up */
                        int i = hn++;
                        while (i > 0 && heap[(i - 1) / 2] < d2) heap[i] = heap[(i - 1) / 2], i = (i - 1) / 2;
                        heap[i] = d2;
                    } else if (d2 < heap[0]) { /* replace the top, sift down */
                        int i = 0;
                        for (;;) {
                            int c = 2 * i + 1;
                            if (c >= k) break;
                            if (c + 1 < k && heap[c + 1] > heap[c]) c++;
                            if (heap[c] <= d2) break;
                            heap[i] = heap[c], i = c;
                        }
                        heap[i] = d2;
                    }
                }
            }
            continue;
        }
        double dl = tc_kd_box_dist2(t, nd->left, q), dr = tc_kd_box_dist2(t, nd->right, q);
        if (dl <= dr) stack[sp++] = nd->right, stack[sp++] = nd->left;
        else stack[sp++] = nd->left, stack[sp++] = nd->right;
    }
    return heap[0];
}

/* The k-th smallest of v[0, m), 1 <= k <= m (v is reordered). */
static double kth_smallest(double *v, int m, int k) {
    int lo = 0, hi = m - 1, want = k - 1;
    while (lo < hi) {
        double piv = v[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < piv) i++;
            while (v[j] > piv) j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j], v[j] = t;
                i++, j--;
            }
        }
        if (want <= j) hi = j;
        else if (want >= i) lo = i;
        else return v[want];
    }
    return v[want];
}

#define KNN_BUF 4096

/* The same as kd_kth_dist2 when the answer is known to be <= r2: gathers
 * the squared distances <= r2 (the k nearest are among them) and selects the
 * k-th. Returns -1 when fewer than k or more than the buffer hold. */
static double kd_kth_dist2_within(const tc_kdtree *t, int64_t p, int k, double r2, double hint,
                                  double *buf, int64_t *stack) {
    const float *q = t->pts + p * t->d;
    int m = 0, sp = 0;
    stack[sp++] = 0;
    while (sp) {
        int64_t u = stack[--sp];
        if (tc_kd_box_dist2(t, u, q) > r2) continue;
        const tc_kdnode *nd = t->node + u;
        if (nd->left >= 0) {
            stack[sp++] = nd->right, stack[sp++] = nd->left;
            continue;
        }
        double d2[TC_KD_CHUNK];
        for (int64_t c0 = nd->lo; c0 < nd->hi; c0 += TC_KD_CHUNK) {
            int mm = nd->hi - c0 < TC_KD_CHUNK ? (int)(nd->hi - c0) : TC_KD_CHUNK;
            if (m + mm > KNN_BUF) return -1;
            tc_kd_leaf_dist2(t, q, c0, mm, d2);
            for (int j = 0; j < mm; j++) {
                buf[m] = d2[j];
                m += d2[j] <= r2;
            }
        }
    }
    if (m < k) return -1;
    /* the answer is likely near the hint (the predecessor's): count what is
     * below a band around it and select inside the band only */
    double lo = hint * 0.8, hi = hint * 1.25, mid[KNN_BUF];
    int below = 0, nm = 0;
    for (int i = 0; i < m; i++) {
        below += buf[i] < lo;
        mid[nm] = buf[i];
        nm += buf[i] >= lo && buf[i] <= hi;
    }
    if (below < k && below + nm >= k) return kth_smallest(mid, nm, k - below);
    return kth_smallest(buf, m, k);
}

/* ---------------------------------------------------------------- Boruvka */

/* (w, a, b) before (w2, a2, b2) in the total order of edges; a < b. */
static inline int edge_less(double w, int64_t a, int64_t b, double w2, int64_t a2, int64_t b2) {
    if (w != w2) return w < w2;
    if (a != a2) return a < a2;
    return b < b2;
}

static inline void atomic_min_double(double *at, double v) {
    /* non-negative doubles order like their bit patterns */
    uint64_t nv, old = __atomic_load_n((uint64_t *)at, __ATOMIC_RELAXED);
    memcpy(&nv, &v, sizeof nv);
    while (nv < old &&
           !__atomic_compare_exchange_n((uint64_t *)at, &old, nv, 1, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED)) {
    }
}

static inline double atomic_load_double(const double *at) {
    uint64_t v = __atomic_load_n((const uint64_t *)at, __ATOMIC_RELAXED);
    double r;
    memcpy(&r, &v, sizeof r);
    return r;
}

typedef struct cand {
    double w;
    int64_t a, b; /* input indices, a < b; a = -1 when none */
    int64_t to;   /* tree position of the other end */
} cand;

/* The lightest edge from tree position p to another component. */
static cand boruvka_search(const tc_kdtree *t, int64_t p, const double *core2, const double *ncore,
                           const int64_t *comp, const int64_t *ncomp, double *comp_best,
                           int64_t *stack) {
    const float *q = t->pts + p * t->d;
    const double cp = core2[p];
    const int64_t my = comp[p], op = t->orig[p];
    cand best = {INFINITY, -1, -1, -1};
    /* a neighbour in tree order of another component gives a first bound */
    for (int64_t s = p - 1; s <= p + 1; s += 2) {
        if (s < 0 || s >= (int64_t)t->n || comp[s] == my) continue;
        double w = tc_dist2_f32(q, t->pts + s * t->d, t->d);
        if (w < cp) w = cp;
        if (w < core2[s]) w = core2[s];
        int64_t os = t->orig[s];
        int64_t a = op < os ? op : os, b = op < os ? os : op;
        if (best.a < 0 || edge_less(w, a, b, best.w, best.a, best.b)) best = (cand){w, a, b, s};
    }
    int sp = 0;
    stack[sp++] = 0;
    while (sp) {
        int64_t u = stack[--sp];
        if (ncomp[u] == my) continue;
        double lb = tc_kd_box_dist2(t, u, q);
        if (lb < cp) lb = cp;
        if (lb < ncore[u]) lb = ncore[u];
        double cb = atomic_load_double(&comp_best[my]);
        if (lb > best.w || lb > cb) continue;
        const tc_kdnode *nd = t->node + u;
        if (nd->left >= 0) {
            double dl = tc_kd_box_dist2(t, nd->left, q), dr = tc_kd_box_dist2(t, nd->right, q);
            if (dl <= dr) stack[sp++] = nd->right, stack[sp++] = nd->left;
            else stack[sp++] = nd->left, stack[sp++] = nd->right;
            continue;
        }
        double buf[TC_KD_CHUNK];
        for (int64_t c0 = nd->lo; c0 < nd->hi; c0 += TC_KD_CHUNK) {
            int mm = nd->hi - c0 < TC_KD_CHUNK ? (int)(nd->hi - c0) : TC_KD_CHUNK;
            tc_kd_leaf_dist2(t, q, c0, mm, buf);
            for (int j = 0; j < mm; j++) {
                int64_t s = c0 + j;
                if (comp[s] == my) continue;
                double w = core2[s] > cp ? core2[s] : cp;
                if (buf[j] > w) w = buf[j];
                if (w > best.w) continue;
                int64_t os = t->orig[s];
                int64_t a = op < os ? op : os, b = op < os ? os : op;
                if (best.a < 0 || edge_less(w, a, b, best.w, best.a, best.b))
                    best = (cand){w, a, b, s};
            }
        }
        if (best.a >= 0) atomic_min_double(&comp_best[my], best.w);
    }
    return best;
}

/* First round, when every point is its own component: an edge of weight
 * core(p), the least p can have, goes to any q with |p - q| <= core(p) and
 * core(q) <= core(p); of those the order of edges prefers the smallest
 * index. A radius query finds them; a = -1 when there is none (then the
 * general search runs). */
static cand first_round_search(const tc_kdtree *t, int64_t p, const double *core2,
                               const double *ncore, int64_t *stack) {
    const float *q = t->pts + p * t->d;
    const double cp = core2[p];
    const int64_t op = t->orig[p];
    int64_t best = INT64_MAX, at = -1;
    double d2[TC_KD_CHUNK];
    int sp = 0;
    stack[sp++] = 0;
    while (sp) {
        int64_t u = stack[--sp];
        if (ncore[u] > cp || tc_kd_box_dist2(t, u, q) > cp) continue;
        const tc_kdnode *nd = t->node + u;
        if (nd->left >= 0) {
            stack[sp++] = nd->right, stack[sp++] = nd->left;
            continue;
        }
        for (int64_t c0 = nd->lo; c0 < nd->hi; c0 += TC_KD_CHUNK) {
            int mm = nd->hi - c0 < TC_KD_CHUNK ? (int)(nd->hi - c0) : TC_KD_CHUNK;
            tc_kd_leaf_dist2(t, q, c0, mm, d2);
            for (int j = 0; j < mm; j++) {
                int64_t s = c0 + j, os = t->orig[s];
                if (d2[j] <= cp && core2[s] <= cp && s != p && os < best) best = os, at = s;
            }
        }
    }
    if (at < 0) return (cand){INFINITY, -1, -1, -1};
    return (cand){cp, op < best ? op : best, op < best ? best : op, at};
}

/* ---------------------------------------------------------------- progress */

/* Points go by in chunks of 256 (the parallel loops' schedule): at the end
 * of each, its share of the phase's span of the meter is added, and the
 * calling thread (OpenMP's thread 0) reports when it is due. A phase spans
 * [lo, lo + span) of the meter's n points. */
#define CHUNK 256

static inline void chunk_done(tc_meter *m, size_t p, size_t n, size_t span) {
    if (!m || ((p & (CHUNK - 1)) != CHUNK - 1 && p + 1 != n)) return;
    size_t units = (size_t)((double)((p & (CHUNK - 1)) + 1) * (double)span / (double)n);
    if (!units) return;
    tc_meter_add(m, units);
    if (omp_get_thread_num() == 0) tc_meter_tick(m);
}

/* Phase spans of the meter: core distances [0, 0.4 n), then each Boruvka
 * round half of what is left below 0.9 n; condense and select (after the
 * tree) end it at n. */
#define CORE_SHARE 0.4
#define TREE_END 0.9

int tc_hdbscan_mst(const float *x, size_t n, int d, int min_samples, int n_threads,
                   tc_meter *m, tc_mst_edge *edges) {
    if (n < 2) return 0;
    const int nt = tc_cluster_threads(n, n_threads);
    int k = min_samples < 1 ? 1 : min_samples;
    if ((size_t)k > n) k = (int)n;
    tc_kdtree t;
    double tb = tc_now();
    int rc = tc_kd_build(x, n, d, &t);
    if (rc) return rc;
    tc_log(TC_LOG_DEBUG, "hdbscan: kd-tree of %zu points (%lld nodes): %.3f s", n,
           (long long)t.n_nodes, tc_now() - tb);
    const int64_t nn = t.n_nodes;
    double *core2 = malloc(n * sizeof *core2);        /* (n) squared core distance, tree order */
    double *ncore = malloc(nn * sizeof *ncore);       /* (n_nodes) smallest core2 below */
    int64_t *comp = malloc(n * sizeof *comp);         /* (n) component of each position */
    int64_t *ncomp = malloc(nn * sizeof *ncomp);      /* (n_nodes) component, -1 if mixed */
    int64_t *par = malloc(n * sizeof *par);           /* (n) union-find over positions */
    double *comp_best = malloc(n * sizeof *comp_best);/* (n) by component root */
    cand *cands = malloc(n * sizeof *cands);          /* (n) per point, then per component */
    if (!core2 || !ncore || !comp || !ncomp || !par || !comp_best || !cands) {
        rc = tc_error(TC_ENOMEM, "hdbscan: out of memory for %zu points", n);
        goto done;
    }
    double t0 = tc_now();
    /* depth of the tree is about log2(n / TC_KD_LEAF) + 1; stacks hold 2 per level */
    const int stack_cap = 256;
    const size_t core_span = (size_t)(CORE_SHARE * (double)n), tree_end = (size_t)(TREE_END * (double)n);

    /* Consecutive positions are near each other, so core(p) <= |p - (p-1)| +
     * core(p - 1) bounds the search of p: a radius query and a selection
     * instead of a k-heap (a hair wider against rounding). */
#pragma omp parallel num_threads(nt)
    {
        double *heap = malloc(k * sizeof *heap);
        double *buf = malloc(KNN_BUF * sizeof *buf);
        int64_t *stack = malloc(stack_cap * sizeof *stack);
#pragma omp for schedule(dynamic, CHUNK)
        for (size_t p = 0; p < n; p++) {
            if (tc_meter_stopped(m)) continue;
            double c = -1;
            if (k <= 1) c = 0;
            else if (p % 256 != 0) { /* p - 1, p - 2, ... were done by this thread */
                double r = INFINITY, hint = core2[p - 1];
                for (size_t j = 1; j <= 8 && j <= p % 256; j++) {
                    double rj = sqrt(tc_dist2_f32(t.pts + p * d, t.pts + (p - j) * d, d)) +
                                sqrt(core2[p - j]);
                    if (rj < r) r = rj, hint = core2[p - j];
                }
                r *= 1.0 + 0x1p-30;
                c = kd_kth_dist2_within(&t, p, k, r * r, hint, buf, stack);
            }
            core2[p] = c >= 0 ? c : kd_kth_dist2(&t, p, k, heap, stack);
            chunk_done(m, p, n, core_span);
        }
        free(heap), free(buf), free(stack);
    }
    size_t at = core_span; /* the meter's position at the end of the phase */
    if ((rc = tc_meter_report(m, at))) goto done;
    for (int64_t u = nn - 1; u >= 0; u--) {
        const tc_kdnode *nd = t.node + u;
        double m = INFINITY;
        if (nd->left < 0)
            for (int64_t s = nd->lo; s < nd->hi; s++) m = core2[s] < m ? core2[s] : m;
        else
            m = fmin(ncore[nd->left], ncore[nd->right]);
        ncore[u] = m;
    }
    for (size_t p = 0; p < n; p++) par[p] = comp[p] = (int64_t)p;
    double t1 = tc_now();
    tc_log(TC_LOG_DEBUG, "hdbscan: kd-tree and core distances of %zu points: %.3f s", n, t1 - t0);
    size_t n_edges = 0, n_comp = n;
    int round = 0;
    while (n_comp > 1) {
        /* component of every subtree, children before parents */
        for (int64_t u = nn - 1; u >= 0; u--) {
            const tc_kdnode *nd = t.node + u;
            if (nd->left < 0) {
                int64_t c = comp[nd->lo];
                for (int64_t s = nd->lo + 1; s < nd->hi && c >= 0; s++)
                    if (comp[s] != c) c = -1;
                ncomp[u] = c;
            } else {
                ncomp[u] = ncomp[nd->left] == ncomp[nd->right] ? ncomp[nd->left] : -1;
            }
        }
        for (size_t p = 0; p < n; p++) comp_best[p] = INFINITY;
        const size_t span = (tree_end - at) / 2;
#pragma omp parallel num_threads(nt)
        {
            int64_t *stack = malloc(stack_cap * sizeof *stack);
#pragma omp for schedule(dynamic, CHUNK)
            for (size_t p = 0; p < n; p++) {
                cands[p].a = -1;
                if (tc_meter_stopped(m)) continue;
                if (core2[p] <= atomic_load_double(&comp_best[comp[p]])) {
                    if (round == 0) cands[p] = first_round_search(&t, p, core2, ncore, stack);
                    if (cands[p].a < 0)
                        cands[p] = boruvka_search(&t, p, core2, ncore, comp, ncomp, comp_best, stack);
                }
                chunk_done(m, p, n, span);
            }
            free(stack);
        }
        if ((rc = tc_meter_report(m, at += span))) goto done;
        /* lightest edge per component (kept in the slot of its root) */
        for (size_t p = 0; p < n; p++) {
            int64_t c = comp[p];
            if ((size_t)c == p) continue;
            if (cands[p].a < 0) continue;
            if (cands[c].a < 0 || edge_less(cands[p].w, cands[p].a, cands[p].b, cands[c].w,
                                            cands[c].a, cands[c].b))
                cands[c] = cands[p];
        }
        for (size_t c = 0; c < n; c++) {
            if (comp[c] != (int64_t)c || cands[c].a < 0) continue;
            int64_t ra = tc_uf_find(par, (int64_t)c), rb = tc_uf_find(par, cands[c].to);
            if (ra == rb) continue; /* the same edge chosen by the other side */
            tc_uf_union(par, ra, rb);
            edges[n_edges++] = (tc_mst_edge){cands[c].a, cands[c].b, cands[c].w};
            n_comp--;
        }
        for (size_t p = 0; p < n; p++) comp[p] = tc_uf_find(par, (int64_t)p);
        double t2 = tc_now();
        tc_log(TC_LOG_DEBUG, "hdbscan: Boruvka round %d: %zu components left, %.3f s", ++round,
               n_comp, t2 - t1);
        t1 = t2;
    }
    rc = 0;
done:
    free(core2), free(ncore), free(comp), free(ncomp), free(par), free(comp_best), free(cands);
    tc_kd_free(&t);
    return rc;
}
