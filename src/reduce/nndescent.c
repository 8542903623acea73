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
 *    neighbours lie close in memory. Trees are built a batch at a time,
 *    one per thread.
 * 2. NN-descent rounds: each point's neighbours flagged new (at most
 *    MAX_CAND, chosen by a hashed priority) and old, plus the reverse
 *    lists; every pair inside a point's candidate lists is compared
 *    ("local join"). Stops when fewer than DELTA * n * k lists change.
 *
 * A leaf, or a point's candidate lists, is scored as a small block of dot
 * products four rows by four (tc_knn_dots), so that each loaded vector
 * feeds four products. (Scoring on a bfloat16 copy of the rows was tried:
 * no faster here, and its errors of ~2e-4 in distance cost 0.008 recall.)
 *
 * Determinism without locks: distances are computed in parallel over the
 * leaves / points of a group (CHUNK_PTS of them), each thread appending the
 * proposals that can enter a heap to its own growing arena and noting where
 * each leaf's / point's run lies; then threads that each own a fixed range
 * of target points apply all runs in leaf / point order. The result depends
 * on the seed only, not on the thread count. Memory: the rows reordered (n,
 * d) floats, heaps (n, k + 3) x 9 bytes, candidate lists (n, 40) x 8 bytes,
 * tb trees (n) x 16 bytes, and the arenas, which hold one group's proposals
 * (about 25 MB at 63,440 x 512, whatever n, in the busiest round).
 */
#include "reduce/reduce.h"
#include "util/cpu.h"
#include "util/util.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* EXTRA: the heaps keep k - 1 + EXTRA neighbours while they are built (the
 * tail feeds the local joins), raising recall at k = 15 on 512-d text
 * embeddings from 0.935 to 0.957 (bench/umap.md).
 * DELTA: stop when fewer than DELTA * n * k heap entries changed in a round
 * (at 0.001 the last 2-3 rounds changed under 0.4 % of the entries and cost
 * 10 % of the time for +0.001 recall). Trees: 6 + n / 10,000, from 8 to 20:
 * more trees start NN-descent closer to the answer, so it needs fewer and
 * cheaper rounds (bench/umap.md). */
enum { SKETCH = 48, LEAF = 32, MAX_CAND = 20, MAX_ITERS = 10, EXTRA = 4, CHUNK_PTS = 16384 };
#define DELTA 0.004

/* proposal: p and q are d apart; a side stored as ~id (negative) is not
 * offered (d was already no better than that heap's top when it was made,
 * and tops only fall) */
typedef struct { int32_t p, q; float d; } prop_t;

typedef struct {
    size_t n;
    int m;            /* heap size = k - 1 */
    float *d;         /* (n, m) max-heaps by (d, id) */
    int32_t *id;      /* (n, m), -1 = empty */
    uint8_t *fresh;   /* (n, m) 1 = not yet used in a local join */
    const int32_t *perm; /* (n) original id of each row: ties go to the lower one */
} heaps_t;

/* ---------------------------------------------------------------- dots */

tc_knn_dots_fn *tc_knn_dots_kernel(void) {
#if TC_CPU_X86
    if (tc_cpu_level() >= TC_CPU_AVX512) return tc_knn_dots_avx512;
#endif
    return tc_knn_dots_baseline;
}

void tc_knn_dots(const float *const *a, int na, const float *const *b, int nb, int d, int upper,
                 float *out) {
    tc_knn_dots_kernel()(a, na, b, nb, d, upper, out);
}

/* ---------------------------------------------------------------- helpers */

/* process CPU seconds, for the debug log */
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static inline float dot_dist(float s) {
    float r = 1.0f - s;
    return r < TC_DIST_ZERO ? 0.0f : r;
}

/* (d1, i1) ranks after (d2, i2), ids mapped to the original order (only
 * consulted on ties); empty slots (id -1, d +inf) are worst of all */
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

/* A thread's proposals of one group of points (or leaves), slot after
 * slot; slot s of the group lies in arena sth[s] from soff[s], cnt[s] long. */
typedef struct { prop_t *p; size_t len, cap; } arena_t;

