/* layout.c - UMAP's stochastic gradient descent with negative sampling.
 *
 * The cross-entropy of McInnes et al. (arXiv:1802.03426, section 3.2) with
 * the low-dimensional similarity 1 / (1 + a d^2b), optimised as umap-learn
 * 0.5's optimize_layout_euclidean does: each edge is sampled every
 * epochs_per_sample = max(w) / w epochs, each sample followed by
 * negative_sample_rate uniformly drawn negatives, every gradient component
 * clipped to [-4, 4], the step alpha decaying linearly from learning_rate.
 *
 * Update order: umap-learn's. Edges are walked in CSR order (row = head);
 * a due sample moves the head towards the tail and the tail towards the
 * head by the same clipped step (move_other), reading current positions;
 * its negative samples follow at once, each moving the head alone from its
 * updated position.
 *
 * Threads: the vertices are split into nt contiguous blocks (nt = the thread
 * count, 1 below 65,536 edges) and each thread walks its block's rows in
 * that order. Tails and negative samples inside the thread's block are read
 * and moved live; those outside it are read from a snapshot taken at the
 * start of the epoch, and the tail's move is kept in the thread's delta
 * buffer, added to the layout after the epoch in thread order. Negative
 * samples come from one random stream per block derived from the seed.
 * Extra memory with nt > 1: (nt + 1) x n x dim floats (delta buffers and
 * snapshot).
 * With one thread this is exactly umap-learn's sequential loop. The result
 * depends only on (seed, thread count): repeated runs with the same thread
 * count give identical layouts, different thread counts give different ones
 * of about the same quality. Moving the tail is what matters: a vertex
 * moving only itself by a doubled step gave trustworthiness 0.872 (others
 * read from the snapshot, 2 threads) or 0.880 (live, one thread) instead of
 * 0.903 at 20,000 points (bench/umap.md).
 */
#include "reduce/reduce.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline float clip4(float v) { return v > 4.0f ? 4.0f : (v < -4.0f ? -4.0f : v); }

/* x^b for x > 0 as 2^(b log2 x) with division-free polynomials (least-
 * squares Chebyshev fits: log2(1+u) on [-0.29, 0.41] to 5e-6, 2^f on [0, 1]
 * to 2e-7 relative; 5e-6 relative overall): powf would dominate the loop. */
static inline float fast_pow(float x, float b) {
    union { float f; uint32_t u; } v = {x};
    int e = (int)((v.u >> 23) & 255) - 127;
    v.u = (v.u & 0x7fffffu) | 0x3f800000u; /* mantissa in [1, 2) */
    float m = v.f;
    if (m > 1.41421356f) { m *= 0.5f; e++; } /* m in [0.707, 1.414] */
    float u = m - 1.0f;
    float l = -1.1525908e-06f + u * (1.4427071f + u * (-0.72109287f + u * (0.47974061f +
              u * (-0.36821882f + u * (0.31795653f + u * -0.19860788f)))));
    float y = b * (l + (float)e);
    if (y < -126.0f) return 0.0f;
    if (y > 126.0f) y = 126.0f;
    float fl = floorf(y), f = y - fl;
    float p = 0.99999977f + f * (0.69315678f + f * (0.24013169f + f * (0.055876557f +
              f * (0.0089405825f + f * 0.0018943794f))));
    union { float f; uint32_t u; } s = {.u = (uint32_t)((int)fl + 127) << 23};
    return p * s.f;
}

/* umap-learn's update order within each of nt contiguous vertex blocks:
 * thread t walks the edges of its block's rows in order, moving head and
 * tail; a tail or negative sample inside the block is read and moved live,
 * one outside it is read from the start-of-epoch snapshot and its move is
 * added to the thread's delta buffer, applied after the epoch in thread order.
 * With nt = 1 this is umap-learn's sequential loop. */
