/* layout_epoch.c - the kernel of the UMAP layout (layout.c, which says
 * how lanes, blocks and the schedule work): one block's samples of one
 * epoch. Compiled once per CPU level (layout_epoch_avx512.c adds the
 * AVX-512 variant: the 16 lanes in one register, gathers, compress); the
 * Makefile allows FMA contraction in both. */
#include "reduce/layout.h"
#include "util/cpu.h"
#include "util/util.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
        if (tc_meter_poll(bk->meter, (size_t)s)) break;
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
            /* itself does not push; a negative at the same position pushes by
             * the clip bound along every axis, as umap-learn's does */
            vi live = (vh >= 0) & (vn > q) & (k != vh), on = live & (q2 > 0.0f);
            vf gn = vsel(on, 2.0f * gamma * b / ((0.001f + q2) * (a * vpow(q2, b) + 1.0f)),
                         vsplat(0.0f));
            vf same = vsel(live & (q2 == 0.0f), vsplat(4.0f), vsplat(0.0f));
            for (int c = 0; c < dim; c++) cur[c] += (vclip4(gn * (cur[c] - o[c])) + same) * alpha;
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

int TC_CPU_FN(tc_layout_epoch)(block_t *bk, const tc_csr *g, sched_t *sc, int ep,
                              const tc_layout_params *lp, float *pos, float alpha) {
    long steps = schedule_block(bk, g, sc, ep);
    if (steps < 0) return TC_ENOMEM;
    if (lp->dim == 2) /* constant dim: unrolled */
        epoch_block(bk, steps, lp, pos, g->n, alpha, 2);
    else
        epoch_block(bk, steps, lp, pos, g->n, alpha, lp->dim);
    return 0;
}
