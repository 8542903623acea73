/* layout.c - UMAP's stochastic gradient descent with negative sampling.
 *
 * The cross-entropy of McInnes et al. (arXiv:1802.03426, section 3.2) with
 * the low-dimensional similarity 1 / (1 + a d^2b), optimised as umap-learn
 * 0.5's optimize_layout_euclidean does: each edge is sampled every
 * epochs_per_sample = max(w) / w epochs, each sample followed by
 * negative_sample_rate uniformly drawn negatives, every gradient component
 * clipped to [-4, 4], the step alpha decaying linearly from learning_rate.
 *
 * Parallel and deterministic: within an epoch the vertices are split into
 * contiguous blocks; a vertex's edges move only that vertex, and the other
 * endpoints are read from a snapshot of the layout taken at the start of
 * the epoch. umap-learn also moves the other endpoint of each sampled edge
 * (move_other); since the graph is symmetric, edge (j, i) is sampled exactly
 * as often as (i, j), so each vertex here takes its attractive step twice
 * (factor 2), which keeps umap-learn's ratio of attraction to repulsion.
 * Negative samples come from a random stream per vertex, derived from the
 * seed before the parallel loop; the (about negative_sample_rate) negatives
 * that follow one positive sample are evaluated at the same position and
 * their clipped steps added together. No result depends on the thread count or
 * on thread timing.
 */
#include "reduce/reduce.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { NEG_BATCH = 8 };

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

/* One epoch's shared state. */
typedef struct {
    const tc_csr *g;
    const double *eps;
    double *next, *next_neg;
    const float *snap; /* (n, dim) positions at the start of the epoch */
    float *emb;        /* (n, dim) positions being updated */
    tc_rng *rng;
    size_t n;
    int ep;
    float a, b, gamma, alpha, nsr;
} epoch_t;

/* All due samples of vertex i's edges in this epoch; moves vertex i only. */
static inline void vertex_step(const epoch_t *E, size_t i, const int dim) {
    float cur[64];
    const float *restrict snap = E->snap;
    const float a = E->a, b = E->b, alpha = E->alpha, gamma = E->gamma;
    const int ep = E->ep;
    for (int t = 0; t < dim; t++) cur[t] = E->emb[i * dim + t];
    tc_rng r = E->rng[i];
    for (int64_t e = E->g->rowptr[i]; e < E->g->rowptr[i + 1]; e++) {
        double ee = E->eps[e];
        if (!(E->next[e] <= ep) || ee <= 0) continue;
        const float *oth = snap + (size_t)E->g->col[e] * dim;
        float d2 = 0;
        for (int t = 0; t < dim; t++) d2 += (cur[t] - oth[t]) * (cur[t] - oth[t]);
        if (d2 > 0) {
            float pw = fast_pow(d2, b);
            float gc = -2.0f * a * b * (pw / d2) / (a * pw + 1.0f);
            for (int t = 0; t < dim; t++) cur[t] += 2.0f * clip4(gc * (cur[t] - oth[t])) * alpha;
        }
        E->next[e] += ee;
        double epn = ee / E->nsr;
        int nneg = (int)((ep - E->next_neg[e]) / epn);
        /* the negatives of one sample are evaluated at the same position and
         * applied together: independent work instead of one long chain */
        for (int s0 = 0; s0 < nneg; s0 += NEG_BATCH) {
            int nb = nneg - s0 < NEG_BATCH ? nneg - s0 : NEG_BATCH;
            const float *o2[NEG_BATCH];
            float gc[NEG_BATCH];
            for (int s = 0; s < nb; s++) {
                size_t k = (size_t)tc_rng_below(&r, E->n);
                o2[s] = snap + k * dim;
                float q2 = 0;
                for (int t = 0; t < dim; t++) q2 += (cur[t] - o2[s][t]) * (cur[t] - o2[s][t]);
                /* k == i has q2 == 0 and no effect, as in umap-learn */
                gc[s] = q2 > 0 ? 2.0f * gamma * b / ((0.001f + q2) * (a * fast_pow(q2, b) + 1.0f)) : 0.0f;
            }
            float delta[64] = {0};
            for (int s = 0; s < nb; s++)
                for (int t = 0; t < dim; t++) delta[t] += clip4(gc[s] * (cur[t] - o2[s][t])) * alpha;
            for (int t = 0; t < dim; t++) cur[t] += delta[t];
        }
        E->next_neg[e] += nneg * epn;
    }
    E->rng[i] = r;
    for (int t = 0; t < dim; t++) E->emb[i * dim + t] = cur[t];
}

int tc_umap_layout(const tc_csr *g, const tc_layout_params *lp, float *emb) {
    size_t n = g->n, nnz = g->nnz;
    int dim = lp->dim, ne = lp->n_epochs, nt = tc_threads(lp->n_threads);
    if (nnz < 65536) nt = 1; /* one OpenMP region per epoch costs more than this */
    if (n == 0 || nnz == 0 || ne <= 0) return 0;
    double *eps = malloc(nnz * sizeof *eps);       /* (nnz) epochs per sample */
    double *next = malloc(nnz * sizeof *next);     /* (nnz) epoch of next sample */
    double *next_neg = malloc(nnz * sizeof *next_neg);
    float *snap = malloc(n * dim * sizeof *snap);  /* (n, dim) start-of-epoch copy */
    tc_rng *rng = malloc(n * sizeof *rng);         /* (n) negative-sample streams */
    if (!eps || !next || !next_neg || !snap || !rng) {
        free(eps); free(next); free(next_neg); free(snap); free(rng);
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
    for (size_t i = 0; i < n; i++) rng[i] = tc_rng_derive(lp->seed, i);
    double wsum = 0;
    for (size_t e = 0; e < nnz; e++) wsum += g->val[e] / wmax;
    tc_log(TC_LOG_DEBUG, "umap layout: %zu edges, about %.0f positive samples", nnz, wsum * ne);
    const float a = lp->a, b = lp->b, gamma = lp->gamma;
    size_t step = ne / 100 > 0 ? (size_t)ne / 100 : 1;
    for (int ep = 0; ep < ne; ep++) {
        float alpha = (float)(lp->learning_rate * (1.0 - (double)ep / ne));
        memcpy(snap, emb, n * dim * sizeof *snap);
        epoch_t E = {g, eps, next, next_neg, snap, emb, rng, n, ep, a, b, gamma, alpha, (float)nsr};
#pragma omp parallel for schedule(static) num_threads(nt)
        for (size_t i = 0; i < n; i++) {
            if (dim == 2) vertex_step(&E, i, 2); /* constant dim: unrolled, in registers */
            else vertex_step(&E, i, dim);
        }
        if ((size_t)(ep + 1) % step == 0 || ep + 1 == ne)
            tc_progress(lp->progress, lp->progress_ctx, "umap", (size_t)ep + 1, (size_t)ne);
    }
    free(eps); free(next); free(next_neg); free(snap); free(rng);
    return 0;
}
