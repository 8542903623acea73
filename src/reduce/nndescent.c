/* nndescent.c - approximate cosine kNN graph: random-projection forest,
 * then NN-descent (Dong, Moses & Li, "Efficient k-nearest neighbor graph
 * construction for generic similarity measures", WWW 2011), the method of
 * pynndescent that umap-learn uses.
 *
 * 1. A sketch S = X R (n, SKETCH) with Gaussian R (one sgemm). Each tree
 *    splits a node at the median of a random direction in the sketch (a
 *    random mix of two sketch columns), down to leaves of at most LEAF
 *    points and never below k; the points of a leaf are all compared.
 *    The rows are first reordered in the first tree's leaf order so that
 *    neighbours lie close in memory.
 * 2. NN-descent rounds: each point's neighbours flagged new (at most
 *    MAX_CAND, chosen by a hashed priority) and old, plus the reverse
 *    lists; every pair inside a point's candidate lists is compared
 *    ("local join"). Stops when fewer than DELTA * n * k lists change.
 *
 * Determinism without locks: distances are computed in parallel over
 * chunks of leaves / points into a buffer laid out by chunk position, then
 * applied to the neighbour heaps in buffer order by threads that each own a
 * fixed range of target points. The result depends on the seed only, not
 * on the thread count.
 */
#include "reduce/reduce.h"
#include "util/util.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* EXTRA: the heaps keep k - 1 + EXTRA neighbours while they are built (the
 * tail feeds the local joins), raising recall at k = 15 on 512-d text
 * embeddings from 0.935 to 0.957 (bench/umap.md). */
enum { SKETCH = 48, LEAF = 32, MAX_CAND = 20, MAX_ITERS = 8, EXTRA = 4, CHUNK_PTS = 2048 };
#define DELTA 0.001

typedef struct { int32_t p, q; float d; } prop_t; /* proposal: p and q are d apart */

typedef struct {
    size_t n;
    int m;            /* heap size = k - 1 */
    float *d;         /* (n, m) max-heaps by (d, id) */
    int32_t *id;      /* (n, m), -1 = empty */
    uint8_t *fresh;   /* (n, m) 1 = not yet used in a local join */
    const int32_t *perm; /* (n) original id of each row: ties go to the lower one */
} heaps_t;

/* ---------------------------------------------------------------- helpers */

static inline float cos_dist(const float *a, const float *b, int d) {
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (int t = 0; t < d; t++) s += a[t] * b[t];
    float r = 1.0f - s;
    return r < TC_DIST_ZERO ? 0.0f : r;
}

static inline int worse(float d1, int32_t i1, float d2, int32_t i2) {
    /* empty slots (id -1, d +inf) are worst of all */
    return d1 > d2 || (d1 == d2 && (uint32_t)i1 > (uint32_t)i2);
}

/* the same with ids mapped to the original order (only consulted on ties) */
static inline int worse_p(const int32_t *perm, float d1, int32_t i1, float d2, int32_t i2) {
    if (d1 != d2) return d1 > d2;
    return (uint32_t)(i1 < 0 ? -1 : perm[i1]) > (uint32_t)(i2 < 0 ? -1 : perm[i2]);
}

/* Pushes (dd, q) into heap row p unless present or not better: 1 if added. */
static int heap_push(heaps_t *h, size_t p, float dd, int32_t q) {
    int m = h->m;
    float *hd = h->d + p * m;
    int32_t *hi = h->id + p * m;
    uint8_t *hf = h->fresh + p * m;
    const int32_t *pm = h->perm;
    if (!worse_p(pm, hd[0], hi[0], dd, q)) return 0;
    for (int j = 0; j < m; j++)
        if (hi[j] == q) return 0;
    int c, at = 0;
    for (;;) {
        c = 2 * at + 1;
        if (c >= m) break;
        if (c + 1 < m && worse_p(pm, hd[c + 1], hi[c + 1], hd[c], hi[c])) c++;
        if (!worse_p(pm, hd[c], hi[c], dd, q)) break;
        hd[at] = hd[c]; hi[at] = hi[c]; hf[at] = hf[c];
        at = c;
    }
    hd[at] = dd; hi[at] = q; hf[at] = 1;
    return 1;
}

static inline uint32_t hash3(uint64_t seed, uint64_t a, uint64_t b) {
    tc_rng r = {seed ^ (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL)};
    return (uint32_t)(tc_rng_next(&r) >> 32);
}

