/* layout.c - UMAP's stochastic gradient descent with negative sampling.
 *
 * The cross-entropy of McInnes et al. (arXiv:1802.03426, section 3.2) with
 * the low-dimensional similarity 1 / (1 + a d^2b), optimised as umap-learn
 * 0.5's optimize_layout_euclidean does: each edge is sampled every
 * epochs_per_sample = max(w) / w epochs, each sample moves head and tail
 * towards each other by the same clipped step and is followed by
 * negative_sample_rate uniformly drawn negatives, each moving the head alone
 * from its updated position (a negative at the head's very position, other
 * than the head itself, pushes it by 4 alpha along every axis); every
 * gradient component is clipped to [-4, 4], the step alpha decays linearly
 * from learning_rate.
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
#include "reduce/layout.h"
#include "util/cpu.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The epoch kernel of the CPU's level, chosen once per layout. */
static tc_layout_epoch_fn *epoch_kernel(void) {
#if TC_CPU_X86
    if (tc_cpu_level() >= TC_CPU_AVX512) return tc_layout_epoch_avx512;
#endif
    return tc_layout_epoch_baseline;
}

int tc_umap_layout(const tc_csr *g, const tc_layout_params *lp, float *emb) {
    size_t n = g->n, nnz = g->nnz;
    int dim = lp->dim, ne = lp->n_epochs, nt = tc_threads(lp->n_threads);
    tc_layout_epoch_fn *epoch = epoch_kernel();
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
    /* the bar starts before the schedule: at a million points it takes a second */
    tc_meter meter;
    int stop = tc_meter_start(&meter, lp->progress, lp->progress_ctx, "umap", (size_t)ne);
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
    if (!stop) stop = tc_meter_tick(&meter);
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
    if (!stop) stop = tc_meter_tick(&meter);
    for (int t = 0; t < nt; t++) bk[t].meter = &meter;
    for (int ep = 0; ep < ne && !rc && !stop; ep++) {
        /* umap-learn lowers alpha after an epoch from the epoch's own index,
         * so epochs 0 and 1 both run at the full rate */
        float alpha = (float)(lp->learning_rate * (1.0 - (double)(ep > 0 ? ep - 1 : 0) / ne));
        if (nt > 1) memcpy(pos + n * dim, pos, n * dim * sizeof *pos);
#pragma omp parallel for schedule(static, 1) num_threads(nt)
        for (int t = 0; t < nt; t++) {
            if (epoch(&bk[t], g, &sc, ep, lp, pos, alpha) != 0) {
#pragma omp atomic write
                rc = TC_ENOMEM;
            }
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
        tc_meter_add(&meter, 1);
        stop = ep + 1 == ne ? tc_meter_report(&meter, (size_t)ne) : tc_meter_tick(&meter);
    }
    if (rc) goto nomem;
    if (stop) {
        rc = stop;
        goto done;
    }
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