/* Room for `more` proposals after a->len: 0, or -1 when out of memory. */
static int arena_reserve(arena_t *a, size_t more) {
    if (a->len + more <= a->cap) return 0;
    size_t cap = a->cap ? a->cap : 4096;
    while (cap < a->len + more) cap *= 2;
    prop_t *p = realloc(a->p, cap * sizeof *p);
    if (!p) return -1;
    a->p = p;
    a->cap = cap;
    return 0;
}

/* Applies the proposals of slots 0..nslots in slot order; threads own
 * target ranges. */
static size_t apply_props(heaps_t *h, const arena_t *ar, const int *sth, const size_t *soff,
                          const size_t *cnt, size_t nslots, int nt) {
    size_t updates = 0;
    int nr = nt; /* ranges of target ids */
#pragma omp parallel for schedule(static) num_threads(nt) reduction(+ : updates)
    for (int r = 0; r < nr; r++) {
        size_t lo = h->n * r / nr, hi = h->n * (r + 1) / nr;
        for (size_t s = 0; s < nslots; s++) {
            const prop_t *b = ar[sth[s]].p + soff[s];
            for (size_t t = 0; t < cnt[s]; t++) {
                int32_t sp = b[t].p, sq = b[t].q;
                size_t p = (size_t)(sp < 0 ? ~sp : sp), q = (size_t)(sq < 0 ? ~sq : sq);
                if (sp >= 0 && p >= lo && p < hi) updates += heap_push(h, p, b[t].d, (int32_t)q);
                if (sq >= 0 && q >= lo && q < hi) updates += heap_push(h, q, b[t].d, (int32_t)p);
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
 * starts (returns the leaf count, 0 once meter is stopped; starts has room
 * for n / 1 + 1). Polls meter at every node. */
static size_t build_tree(const float *sk, size_t n, int k, tc_rng *rng, tc_meter *meter, int32_t *ids,
                         float *key, size_t *starts) {
    size_t nleaf = 0;
    size_t stack[128][2];
    int sp = 0;
    for (size_t i = 0; i < n; i++) ids[i] = (int32_t)i;
    stack[sp][0] = 0;
    stack[sp++][1] = n;
    while (sp > 0) {
        size_t a = stack[--sp][0], cnt = stack[sp][1];
        if (tc_meter_poll(meter, 0)) { /* item 0: every node polls; stopped: no leaves */
            nleaf = 0;
            break;
        }
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


/* ---------------------------------------------------------------- candidates */

/* Offers other (priority pr) to candidate list o; keeps the MAX_CAND
 * smallest priorities, no duplicates. */
static void cand_offer(int32_t *cand, uint32_t *prio, int *ncand, uint8_t *worst, size_t o,
                       int32_t other, uint32_t pr) {
    int32_t *cl = cand + o * MAX_CAND;
    uint32_t *pl = prio + o * MAX_CAND;
    int c = ncand[o];
    /* a full list rejects a priority no better than its worst at once (a
     * duplicate would be rejected anyway) */
    if (c == MAX_CAND && pr >= pl[worst[o]]) return;
    for (int u = 0; u < c; u++)
        if (cl[u] == other) return;
    int at = c < MAX_CAND ? c : worst[o];
    cl[at] = other;
    pl[at] = pr;
    if (c < MAX_CAND) ncand[o] = ++c;
    if (c == MAX_CAND) { /* the place of the largest priority */
        int w = 0;
        for (int u = 1; u < c; u++)
            if (pl[u] > pl[w]) w = u;
        worst[o] = (uint8_t)w;
    }
}

/* Candidate lists (n, 2, MAX_CAND) new / old, forward and reverse. Threads
 * own ranges of list owners and all walk the edges in the same order, so
 * the lists are those of a serial walk whatever the thread count. */
static int build_candidates(const heaps_t *h, uint64_t salt, int nt, tc_meter *meter, int32_t *cand,
                            uint32_t *prio, int *ncand, uint8_t *worst) {
    size_t n = h->n;
    int m = h->m;
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int r = 0; r < nt; r++) {
        size_t lo = n * r / nt, hi = n * (r + 1) / nt;
        for (size_t i = lo; i < hi; i++) ncand[2 * i] = ncand[2 * i + 1] = 0;
        for (size_t i = 0; i < n; i++) {
            /* every thread scans all rows; the calling one (0) ticks */
            if (i % 4096 == 0 && (omp_get_thread_num() == 0 ? tc_meter_tick(meter) : tc_meter_stopped(meter)))
                break;
            for (int j = 0; j < m; j++) {
                int32_t q = h->id[i * m + j];
                if (q < 0) continue;
                int own_i = i >= lo && i < hi, own_q = (size_t)q >= lo && (size_t)q < hi;
                if (!own_i && !own_q) continue;
                int w = h->fresh[i * m + j] ? 0 : 1;
                uint32_t pr = hash3(salt, i, (uint64_t)q);
                if (own_i) cand_offer(cand, prio, ncand, worst, i * 2 + w, q, pr);
                if (own_q) cand_offer(cand, prio, ncand, worst, (size_t)q * 2 + w, (int32_t)i, pr);
            }
        }
    }
    if (tc_meter_stopped(meter)) return tc_error(TC_ECANCELED, "knn: canceled");
    /* the forward new candidates that were sampled become old */
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t i = 0; i < n; i++) {
        const int32_t *cl = cand + (i * 2) * MAX_CAND;
        for (int j = 0; j < m; j++) {
            if (!h->fresh[i * m + j]) continue;
            for (int u = 0; u < ncand[i * 2]; u++)
                if (cl[u] == h->id[i * m + j]) { h->fresh[i * m + j] = 0; break; }
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- main */

int tc_knn_nndescent(const float *xn_in, size_t n, int d, int k, uint64_t seed, int n_threads,
                     tc_meter *meter, int32_t *idx, float *dist) {
    if (k < 1 || (size_t)k > n) return tc_error(TC_EINVAL, "knn: k=%d with n=%zu", k, n);
    if (k == 1 || n <= (size_t)2 * LEAF) return tc_knn_exact(xn_in, n, d, k, n_threads, meter, idx, dist);
    int nt = tc_threads(n_threads), m = k - 1 + EXTRA, tb = nt < 8 ? nt : 8; /* trees per batch */
    tc_knn_dots_fn *dots = tc_knn_dots_kernel();
    int n_trees = 6 + (int)(n / 10000);
    n_trees = n_trees < 8 ? 8 : n_trees > 20 ? 20 : n_trees;
    double share = (double)n / (n_trees + MAX_ITERS); /* progress of one tree or round */
    size_t lmax = (size_t)(LEAF > 2 * k ? LEAF : 2 * k); /* largest possible leaf */
    size_t slot_cap_leaf = lmax * (lmax - 1) / 2;
    size_t slot_cap_join = (size_t)MAX_CAND * (MAX_CAND - 1) / 2 + (size_t)MAX_CAND * MAX_CAND;
    size_t nslots = CHUNK_PTS;
    double t_start = tc_now(), c_start = cpu_now();
    heaps_t h = {n, m, malloc(n * m * sizeof(float)), malloc(n * m * sizeof(int32_t)),
                 malloc(n * m), NULL};
    float *sk = malloc(n * SKETCH * sizeof *sk);           /* (n, SKETCH) */
    float *rp = malloc((size_t)d * SKETCH * sizeof *rp);    /* (SKETCH, d) */
    float *xn = malloc(n * (size_t)d * sizeof *xn);         /* (n, d) reordered rows */
    int32_t *perm = malloc(n * sizeof *perm);              /* new id -> original */
    int32_t *ids = malloc((size_t)tb * n * sizeof *ids);       /* (tb, n) a batch of trees */
    float *key = malloc((size_t)tb * n * sizeof *key);         /* (tb, n) */
    size_t *starts = malloc((size_t)tb * (n + 1) * sizeof *starts); /* (tb, n + 1) */
    arena_t *ar = calloc((size_t)nt, sizeof *ar);             /* (nt) */
    size_t *cnt = malloc(nslots * sizeof *cnt), *soff = malloc(nslots * sizeof *soff);
    int *sth = malloc(nslots * sizeof *sth);                  /* (nslots) thread of a slot */
    float *scratch = malloc((size_t)nt * lmax * lmax * sizeof *scratch); /* (nt, lmax, lmax) */
    int32_t *cand = malloc(n * 2 * MAX_CAND * sizeof *cand); /* (n, 2, MAX_CAND) new, old */
    uint32_t *prio = malloc(n * 2 * MAX_CAND * sizeof *prio);
    int *ncand = malloc(n * 2 * sizeof *ncand);
    uint8_t *worst = malloc(n * 2);                          /* (n, 2) place of the worst priority */
    int rc = 0, oom = 0;
    if (!h.d || !h.id || !h.fresh || !sk || !rp || !xn || !perm || !ids || !key ||
        !starts || !ar || !cnt || !soff || !sth || !scratch || !cand || !prio || !ncand || !worst) {
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
    tc_sgemm_nt(nt, n, SKETCH, d, 1.0f, xn_in, d, rp, d, 0.0f, sk, SKETCH);
    if ((rc = tc_meter_tick(meter))) goto done;
    tc_rng trng = tc_rng_derive(seed, 1000);
    build_tree(sk, n, k, &trng, meter, perm, key, starts);
    h.perm = perm;
    if ((rc = tc_meter_tick(meter))) goto done;
#pragma omp parallel for schedule(static) num_threads(nt)
    for (size_t i = 0; i < n; i++) {
        memcpy(xn + i * d, xn_in + (size_t)perm[i] * d, d * sizeof *xn);
    }
    if ((rc = tc_meter_tick(meter))) goto done;
    tc_sgemm_nt(nt, n, SKETCH, d, 1.0f, xn, d, rp, d, 0.0f, sk, SKETCH);
    double t_forest = tc_now();
    /* ---- forest: all pairs inside each leaf; tb trees built at a time */
    size_t nleaves[8];
    for (int t = 0; t < n_trees; t++) {
        int bt = t % tb;
        if (bt == 0) {
            int nb = n_trees - t < tb ? n_trees - t : tb;
#pragma omp parallel for schedule(static) num_threads(nt)
            for (int b = 0; b < nb; b++) {
                tc_rng tr = tc_rng_derive(seed, 2000 + t + b);
                nleaves[b] = build_tree(sk, n, k, &tr, meter, ids + (size_t)b * n, key + (size_t)b * n,
                                        starts + (size_t)b * (n + 1));
            }
        }
        size_t nleaf = nleaves[bt];
        const int32_t *tids = ids + (size_t)bt * n;
        const size_t *tst = starts + (size_t)bt * (n + 1);
        for (size_t l0 = 0; l0 < nleaf; l0 += nslots) {
            size_t nl = nleaf - l0 < nslots ? nleaf - l0 : nslots;
            for (int th = 0; th < nt; th++) ar[th].len = 0;
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
            for (size_t s = 0; s < nl; s++) {
                size_t a = tst[l0 + s], b = tst[l0 + s + 1], c = 0;
                int len = (int)(b - a), th = omp_get_thread_num();
                cnt[s] = 0;
                if (arena_reserve(&ar[th], slot_cap_leaf)) {
#pragma omp atomic write
                    oom = 1;
                    continue;
                }
                const float *rows[lmax];
                float *g = scratch + (size_t)th * lmax * lmax; /* (len, len) */
                for (int i = 0; i < len; i++) rows[i] = xn + (size_t)tids[a + i] * d;
                dots(rows, len, rows, len, d, 1, g);
                prop_t *out = ar[th].p + ar[th].len;
                for (int i = 0; i < len; i++)
                    for (int j = i + 1; j < len; j++) {
                        int32_t p = tids[a + i], q = tids[a + j];
                        float dd = dot_dist(g[(size_t)i * len + j]);
                        int op = dd <= h.d[(size_t)p * m], oq = dd <= h.d[(size_t)q * m];
                        if (op || oq) out[c++] = (prop_t){op ? p : ~p, oq ? q : ~q, dd};
                    }
                cnt[s] = c;
                soff[s] = ar[th].len;
                sth[s] = th;
                ar[th].len += c;
            }
            if (oom) break;
            apply_props(&h, ar, sth, soff, cnt, nl, nt);
            if ((rc = tc_meter_tick_at(meter, (size_t)((t + (double)(l0 + nl) / nleaf) * share)))) goto done;
        }
        if (oom) break;
        if ((rc = tc_meter_report(meter, (size_t)((t + 1) * share)))) goto done;
    }
    tc_log(TC_LOG_DEBUG, "nndescent: setup %.3fs, forest of %d trees %.3fs cpu %.3f", t_forest - t_start,
           n_trees, tc_now() - t_forest, cpu_now() - c_start);
    /* ---- NN-descent */
    for (int it = 0; it < MAX_ITERS; it++) {
        double t_it = tc_now();
        if ((rc = build_candidates(&h, seed + it, nt, meter, cand, prio, ncand, worst))) goto done;
        double t_join = tc_now();
        size_t updates = 0, ndist = 0;
        double t_apply = 0;
        for (size_t v0 = 0; v0 < n; v0 += nslots) {
            size_t nv = n - v0 < nslots ? n - v0 : nslots;
            for (int th = 0; th < nt; th++) ar[th].len = 0;
#pragma omp parallel for schedule(dynamic, 32) num_threads(nt) reduction(+ : ndist)
            for (size_t s = 0; s < nv; s++) {
                size_t v = v0 + s, c = 0;
                const int32_t *nw = cand + (v * 2) * MAX_CAND, *od = cand + (v * 2 + 1) * MAX_CAND;
                int nn = ncand[v * 2], no = ncand[v * 2 + 1], na = nn + no, th = omp_get_thread_num();
                cnt[s] = 0;
                if (nn == 0) continue;
                if (arena_reserve(&ar[th], slot_cap_join)) {
#pragma omp atomic write
                    oom = 1;
                    continue;
                }
                prop_t *out = ar[th].p + ar[th].len;
                int32_t all[2 * MAX_CAND];
                const float *rows[2 * MAX_CAND];
                float g[MAX_CAND * 2 * MAX_CAND], top[2 * MAX_CAND]; /* (nn, na), (na) */
                for (int a = 0; a < na; a++) {
                    all[a] = a < nn ? nw[a] : od[a - nn];
                    rows[a] = xn + (size_t)all[a] * d;
                    top[a] = h.d[(size_t)all[a] * m];
                }
                dots(rows, nn, rows, na, d, 1, g);
                ndist += (size_t)nn * (nn - 1) / 2 + (size_t)nn * no;
                for (int a = 0; a < nn; a++) {
                    int32_t p = all[a];
                    float tp = top[a];
                    for (int b = a + 1; b < na; b++) {
                        int32_t q = all[b];
                        if (q == p) continue;
                        float dd = dot_dist(g[a * na + b]);
                        int op = dd <= tp, oq = dd <= top[b];
                        if (op || oq) out[c++] = (prop_t){op ? p : ~p, oq ? q : ~q, dd};
                    }
                }
                cnt[s] = c;
                soff[s] = ar[th].len;
                sth[s] = th;
                ar[th].len += c;
            }
            if (oom) break;
            double ta = tc_now();
            updates += apply_props(&h, ar, sth, soff, cnt, nv, nt);
            t_apply += tc_now() - ta;
            if ((rc = tc_meter_tick_at(meter, (size_t)((n_trees + it + (double)(v0 + nv) / n) * share))))
                goto done;
        }
        tc_log(TC_LOG_DEBUG, "nndescent: round %d: candidates %.3fs, join %.3fs (apply %.3f), %zu distances, %zu updates cpu %.3f",
               it, t_join - t_it, tc_now() - t_join, t_apply, ndist, updates, cpu_now() - c_start);
        if ((rc = tc_meter_report(meter, (size_t)((n_trees + it + 1) * share)))) goto done;
        if (oom || (double)updates < DELTA * (double)n * k) break;
    }
    if (oom) {
        rc = tc_error(TC_ENOMEM, "nndescent: proposal buffers for %zu points", n);
        goto done;
    }
    double t_out = tc_now();
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
            while (b > 0 && worse_p(perm, hd[b - 1], hi[b - 1], dv, iv)) {
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
    size_t arena_bytes = 0;
    for (int t = 0; t < nt; t++) arena_bytes += ar[t].cap * sizeof(prop_t);
    tc_log(TC_LOG_DEBUG, "nndescent: output %.3fs cpu %.3f, proposal arenas %.1f MB", tc_now() - t_out,
           cpu_now() - c_start, arena_bytes / 1e6);
done:
    free(h.d); free(h.id); free(h.fresh); free(sk); free(rp); free(xn); free(perm);
    free(ids); free(key); free(starts); free(cnt); free(soff); free(sth);
    for (int t = 0; ar && t < nt; t++) free(ar[t].p);
    free(ar); free(scratch); free(cand);
    free(prio); free(ncand); free(worst);
    return rc;
}
