/* layout.c - UMAP's stochastic gradient descent with negative sampling.
 *
 * The cross-entropy of McInnes et al. (arXiv:1802.03426, section 3.2) with
 * the low-dimensional similarity 1 / (1 + a d^2b), optimised as umap-learn
 * 0.5's optimize_layout_euclidean does: each edge is sampled every
 * epochs_per_sample = max(w) / w epochs, each sample moves head and tail
 * towards each other by the same clipped step and is followed by
 * negative_sample_rate uniformly drawn negatives, each moving the head alone
 * from its updated position; every gradient component is clipped to
 * [-4, 4], the step alpha decays linearly from learning_rate.
 *
 * Lanes: a sample's negatives form one dependent chain (each starts from
 * the head's position after the last), so one chain at a time leaves the
 * core waiting. Each epoch the due samples of a thread's block (in CSR
 * order) are cut, at row boundaries, into LANES runs of about equal length,
 * and the runs are walked in lockstep: step s takes the s-th sample of every
 * run and evaluates the LANES chains side by side in vector registers. A
 * step reads head, tail and negatives as they were at its start, then adds
 * the moves to the layout in lane order (tail, then head): as in umap-
 * learn's parallel loop, samples evaluated together do not see each other's
 * moves, but no move is lost.
 *
 * Threads: the vertices are split into nt contiguous blocks of about equal
 * edge weight (nt = the thread count, 1 below 65,536 edges), each thread
 * walking its block's rows. Tails and negatives inside the block are read
 * and moved live; those outside it are read from a snapshot taken at the
 * start of the epoch and the tail's move is kept in the thread's delta
 * buffer, added after the epoch in thread order. Negatives come from one
 * xorshift32 stream per (block, lane), seeded from the seed. The result
 * depends only on (seed, thread count).
 * Memory: at most 35 bytes per edge (the schedule, 16; the due list, 5; the
 * lane-ordered samples, up to 13.5) and with nt > 1, (nt + 1) x n x dim
 * floats (delta buffers and snapshot).
 * Moving the tail is what matters for quality: a vertex moving only itself
 * by a doubled step gave trustworthiness 0.872 instead of 0.903 at 20,000
 * points (bench/umap.md).
 */
#include "reduce/reduce.h"
#include "util/util.h"

#include <math.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

/* 16 single-precision lanes fill one 512-bit register (two 256-bit ones);
 * 32 or 64 lanes were slower here (2.4x, 1.9x: registers spill). */
enum { LANES = 16, DIM_MAX = 64 };

/* LANES floats side by side: GCC/Clang vector extensions, so the gradient
 * arithmetic is one instruction stream for all lanes on any target. */
typedef float vf __attribute__((vector_size(LANES * sizeof(float))));
typedef int32_t vi __attribute__((vector_size(LANES * sizeof(int32_t))));
typedef uint32_t vu __attribute__((vector_size(LANES * sizeof(uint32_t))));
typedef double vd __attribute__((vector_size(LANES * sizeof(double))));

static inline vf vsplat(float x) { return (vf){0} + x; }
static inline vf vsel(vi m, vf x, vf y) { return (vf)(((vi)x & m) | ((vi)y & ~m)); }
static inline vf vclip4(vf v) {
    v = vsel(v > vsplat(4.0f), vsplat(4.0f), v);
    return vsel(v < vsplat(-4.0f), vsplat(-4.0f), v);
}

/* x^b for x > 0 as 2^(b log2 x) with division-free polynomials (least-
 * squares Chebyshev fits: log2(1+u) on [-0.29, 0.41] to 5e-6, 2^f on [0, 1]
 * to 2e-7 relative; 5e-6 relative overall): powf would dominate the loop.
 * b log2 x is clamped to [-126, 126]. */
