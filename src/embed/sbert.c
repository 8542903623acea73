/* sbert.c - sentence-transformers BERT models behind tc_encoder: WordPiece ids
 * (wordpiece.c) into the BERT forward pass (bert.c), in chunks of texts so
 * that memory stays bounded whatever n is. Rows come out of unit length, as
 * tc_encoder promises and the reference asks for (encode with
 * normalize_embeddings=True): a model without a Normalize module is
 * normalised here as torch's F.normalize does (|v| floored at 1e-12). */
#include "embed/bert.h"
#include "embed/encoder.h"
#include "embed/wordpiece.h"
#include "util/util.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_TEXTS 4096   /* texts tokenised, then embedded, at a time */

typedef struct sbert_impl {
    tc_wordpiece *wp;
    tc_bert *bert;
    int max_len;
} sbert_impl;

static int sbert_embed(tc_encoder *e, const char *const *texts, size_t n, float *out);
static void sbert_free(tc_encoder *e);
static const tc_encoder_vt sbert_vt = {sbert_embed, sbert_free};

int tc_sbert_open(const char *dir, const char *id, tc_encoder *e) {
    sbert_impl *s = calloc(1, sizeof *s);
    if (!s) return tc_error(TC_ENOMEM, "out of memory opening %s", id);
    int rc = tc_bert_load(dir, &s->bert);
    if (!rc) rc = tc_wordpiece_open(dir, &s->wp);
    if (!rc && tc_wordpiece_vocab_size(s->wp) > tc_bert_vocab_size(s->bert))
        rc = tc_error(TC_EFORMAT, "%s: the tokenizer has %d ids but the model only %d embeddings "
                      "(vocab_size in config.json)", dir, tc_wordpiece_vocab_size(s->wp),
                      tc_bert_vocab_size(s->bert));
    if (!rc) {
        if (e->p.max_length > 0 && (rc = tc_bert_set_max_len(s->bert, e->p.max_length)))
            rc = tc_error(rc, "--embed_max_length %d: %s takes 2 to %d tokens", e->p.max_length, id,
                          tc_bert_max_positions(s->bert));
        s->max_len = tc_bert_max_len(s->bert);
    }
    if (rc) {
        tc_wordpiece_free(s->wp);
        tc_bert_free(s->bert);
        free(s);
        return rc;
    }
    e->vt = &sbert_vt;
    e->impl = s;
    e->dim = tc_bert_dim(s->bert);
    snprintf(e->name, sizeof e->name, "%s", id);
    return 0;
}

static void sbert_free(tc_encoder *e) {
    sbert_impl *s = e->impl;
    if (!s) return;
    tc_wordpiece_free(s->wp);
    tc_bert_free(s->bert);
    free(s);
}

static void normalize_rows(float *v, size_t n, int dim) {
    for (size_t i = 0; i < n; i++, v += dim) {
        double ss = 0;
        for (int j = 0; j < dim; j++) ss += (double)v[j] * v[j];
        const float inv = (float)(1.0 / fmax(sqrt(ss), 1e-12));
        for (int j = 0; j < dim; j++) v[j] *= inv;
    }
}

static int sbert_embed(tc_encoder *e, const char *const *texts, size_t n, float *out) {
    const sbert_impl *s = e->impl;
    const int threads = e->p.n_threads, max_len = s->max_len, dim = e->dim;
    const size_t chunk = n < CHUNK_TEXTS ? n : CHUNK_TEXTS;
    int32_t *ids = malloc(chunk * (size_t)max_len * sizeof *ids);
    const int32_t **rows = malloc(chunk * sizeof *rows);
    int *len = malloc(chunk * sizeof *len);
    int rc = 0;
    if (!ids || !rows || !len) rc = tc_error(TC_ENOMEM, "%s: out of memory for %zu texts' token ids", e->name, chunk);
    for (size_t c0 = 0; !rc && c0 < n; c0 += chunk) {
        const int cn = (int)(n - c0 < chunk ? n - c0 : chunk);
        int tok_rc = 0, bad = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 16)
        for (int i = 0; i < cn; i++) {
            const char *t = texts[c0 + (size_t)i];
            int32_t *row = ids + (size_t)i * max_len;
            int k = tc_wordpiece_encode(s->wp, t, strlen(t), max_len, row);
            if (k < 0) {
#pragma omp critical
                if (!tok_rc) tok_rc = k, bad = i;
                k = 0;
            }
            rows[i] = row;
            len[i] = k;
        }
        if (tok_rc) {   /* the worker's message stays on its thread */
            rc = tc_error(tok_rc, "%s: tokenizing text %zu failed (%s)", e->name, c0 + (size_t)bad,
                          tc_strerror(tok_rc));
            break;
        }
        float *v = out + c0 * (size_t)dim;
        rc = tc_bert_embed_ids(s->bert, rows, len, (size_t)cn, threads, v);
        if (!rc && !tc_bert_normalizes(s->bert)) normalize_rows(v, (size_t)cn, dim);
        tc_progress(e->p.progress, e->p.progress_ctx, "embed", c0 + (size_t)cn, n);
    }
    free(ids); free(rows); free(len);
    return rc;
}
