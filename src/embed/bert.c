/* bert.c - the fast BERT encoder: the forward pass (Devlin et al., "BERT", 2018, as
 * transformers' BertModel computes it) with sentence-transformers' pooling
 * and normalisation, on token ids. Loading is bert_load.c; the forward
 * pass of one batch is bert_forward.c (one variant per CPU level, chosen
 * once per call); bert_naive.c is the plain reference the tests compare
 * this with.
 *
 *   embeddings  x = LN(word[id] + type[0] + pos[i])          (d per token)
 *   layer       [q k v] = x Wqkv^T + b                        (d -> 3d)
 *               ctx = softmax(q k^T / sqrt(d_head)) v          per head
 *               x = LN(x + ctx Wo^T + bo)                     post-norm
 *               x = LN(x + act(x W1^T + b1) W2^T + b2)         (d -> d_ff -> d)
 *   pooling     cls / max / mean / mean_sqrt_len over the text's tokens,
 *               concatenated in that order; then x / max(|x|, 1e-12) when
 *               a Normalize module follows.
 *
 * One text never attends to another, and padding never reaches a real
 * token, so a batch is its texts' tokens packed row after row without any
 * padding (no mask needed): the weight products are sgemm calls over all
 * rows of a batch (torch Linear weights used as stored, (out, in), through
 * CblasTrans: measured as fast as a transposed copy), attention runs per
 * text and head as two sgemm calls on strided slices of qkv. Biases and
 * activations are fused into the passes that follow a product (the layer
 * norm, the activation), so each product's output is read once more at most.
 *
 * Texts are sorted by length and cut into batches of about BATCH_ROWS
 * tokens; n_threads workers take whole batches in turn, longest first, each
 * with single-threaded BLAS, so the non-BLAS parts run in parallel too and a
 * batch's result does not depend on the thread count. */
#include "embed/bert_model.h"
#include "util/cpu.h"
#include "util/util.h"

#include <cblas.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_ROWS 512    /* tokens per forward pass of a worker */

/* ---------------------------------------------------------------- embed */

typedef struct { int len, idx; } len_idx;