static inline vf vpow(vf x, float b) {
    vi xu = (vi)x, mant = xu & 0x7fffff;
    vi hi = mant > 0x3504f3;                    /* -1 where the mantissa > sqrt(2) */
    vi e = ((xu >> 23) & 255) - 127 - hi;
    vf u = (vf)((mant | 0x3f800000) + hi * (1 << 23)) - 1.0f; /* m - 1, m in [0.707, 1.414] */
    vf l = -1.1525908e-06f + u * (1.4427071f + u * (-0.72109287f + u * (0.47974061f +
           u * (-0.36821882f + u * (0.31795653f + u * -0.19860788f)))));
    vf y = b * (l + __builtin_convertvector(e, vf));
    y = vsel(y < vsplat(-126.0f), vsplat(-126.0f), y);
    y = vsel(y > vsplat(126.0f), vsplat(126.0f), y);
    vi fi = __builtin_convertvector(y, vi);
    fi += __builtin_convertvector(fi, vf) > y; /* floor: -1 where truncation went up */
    vf f = y - __builtin_convertvector(fi, vf);
    vf p = 0.99999977f + f * (0.69315678f + f * (0.24013169f + f * (0.055876557f +
           f * (0.0089405825f + f * 0.0018943794f))));
    return p * (vf)((fi + 127) << 23);
}

/* One thread's state: its block [lo, hi), the samples due this epoch in
 * lane order (slot s * LANES + l is run l's s-th sample; head -1 = none),
 * and its negative-sample streams. */
typedef struct {
    size_t lo, hi;
    int32_t *head, *tail; /* (cap) */
    uint8_t *nneg;        /* (cap) */
    int32_t *due;         /* (block edges) due sample ids in CSR order */
    uint8_t *dneg;        /* (block edges) their negative counts */
    size_t cap;
    uint32_t rs[LANES];
    float *delta;         /* (n, dim) deferred moves of outside tails, or NULL */
} block_t;

/* The sampling schedule of every edge, as umap-learn's epochs_per_sample. */
typedef struct {
    float *every;     /* (nnz) epochs between samples (INFINITY: never) */
    float *next;      /* (nnz) epoch of the next sample */
    float *next_neg;  /* (nnz) epoch of the next negative sample */
    float rate;       /* negative samples per sample */
    int32_t *row;     /* (nnz) head of each edge */
} sched_t;

/* Collects the block's due samples, advances their schedule, and lays them
 * out in lane order. Returns the number of steps, or -1 without memory. */
static long schedule_block(block_t *bk, const tc_csr *g, sched_t *sc, int ep) {
    const float fe = (float)ep, *every = sc->every, rate = sc->rate;
    float *next = sc->next, *next_neg = sc->next_neg;
    int32_t *due = bk->due;
    uint8_t *dneg = bk->dneg;
    size_t m = 0;
    int64_t e = g->rowptr[bk->lo], end = g->rowptr[bk->hi];
#if defined(__AVX512F__)
    /* 16 edges at a time: compress the due ones' ids, store all 16 lanes (due has 16 spare) */
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (; e + 16 <= end; e += 16) {
        __mmask16 k = _mm512_cmp_ps_mask(_mm512_loadu_ps(next + e), _mm512_set1_ps(fe), _CMP_LE_OQ);
        __m512i ids = _mm512_add_epi32(_mm512_set1_epi32((int32_t)e), iota);
        _mm512_storeu_si512(due + m, _mm512_maskz_compress_epi32(k, ids));
        m += (size_t)__builtin_popcount(k);
    }
#endif
    for (; e < end; e++) {
        due[m] = (int32_t)e; /* branch-free: whether an edge is due is hard to predict */
        m += next[e] <= fe;
    }
    for (size_t q = 0; q < m; q++) {
        int32_t e = due[q];
        next[e] += every[e];
        float every_neg = every[e] / rate;
        int nn = rate > 0 ? (int)((fe - next_neg[e]) / every_neg) : 0;
        next_neg[e] += (float)nn * every_neg;
        dneg[q] = (uint8_t)(nn < 0 ? 0 : nn > 255 ? 255 : nn);
    }
    const int32_t *row = sc->row, *col = g->col;
    /* run l starts at the first row boundary at or after m * l / LANES */
    size_t start[LANES + 1], steps = 0;
    for (int l = 0; l <= LANES; l++) {
        size_t s = l == LANES ? m : m * l / LANES;
        if (l > 0 && s < start[l - 1]) s = start[l - 1];
        while (s > 0 && s < m && row[due[s]] == row[due[s - 1]]) s++;
        start[l] = s;
        if (l > 0 && start[l] - start[l - 1] > steps) steps = start[l] - start[l - 1];
    }
    if (steps * LANES > bk->cap) {
        size_t cap = steps * LANES + steps * LANES / 2;
        int32_t *h = realloc(bk->head, cap * sizeof *h);
        if (h) bk->head = h;
        int32_t *t = realloc(bk->tail, cap * sizeof *t);
        if (t) bk->tail = t;
        uint8_t *k = realloc(bk->nneg, cap);
        if (k) bk->nneg = k;
        if (!h || !t || !k) return -1;
        bk->cap = cap;
    }
    int32_t *head = bk->head, *tail = bk->tail;
    uint8_t *nneg = bk->nneg;
    for (size_t s = 0; s < steps; s++) /* step-major: the writes are sequential */
        for (int l = 0; l < LANES; l++) {
            size_t q = start[l] + s, x = s * LANES + l;
            int in = q < start[l + 1];
            int32_t e = in ? due[q] : 0;
            head[x] = in ? row[e] : -1;
            tail[x] = col[e];
            nneg[x] = in ? dneg[q] : 0;
        }
    return (long)steps;
}

