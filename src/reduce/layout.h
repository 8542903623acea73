/* layout.h - private to the UMAP layout: the per-thread blocks and edge
 * schedule of layout.c, and the epoch kernel (layout_epoch.c) that runs
 * one block's samples of one epoch, compiled once per CPU level. */
#ifndef TC_REDUCE_LAYOUT_H
#define TC_REDUCE_LAYOUT_H

#include "reduce/reduce.h"

#include <stddef.h>
#include <stdint.h>

/* 16 single-precision lanes fill one 512-bit register (two 256-bit ones);
 * 32 or 64 lanes were slower here (2.4x, 1.9x: registers spill). */
enum { LANES = 16, DIM_MAX = 64 };

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
    tc_meter *meter;      /* "umap": polled every 1024 steps (block 0 on the calling thread) */
} block_t;

/* The sampling schedule of every edge, as umap-learn's epochs_per_sample. */
typedef struct {
    float *every;     /* (nnz) epochs between samples (INFINITY: never) */
    float *next;      /* (nnz) epoch of the next sample */
    float *next_neg;  /* (nnz) epoch of the next negative sample */
    float rate;       /* negative samples per sample */
    int32_t *row;     /* (nnz) head of each edge */
} sched_t;

/* One epoch of block bk: collects the block's due samples, advances their
 * schedule and moves the layout pos (2n or n, dim; see epoch_block) by
 * them with step alpha. 0, or TC_ENOMEM; stops early, returning 0, once
 * bk->meter is stopped (the caller's tick then says TC_ECANCELED). Per CPU level (layout_epoch.c):
 * every level gives the same numbers (tests/test_cpu.c). */
typedef int tc_layout_epoch_fn(block_t *bk, const tc_csr *g, sched_t *sc, int ep,
                               const tc_layout_params *lp, float *pos, float alpha);
tc_layout_epoch_fn tc_layout_epoch_baseline, tc_layout_epoch_avx512;

#endif