static int by_len(const void *a, const void *b) {
    const len_idx *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

typedef struct bert_worker {
    bert_work w;
    const int32_t **bids;   /* (texts_cap) */
    int *blen, *boff;       /* (texts_cap) */
    float **bout;           /* (texts_cap) */
} bert_worker;

typedef struct bert_job {
    const tc_bert *m;
    const int32_t *const *ids;
    const len_idx *order;     /* non-empty texts by length */
    const int *batch_start;   /* (n_batches + 1) into order */
    int n_batches;
    float *out;
    tc_bert_forward_fn *forward;  /* the CPU level's, chosen once per call */
    int next;                 /* batches taken so far (atomic); the longest go first */
    bert_worker *workers;
    tc_meter *meter;          /* texts done; NULL = none */
} bert_job;

typedef struct { bert_job *job; int id; } bert_arg;

static tc_bert_forward_fn *forward_kernel(void) {
#if TC_CPU_X86
    if (tc_cpu_level() >= TC_CPU_AVX512) return tc_bert_forward_avx512;
#endif
    return tc_bert_forward_baseline;
}

static void *worker_main(void *arg) {
    bert_job *j = ((bert_arg *)arg)->job;
    bert_worker *k = &j->workers[((bert_arg *)arg)->id];
    for (;;) {
        if (tc_meter_stopped(j->meter)) break;
        int taken = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
        if (taken >= j->n_batches) break;
        int b = j->n_batches - 1 - taken;
        int b0 = j->batch_start[b], bn = j->batch_start[b + 1] - b0;
        for (int i = 0; i < bn; i++) {
            const len_idx *o = &j->order[b0 + i];
            k->bids[i] = j->ids[o->idx];
            k->blen[i] = o->len;
            k->bout[i] = j->out + (size_t)o->idx * j->m->dim;
        }
        j->forward(j->m, bn, k->bids, k->blen, k->boff, &k->w, k->bout);
        tc_meter_add(j->meter, (size_t)bn);
        if (((bert_arg *)arg)->id == 0) tc_meter_tick(j->meter); /* the calling thread */
    }
    return NULL;
}

static int worker_init(bert_worker *k, const tc_bert *m, int rows_cap) {
    bert_work *w = &k->w;
    size_t r = (size_t)rows_cap;
    w->x = malloc(r * m->d * sizeof(float));
    w->qkv = malloc(r * 3 * m->d * sizeof(float));
    w->ctx = malloc(r * m->d * sizeof(float));
    w->ff = malloc(r * m->d_ff * sizeof(float));
    w->s = malloc((size_t)m->max_len * ((m->max_len + 15) & ~15) * sizeof(float));
    w->inv = malloc((size_t)m->max_len * sizeof(float));
    k->bids = malloc(r * sizeof *k->bids);
    k->blen = malloc(r * sizeof *k->blen);
    k->boff = malloc(r * sizeof *k->boff);
    k->bout = malloc(r * sizeof *k->bout);
    return w->x && w->qkv && w->ctx && w->ff && w->s && w->inv && k->bids && k->blen && k->boff && k->bout;
}

static void worker_free(bert_worker *k) {
    bert_work *w = &k->w;
    free(w->x); free(w->qkv); free(w->ctx); free(w->ff); free(w->s); free(w->inv);
    free(k->bids); free(k->blen); free(k->boff); free(k->bout);
}

int tc_bert_embed_ids(const tc_bert *m, const int32_t *const *ids, const int *len, size_t n, int n_threads,
                      float *out) {
    return tc_bert_embed_ids_metered(m, ids, len, n, n_threads, NULL, out);
}

int tc_bert_embed_ids_metered(const tc_bert *m, const int32_t *const *ids, const int *len, size_t n,
                              int n_threads, tc_meter *meter, float *out) {
    if (n > INT32_MAX) return tc_error(TC_EINVAL, "bert (%s): %zu texts in one call, at most %d", m->dir, n, INT32_MAX);
    for (size_t i = 0; i < n; i++) {
        if (len[i] < 0 || len[i] > m->max_len)
            return tc_error(TC_EINVAL, "bert (%s): text %zu has %d token ids, the model takes 0 to %d", m->dir, i,
                            len[i], m->max_len);
        for (int k = 0; k < len[i]; k++)
            if (ids[i][k] < 0 || ids[i][k] >= m->vocab)
                return tc_error(TC_EINVAL, "bert (%s): text %zu: token id %d is outside the vocabulary (%d)",
                                m->dir, i, ids[i][k], m->vocab);
    }
    if (n == 0) return 0;
    const int rows_cap = BATCH_ROWS > m->max_len ? BATCH_ROWS : m->max_len;
    int threads = tc_threads(n_threads);
    len_idx *order = malloc(n * sizeof *order);
    int *batch_start = malloc((n + 1) * sizeof *batch_start);
    int rc = order && batch_start ? 0 : TC_ENOMEM;
    size_t n_full = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        if (len[i] > 0) order[n_full++] = (len_idx){len[i], (int)i};
        else memset(out + i * (size_t)m->dim, 0, (size_t)m->dim * sizeof *out);
    }
    int n_batches = 0;
    if (!rc) {
        qsort(order, n_full, sizeof *order, by_len);
        for (size_t b0 = 0; b0 < n_full;) {
            size_t bn = 0;
            int rows = 0;
            while (b0 + bn < n_full && rows + order[b0 + bn].len <= rows_cap) rows += order[b0 + bn++].len;
            batch_start[n_batches++] = (int)b0;
            b0 += bn;
        }
        batch_start[n_batches] = (int)n_full;
        if (threads > n_batches) threads = n_batches > 0 ? n_batches : 1;
    }
    bert_worker *workers = rc ? NULL : calloc((size_t)threads, sizeof *workers);
    pthread_t *tid = rc ? NULL : malloc((size_t)threads * sizeof *tid);
    bert_arg *args = rc ? NULL : malloc((size_t)threads * sizeof *args);
    if (!workers || !tid || !args) rc = TC_ENOMEM;
    for (int t = 0; !rc && t < threads; t++)
        if (!worker_init(&workers[t], m, rows_cap)) rc = TC_ENOMEM;
    if (rc) rc = tc_error(TC_ENOMEM, "bert (%s): out of memory for %d workers' batches", m->dir, threads);
    if (!rc && n_batches > 0) {
        bert_job job = {m, ids, order, batch_start, n_batches, out, forward_kernel(), 0, workers, meter};
        tc_blas_serial();
        int started = 0;
        for (int t = 1; t < threads; t++) {
            args[t] = (bert_arg){&job, t};
            if (pthread_create(&tid[t], NULL, worker_main, &args[t]) != 0) break;
            started = t;
        }
        args[0] = (bert_arg){&job, 0};
        worker_main(&args[0]);
        for (int t = 1; t <= started; t++) pthread_join(tid[t], NULL);
        if (tc_meter_stopped(meter)) rc = tc_error(TC_ECANCELED, "%s: canceled", meter->stage);
    }
    for (int t = 0; workers && t < threads; t++) worker_free(&workers[t]);
    free(workers); free(tid); free(args); free(order); free(batch_start);
    return rc;
}