/* pos[off[l] + c] for every lane: one gather instruction with AVX-512 (the
 * compiler turns the loop into 16 scalar loads and inserts). */
static inline vf vgather(const float *pos, vi off, int c) {
#if defined(__AVX512F__)
    _Static_assert(LANES == 16, "one 512-bit gather per vector");
    return (vf)_mm512_i32gather_ps((__m512i)off, pos + c, 4);
#else
    vf v;
    for (int l = 0; l < LANES; l++) v[l] = pos[off[l] + c];
    return v;
#endif
}

/* The block's samples of one epoch. pos (2n, dim): rows 0..n-1 are the
 * live layout, rows n..2n-1 the start-of-epoch snapshot (nt > 1 only). */
/* always inlined, so that the dim == 2 call gets its loops unrolled */
static inline __attribute__((always_inline)) void
epoch_block(block_t *bk, long steps, const tc_layout_params *lp, float *pos, size_t n, float alpha,
            const int dim) {
    const float a = lp->a, b = lp->b, gamma = lp->gamma;
    const int32_t lo = (int32_t)bk->lo, hi = (int32_t)bk->hi, n32 = (int32_t)n;
    const double kscale = (double)n * 0x1p-32; /* 32 random bits to 0..n-1 */
    vu rs;
    memcpy(&rs, bk->rs, sizeof rs);
    for (long s = 0; s < steps; s++) {
        const int32_t *hd = bk->head + s * LANES, *tl = bk->tail + s * LANES;
        const uint8_t *nk = bk->nneg + s * LANES;
        vf h0[DIM_MAX], cur[DIM_MAX], oth[DIM_MAX]; /* head at the start, now; tail */
        vi ho, to;                                   /* offsets into pos */
        vi vh, vn;                                   /* head (-1: none), negative count */
        int maxneg = 0;
        for (int l = 0; l < LANES; l++) {
            int32_t h = hd[l] < 0 ? 0 : hd[l], j = hd[l] < 0 ? 0 : tl[l];
            ho[l] = h * dim;
            to[l] = (j >= lo && j < hi ? j : j + n32) * dim;
            vh[l] = hd[l];
            vn[l] = hd[l] < 0 ? 0 : nk[l];
            if (vn[l] > maxneg) maxneg = vn[l];
        }
        vf d2 = vsplat(0.0f);
        for (int c = 0; c < dim; c++) {
            h0[c] = cur[c] = vgather(pos, ho, c);
            oth[c] = vgather(pos, to, c);
            d2 += (cur[c] - oth[c]) * (cur[c] - oth[c]);
        }
        vf pw = vpow(d2, b); /* the lanes without a sample or at distance 0 do not move */
        vf gc = vsel((vh >= 0) & (d2 > 0.0f), -2.0f * a * b * (pw / d2) / (a * pw + 1.0f),
                     vsplat(0.0f));
        for (int c = 0; c < dim; c++) {
            vf gd = vclip4(gc * (cur[c] - oth[c])) * alpha;
            cur[c] += gd;
            oth[c] = gd; /* from here on: the tail's move, negated */
        }
        for (int q = 0; q < maxneg; q++) {
            rs ^= rs << 13;
            rs ^= rs >> 17;
            rs ^= rs << 5;
            vi k = __builtin_convertvector(__builtin_convertvector(rs, vd) * kscale, vi);
            vi ko = (k + (~((k >= lo) & (k < hi)) & n32)) * dim;
            vf q2 = vsplat(0.0f), o[DIM_MAX];
            for (int c = 0; c < dim; c++) {
                o[c] = vgather(pos, ko, c);
                q2 += (cur[c] - o[c]) * (cur[c] - o[c]);
            }
            /* itself and duplicates (q2 = 0) do not push */
            vi on = (vh >= 0) & (vn > q) & (k != vh) & (q2 > 0.0f);
            vf gn = vsel(on, 2.0f * gamma * b / ((0.001f + q2) * (a * vpow(q2, b) + 1.0f)),
                         vsplat(0.0f));
            for (int c = 0; c < dim; c++) cur[c] += vclip4(gn * (cur[c] - o[c])) * alpha;
        }
        for (int l = 0; l < LANES; l++) { /* in lane order: tail, then head */
            if (hd[l] < 0) continue;
            float *tv = to[l] < n32 * dim ? pos + to[l] : bk->delta + (to[l] - n32 * dim);
            for (int c = 0; c < dim; c++) tv[c] -= oth[c][l];
            for (int c = 0; c < dim; c++) pos[ho[l] + c] += cur[c][l] - h0[c][l];
        }
    }
    memcpy(bk->rs, &rs, sizeof rs);
}