/* Applies proposals buf[0..np) in order; threads own target ranges. */
static size_t apply_props(heaps_t *h, const prop_t *buf, const size_t *cnt, size_t nslots,
                          size_t slot_cap, int nt) {
    size_t updates = 0;
    int nr = nt; /* ranges of target ids */
#pragma omp parallel for schedule(static) num_threads(nt) reduction(+ : updates)
    for (int r = 0; r < nr; r++) {
        size_t lo = h->n * r / nr, hi = h->n * (r + 1) / nr;
        for (size_t s = 0; s < nslots; s++) {
            const prop_t *b = buf + s * slot_cap;
            for (size_t t = 0; t < cnt[s]; t++) {
                size_t p = (size_t)b[t].p, q = (size_t)b[t].q;
                if (p >= lo && p < hi) updates += heap_push(h, p, b[t].d, (int32_t)q);
                if (q >= lo && q < hi) updates += heap_push(h, q, b[t].d, (int32_t)p);
            }
        }
    }
    return updates;
}

/* ---------------------------------------------------------------- trees */

/* Reorders ids[0..cnt) so that the first half has the smaller keys. */
static void median_split(int32_t *ids, float *key, size_t cnt, size_t half) {
    size_t lo = 0, hi = cnt - 1;
    while (lo < hi) { /* quickselect on key, moving ids along */
        float pv = key[(lo + hi) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (key[i] < pv) i++;
            while (key[j] > pv) j--;
            if (i <= j) {
                float tk = key[i]; key[i] = key[j]; key[j] = tk;
                int32_t ti = ids[i]; ids[i] = ids[j]; ids[j] = ti;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (half <= j) hi = j;
        else if (half >= i) lo = i;
        else break;
    }
}

/* One tree: ids (n) reordered so that leaves are contiguous; leaf starts in
 * starts (returns the leaf count; starts has room for n / 1 + 1). */
static size_t build_tree(const float *sk, size_t n, int k, tc_rng *rng, int32_t *ids,
                         float *key, size_t *starts) {
    size_t nleaf = 0;
    size_t stack[128][2];
    int sp = 0;
    for (size_t i = 0; i < n; i++) ids[i] = (int32_t)i;
    stack[sp][0] = 0;
    stack[sp++][1] = n;
    while (sp > 0) {
        size_t a = stack[--sp][0], cnt = stack[sp][1];
        if (cnt <= (size_t)LEAF || cnt / 2 < (size_t)k || sp >= 126) {
            starts[nleaf++] = a;
            continue;
        }
        int c1 = (int)tc_rng_below(rng, SKETCH), c2 = (int)tc_rng_below(rng, SKETCH);
        float w = (float)(tc_rng_uniform(rng) * 2 - 1);
        for (size_t i = 0; i < cnt; i++) {
            const float *s = sk + (size_t)ids[a + i] * SKETCH;
            key[a + i] = s[c1] + w * s[c2];
        }
        size_t half = cnt / 2;
        median_split(ids + a, key + a, cnt, half);
        /* right first so that leaves come out left to right */
        stack[sp][0] = a + half;
        stack[sp++][1] = cnt - half;
        stack[sp][0] = a;
        stack[sp++][1] = half;
    }
    starts[nleaf] = n;
    return nleaf;
}

/* ---------------------------------------------------------------- main */

int tc_knn_nndescent(const float *xn_in, size_t n, int d, int k, uint64_t seed, int n_threads,
                     tc_progress_fn progress, void *progress_ctx, int32_t *idx, float *dist) {
    if (k < 1 || (size_t)k > n) return tc_error(TC_EINVAL, "knn: k=%d with n=%zu", k, n);
    if (k == 1 || n <= (size_t)2 * LEAF) return tc_knn_exact(xn_in, n, d, k, n_threads, idx, dist);
    int nt = tc_threads(n_threads), m = k - 1 + EXTRA;
    int n_trees = n < 20000 ? 4 : 6;
    size_t lmax = 2 * (size_t)(LEAF > k ? LEAF : k); /* largest possible leaf */
    size_t slot_cap_leaf = lmax * (lmax - 1) / 2;
    size_t slot_cap_join = (size_t)MAX_CAND * (MAX_CAND - 1) / 2 + (size_t)MAX_CAND * MAX_CAND;
    size_t nslots = CHUNK_PTS;
    heaps_t h = {n, m, malloc(n * m * sizeof(float)), malloc(n * m * sizeof(int32_t)),
                 malloc(n * m), NULL};
    float *sk = malloc(n * SKETCH * sizeof *sk);           /* (n, SKETCH) */
    float *rp = malloc((size_t)d * SKETCH * sizeof *rp);    /* (SKETCH, d) */
    float *xn = malloc(n * (size_t)d * sizeof *xn);         /* (n, d) reordered rows */
    int32_t *perm = malloc(n * sizeof *perm);              /* new id -> original */
    int32_t *ids = malloc(n * sizeof *ids);
    float *key = malloc(n * sizeof *key);
    size_t *starts = malloc((n + 1) * sizeof *starts);
    size_t bufcap = nslots * (slot_cap_join > slot_cap_leaf ? slot_cap_join : slot_cap_leaf);
    prop_t *buf = malloc(bufcap * sizeof *buf);
    size_t *cnt = malloc(nslots * sizeof *cnt);
    int32_t *cand = malloc(n * 2 * MAX_CAND * sizeof *cand); /* (n, 2, MAX_CAND) new, old */
    uint32_t *prio = malloc(n * 2 * MAX_CAND * sizeof *prio);
    int *ncand = malloc(n * 2 * sizeof *ncand);
    int rc = 0;
    if (!h.d || !h.id || !h.fresh || !sk || !rp || !xn || !perm || !ids || !key || !starts ||
        !buf || !cnt || !cand || !prio || !ncand) {
        rc = tc_error(TC_ENOMEM, "nndescent: %zu points", n);
        goto done;
    }
    for (size_t i = 0; i < n * m; i++) { h.d[i] = INFINITY; h.id[i] = -1; h.fresh[i] = 0; }
    tc_rng rng = tc_rng_derive(seed, 0x6e6e64ULL);
    for (size_t i = 0; i < (size_t)d * SKETCH; i++) {
        double u1 = tc_rng_uniform(&rng) + 1e-300, u2 = tc_rng_uniform(&rng);
        rp[i] = (float)(sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2));
    }
    /* first tree on the original order decides the memory order */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, SKETCH, d, 1.0f, xn_in, d, rp, d,
                0.0f, sk, SKETCH);
    tc_rng trng = tc_rng_derive(seed, 1000);
    build_tree(sk, n, k, &trng, perm, key, starts);
    h.perm = perm;
    for (size_t i = 0; i < n; i++) memcpy(xn + i * d, xn_in + (size_t)perm[i] * d, d * sizeof *xn);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, SKETCH, d, 1.0f, xn, d, rp, d,
                0.0f, sk, SKETCH);
    /* ---- forest: all pairs inside each leaf */
    for (int t = 0; t < n_trees; t++) {
        tc_rng tr = tc_rng_derive(seed, 2000 + t);
        size_t nleaf = build_tree(sk, n, k, &tr, ids, key, starts);
        for (size_t l0 = 0; l0 < nleaf; l0 += nslots) {
            size_t nl = nleaf - l0 < nslots ? nleaf - l0 : nslots;
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
            for (size_t s = 0; s < nl; s++) {
                size_t a = starts[l0 + s], b = starts[l0 + s + 1], c = 0;
                prop_t *out = buf + s * slot_cap_leaf;
                for (size_t i = a; i < b; i++)
                    for (size_t j = i + 1; j < b; j++) {
                        int32_t p = ids[i], q = ids[j];
                        float dd = cos_dist(xn + (size_t)p * d, xn + (size_t)q * d, d);
                        if (dd <= h.d[(size_t)p * m] || dd <= h.d[(size_t)q * m])
                            out[c++] = (prop_t){p, q, dd};
                    }
                cnt[s] = c;
            }
            apply_props(&h, buf, cnt, nl, slot_cap_leaf, nt);
        }
        tc_progress(progress, progress_ctx, "knn", (size_t)(t + 1) * n / (n_trees + MAX_ITERS), n);
    }
    /* ---- NN-descent */
    for (int it = 0; it < MAX_ITERS; it++) {
        /* candidate lists: forward and reverse, MAX_CAND smallest priorities */
        for (size_t i = 0; i < n * 2; i++) ncand[i] = 0;
        for (size_t i = 0; i < n; i++)
            for (int j = 0; j < m; j++) {
                int32_t q = h.id[i * m + j];
                if (q < 0) continue;
                int w = h.fresh[i * m + j] ? 0 : 1;
                uint32_t pr = hash3(seed + it, i, (uint64_t)q);
                size_t ends[2] = {i, (size_t)q};
                int32_t other[2] = {q, (int32_t)i};
                for (int e = 0; e < 2; e++) {
                    size_t o = ends[e] * 2 + w;
                    int32_t *cl = cand + o * MAX_CAND;
                    uint32_t *pl = prio + o * MAX_CAND;
                    int c = ncand[o], dup = 0;
                    for (int u = 0; u < c; u++) if (cl[u] == other[e]) { dup = 1; break; }
                    if (dup) continue;
                    if (c < MAX_CAND) { cl[c] = other[e]; pl[c] = pr; ncand[o] = c + 1; continue; }
                    int worst = 0;
                    for (int u = 1; u < c; u++) if (pl[u] > pl[worst]) worst = u;
                    if (pr < pl[worst]) { cl[worst] = other[e]; pl[worst] = pr; }
                }
            }
        /* the forward new candidates that were sampled become old */
        for (size_t i = 0; i < n; i++) {
            const int32_t *cl = cand + (i * 2) * MAX_CAND;
            for (int j = 0; j < m; j++) {
                if (!h.fresh[i * m + j]) continue;
                for (int u = 0; u < ncand[i * 2]; u++)
                    if (cl[u] == h.id[i * m + j]) { h.fresh[i * m + j] = 0; break; }
            }
        }
        size_t updates = 0;
        for (size_t v0 = 0; v0 < n; v0 += nslots) {
            size_t nv = n - v0 < nslots ? n - v0 : nslots;
#pragma omp parallel for schedule(dynamic, 32) num_threads(nt)
            for (size_t s = 0; s < nv; s++) {
                size_t v = v0 + s, c = 0;
                const int32_t *nw = cand + (v * 2) * MAX_CAND, *od = cand + (v * 2 + 1) * MAX_CAND;
                int nn = ncand[v * 2], no = ncand[v * 2 + 1];
                prop_t *out = buf + s * slot_cap_join;
                for (int a = 0; a < nn; a++) {
                    int32_t p = nw[a];
                    const float *xp = xn + (size_t)p * d;
                    float tp = h.d[(size_t)p * m];
                    for (int b = a + 1; b < nn + no; b++) {
                        int32_t q = b < nn ? nw[b] : od[b - nn];
                        if (q == p) continue;
                        float dd = cos_dist(xp, xn + (size_t)q * d, d);
                        if (dd <= tp || dd <= h.d[(size_t)q * m]) out[c++] = (prop_t){p, q, dd};
                    }
                }
                cnt[s] = c;
            }
            updates += apply_props(&h, buf, cnt, nv, slot_cap_join, nt);
        }
        tc_progress(progress, progress_ctx, "knn", (size_t)(n_trees + it + 1) * n / (n_trees + MAX_ITERS), n);
        if ((double)updates < DELTA * (double)n * k) break;
    }
    /* ---- output in the original order: self first, then ascending */
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t i = 0; i < n; i++) {
        float *hd = h.d + i * m;
        int32_t *hi = h.id + i * m;
        /* insertion sort by (d, original id) */
        for (int a = 1; a < m; a++) {
            float dv = hd[a];
            int32_t iv = hi[a];
            int b = a;
            while (b > 0 && worse(hd[b - 1], perm[hi[b - 1]], dv, perm[iv])) {
                hd[b] = hd[b - 1]; hi[b] = hi[b - 1]; b--;
            }
            hd[b] = dv; hi[b] = iv;
        }
        size_t o = (size_t)perm[i];
        idx[o * k] = (int32_t)o;
        dist[o * k] = 0.0f;
        for (int j = 0; j < k - 1; j++) {
            idx[o * k + 1 + j] = perm[hi[j]];
            dist[o * k + 1 + j] = hd[j];
        }
    }
done:
    free(h.d); free(h.id); free(h.fresh); free(sk); free(rp); free(xn); free(perm); free(ids);
    free(key); free(starts); free(buf); free(cnt); free(cand); free(prio); free(ncand);
    return rc;
}