static void layout_blocks(const tc_csr *g, const tc_layout_params *lp, float *emb, float *snap,
                          float *delta, int nt, const double *eps, double *next, double *next_neg,
                          tc_rng *rng, const int dim) {
    const float a = lp->a, b = lp->b, gamma = lp->gamma;
    const int ne = lp->n_epochs;
    const size_t n = g->n;
    const float nsr = (float)lp->negative_sample_rate;
    size_t step = ne / 100 > 0 ? (size_t)ne / 100 : 1;
    for (int ep = 0; ep < ne; ep++) {
        float alpha = (float)(lp->learning_rate * (1.0 - (double)ep / ne));
        if (nt > 1) memcpy(snap, emb, n * dim * sizeof *snap);
#pragma omp parallel for schedule(static, 1) num_threads(nt)
        for (int t = 0; t < nt; t++) {
            size_t lo = n * t / nt, hi = n * (t + 1) / nt;
            float *dl = delta ? delta + (size_t)t * n * dim : NULL;
            tc_rng r = rng[t];
            for (size_t i = lo; i < hi; i++) {
                /* vertex i's position lives in registers while its row is
                 * walked: no edge of the row writes it through emb */
                float cur[64];
                for (int c = 0; c < dim; c++) cur[c] = emb[i * dim + c];
                for (int64_t e = g->rowptr[i]; e < g->rowptr[i + 1]; e++) {
                    double ee = eps[e];
                    if (!(next[e] <= ep) || ee <= 0) continue;
                    size_t j = (size_t)g->col[e];
                    int in = j >= lo && j < hi;
                    const float *oth = j == i ? cur : (in ? emb : snap) + j * dim;
                    float *mv = in ? emb + j * dim : dl + j * dim;
                    float d2 = 0;
                    for (int c = 0; c < dim; c++) d2 += (cur[c] - oth[c]) * (cur[c] - oth[c]);
                    if (d2 > 0) {
                        float pw = fast_pow(d2, b);
                        float gc = -2.0f * a * b * (pw / d2) / (a * pw + 1.0f);
                        for (int c = 0; c < dim; c++) {
                            float gd = clip4(gc * (cur[c] - oth[c])) * alpha;
                            cur[c] += gd;
                            mv[c] -= gd;
                        }
                    }
                    next[e] += ee;
                    double epn = ee / nsr;
                    int nneg = (int)((ep - next_neg[e]) / epn);
                    for (int s = 0; s < nneg; s++) {
                        size_t k = (size_t)tc_rng_below(&r, n);
                        if (k == i) continue; /* distance 0 to itself: no effect */
                        const float *o2 = (k >= lo && k < hi ? emb : snap) + k * dim;
                        float q2 = 0;
                        for (int c = 0; c < dim; c++) q2 += (cur[c] - o2[c]) * (cur[c] - o2[c]);
                        if (!(q2 > 0)) continue; /* a duplicate: no effect */
                        float gcn = 2.0f * gamma * b / ((0.001f + q2) * (a * fast_pow(q2, b) + 1.0f));
                        for (int c = 0; c < dim; c++) cur[c] += clip4(gcn * (cur[c] - o2[c])) * alpha;
                    }
                    next_neg[e] += nneg * epn;
                }
                for (int c = 0; c < dim; c++) emb[i * dim + c] = cur[c];
            }
            rng[t] = r;
        }
        if (nt > 1) {
#pragma omp parallel for schedule(static) num_threads(nt)
            for (size_t x = 0; x < n * dim; x++) {
                float v = emb[x];
                for (int t = 0; t < nt; t++) {
                    v += delta[(size_t)t * n * dim + x];
                    delta[(size_t)t * n * dim + x] = 0; /* ready for the next epoch */
                }
                emb[x] = v;
            }
        }
        if ((size_t)(ep + 1) % step == 0 || ep + 1 == ne)
            tc_progress(lp->progress, lp->progress_ctx, "umap", (size_t)ep + 1, (size_t)ne);
    }
}

int tc_umap_layout(const tc_csr *g, const tc_layout_params *lp, float *emb) {
    size_t n = g->n, nnz = g->nnz;
    int dim = lp->dim, ne = lp->n_epochs, nt = tc_threads(lp->n_threads);
    if (nnz < 65536) nt = 1; /* one OpenMP region per epoch costs more than this */
    if ((size_t)nt > n) nt = (int)n;
    if (n == 0 || nnz == 0 || ne <= 0) return 0;
    double *eps = malloc(nnz * sizeof *eps);       /* (nnz) epochs per sample */
    double *next = malloc(nnz * sizeof *next);     /* (nnz) epoch of next sample */
    double *next_neg = malloc(nnz * sizeof *next_neg);
    tc_rng *rng = malloc(nt * sizeof *rng);        /* (nt) negative-sample streams */
    float *snap = NULL, *delta = NULL;
    if (nt > 1) {
        snap = malloc(n * dim * sizeof *snap);               /* (n, dim) start of epoch */
        delta = calloc((size_t)nt * n * dim, sizeof *delta); /* (nt, n, dim) deferred moves */
    }
    if (!eps || !next || !next_neg || !rng || (nt > 1 && (!snap || !delta))) {
        free(eps); free(next); free(next_neg); free(rng); free(snap); free(delta);
        return tc_error(TC_ENOMEM, "umap layout: %zu edges", nnz);
    }
    float wmax = 0;
    for (size_t e = 0; e < nnz; e++) if (g->val[e] > wmax) wmax = g->val[e];
    double nsr = lp->negative_sample_rate;
    for (size_t e = 0; e < nnz; e++) {
        double ns = ne * ((double)g->val[e] / wmax);
        eps[e] = ns > 0 ? (double)ne / ns : -1.0;
        next[e] = eps[e];
        next_neg[e] = eps[e] / nsr;
    }
    for (int t = 0; t < nt; t++) rng[t] = tc_rng_derive(lp->seed, (uint64_t)t);
    double wsum = 0;
    for (size_t e = 0; e < nnz; e++) wsum += g->val[e] / wmax;
    tc_log(TC_LOG_DEBUG, "umap layout: %zu edges, about %.0f positive samples, %d block(s)",
           nnz, wsum * ne, nt);
    if (dim == 2) /* constant dim: unrolled, in registers */
        layout_blocks(g, lp, emb, snap, delta, nt, eps, next, next_neg, rng, 2);
    else
        layout_blocks(g, lp, emb, snap, delta, nt, eps, next, next_neg, rng, dim);
    free(eps); free(next); free(next_neg); free(rng); free(snap); free(delta);
    return 0;
}