int tc_umap_layout(const tc_csr *g, const tc_layout_params *lp, float *emb) {
    size_t n = g->n, nnz = g->nnz;
    int dim = lp->dim, ne = lp->n_epochs, nt = tc_threads(lp->n_threads);
    if (nnz < 65536) nt = 1; /* one OpenMP region per epoch costs more than this */
    if ((size_t)nt > n) nt = (int)n;
    if (n == 0 || nnz == 0 || ne <= 0) return 0;
    if (dim > DIM_MAX) return tc_error(TC_EINVAL, "umap layout: dim=%d (<= %d)", dim, DIM_MAX);
    if (2 * n * dim > INT32_MAX || nnz > INT32_MAX) /* lanes use 32-bit offsets (gathers) */
        return tc_error(TC_EINVAL, "umap layout: %zu x %d coordinates, %zu edges (at most 2^30, "
                        "2^31)", n, dim, nnz);
    sched_t sc = {malloc(nnz * sizeof(float)), malloc(nnz * sizeof(float)),
                  malloc(nnz * sizeof(float)), (float)lp->negative_sample_rate,
                  malloc(nnz * sizeof(int32_t))};
    float *pos = malloc((nt > 1 ? 2 : 1) * n * dim * sizeof *pos); /* (2n or n, dim) */
    float *delta = nt > 1 ? calloc((size_t)nt * n * dim, sizeof *delta) : NULL; /* (nt, n, dim) */
    block_t *bk = calloc(nt, sizeof *bk);
    int rc = 0;
    if (!sc.every || !sc.next || !sc.next_neg || !sc.row || !pos ||
        (nt > 1 && !delta) || !bk)
        goto nomem;
    /* blocks of about equal total weight: the weight sets how often edges are sampled */
    double wtot = 0, wacc = 0;
    for (size_t e = 0; e < nnz; e++) wtot += g->val[e];
    for (int t = 0, i = 0; t < nt; t++) {
        bk[t].lo = (size_t)i;
        while ((size_t)i < n && (t == nt - 1 || wacc < wtot * (t + 1) / nt))
            for (int64_t e = g->rowptr[i], end = g->rowptr[++i]; e < end; e++) wacc += g->val[e];
        bk[t].hi = (size_t)i;
        size_t be = (size_t)(g->rowptr[bk[t].hi] - g->rowptr[bk[t].lo]);
        bk[t].due = malloc((be + 16) * sizeof *bk[t].due); /* + 16: whole-vector stores */
        bk[t].dneg = malloc(be + 1);
        if (!bk[t].due || !bk[t].dneg) goto nomem;
        bk[t].delta = delta ? delta + (size_t)t * n * dim : NULL;
        tc_rng r = tc_rng_derive(lp->seed, (uint64_t)t);
        for (int l = 0; l < LANES; l++)
            do bk[t].rs[l] = (uint32_t)(tc_rng_next(&r) >> 32); while (bk[t].rs[l] == 0);
    }
    float wmax = 0;
    for (size_t e = 0; e < nnz; e++) if (g->val[e] > wmax) wmax = g->val[e];
    double wsum = 0;
    for (size_t i = 0; i < n; i++)
        for (int64_t e = g->rowptr[i]; e < g->rowptr[i + 1]; e++) {
            double ns = ne * ((double)g->val[e] / wmax); /* samples over the whole run */
            sc.every[e] = ns > 0 ? (float)(ne / ns) : INFINITY;
            sc.next[e] = sc.every[e];
            sc.next_neg[e] = sc.every[e] / sc.rate;
            sc.row[e] = (int32_t)i;
            wsum += g->val[e] / wmax;
        }
    tc_log(TC_LOG_DEBUG, "umap layout: %zu edges, about %.0f positive samples, %d block(s)",
           nnz, wsum * ne, nt);
    memcpy(pos, emb, n * dim * sizeof *pos);
    size_t step = ne / 100 > 0 ? (size_t)ne / 100 : 1;
    for (int ep = 0; ep < ne && !rc; ep++) {
        float alpha = (float)(lp->learning_rate * (1.0 - (double)ep / ne));
        if (nt > 1) memcpy(pos + n * dim, pos, n * dim * sizeof *pos);
#pragma omp parallel for schedule(static, 1) num_threads(nt)
        for (int t = 0; t < nt; t++) {
            long steps = schedule_block(&bk[t], g, &sc, ep);
            if (steps < 0) {
#pragma omp atomic write
                rc = TC_ENOMEM;
                continue;
            }
            if (dim == 2) /* constant dim: unrolled */
                epoch_block(&bk[t], steps, lp, pos, n, alpha, 2);
            else
                epoch_block(&bk[t], steps, lp, pos, n, alpha, dim);
        }
        if (nt > 1) {
#pragma omp parallel for schedule(static) num_threads(nt)
            for (size_t x = 0; x < n * dim; x++) {
                float v = pos[x];
                for (int t = 0; t < nt; t++) {
                    v += delta[(size_t)t * n * dim + x];
                    delta[(size_t)t * n * dim + x] = 0; /* ready for the next epoch */
                }
                pos[x] = v;
            }
        }
        if ((size_t)(ep + 1) % step == 0 || ep + 1 == ne)
            tc_progress(lp->progress, lp->progress_ctx, "umap", (size_t)ep + 1, (size_t)ne);
    }
    if (rc) goto nomem;
    memcpy(emb, pos, n * dim * sizeof *emb);
    goto done;
nomem:
    rc = tc_error(TC_ENOMEM, "umap layout: %zu edges", nnz);
done:
    for (int t = 0; bk && t < nt; t++) {
        free(bk[t].head); free(bk[t].tail); free(bk[t].nneg); free(bk[t].due); free(bk[t].dneg);
    }
    free(bk); free(sc.every); free(sc.next); free(sc.next_neg); free(sc.row);
    free(pos); free(delta);
    return rc;
}
