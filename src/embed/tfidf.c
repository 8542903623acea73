/* tfidf.c - the corpus-fitted encoder behind "tfidf": TF-IDF rows of the
 * texts (tfidf_vocab.c) projected on the top right singular vectors of the
 * training matrix (tfidf_svd.c), as scikit-learn's TfidfVectorizer +
 * TruncatedSVD + Normalizer pipeline does (latent semantic analysis:
 * Deerwester et al. 1990). It must be fitted (tc_encoder_fit: textclust run
 * does it on its texts) before it embeds; what it learned travels in the
 * save folder as tfidf.bin (tfidf_file.c). Training texts and new ones go
 * through the same transform, so a loaded model gives a training text the
 * vector it had at fit. */
#include "embed/tfidf.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_TEXTS 16384   /* texts turned into sparse rows at a time by embed */

typedef struct tfidf_impl {
    tc_tfidf_model m;
    int fitted;
    int want_dim;           /* --embed_dim */
} tfidf_impl;

static int tfidf_embed(tc_encoder *e, const char *const *texts, size_t n, float *out) {
    tfidf_impl *t = e->impl;
    if (!t->fitted)
        return tc_error(TC_EINVAL, "%s: the encoder is not fitted: it learns its vocabulary from the texts "
                        "of a run (textclust run), and infer reads it from the save folder's tfidf.bin", e->name);
    tc_meter meter;
    int rc = tc_meter_start(&meter, e->p.progress, e->p.progress_ctx, "embed", n);
    for (size_t b = 0; b < n && !rc; b += CHUNK_TEXTS) {
        size_t m = n - b < CHUNK_TEXTS ? n - b : CHUNK_TEXTS;
        tc_tfidf_rows x;
        if ((rc = tc_tfidf_transform(&t->m, texts + b, m, e->p.n_threads, &meter, &x))) break;
        tc_tfidf_project(&x, t->m.basis, (int)t->m.dim, e->p.n_threads, out + b * t->m.dim);
        tc_tfidf_rows_free(&x);
        rc = tc_meter_report(&meter, b + m);
    }
    return rc;
}

static int tfidf_fit(tc_encoder *e, const char *const *texts, size_t n) {
    tfidf_impl *t = e->impl;
    float weight = t->m.weight;
    tc_tfidf_model_free(&t->m);
    t->fitted = 0;
    t->m.weight = weight;
    tc_tfidf_opts o = tc_tfidf_default_opts();
    /* three steps (vocabulary, rows, SVD), each ticking from inside */
    tc_meter meter;
    int rc = tc_meter_start(&meter, e->p.progress, e->p.progress_ctx, "tfidf", 3);
    if (!rc) rc = tc_tfidf_vocab_fit(texts, n, &o, e->p.n_threads, &meter, &t->m);
    if (!rc) rc = tc_meter_report(&meter, 1);
    if (rc) return rc;
    tc_tfidf_rows x;
    if ((rc = tc_tfidf_transform(&t->m, texts, n, e->p.n_threads, &meter, &x))) return rc;
    if ((rc = tc_meter_report(&meter, 2))) {
        tc_tfidf_rows_free(&x);
        return rc;
    }
    /* fewer texts or terms than asked for cap the rank */
    size_t k = (size_t)t->want_dim;
    if (k > n) k = n;
    if (k > t->m.n_terms) k = t->m.n_terms;
    t->m.dim = (uint32_t)k;
    t->m.basis = malloc((size_t)t->m.n_terms * k * sizeof *t->m.basis);
    if (!t->m.basis) rc = tc_error(TC_ENOMEM, "out of memory for a %u x %zu SVD basis", t->m.n_terms, k);
    if (!rc) rc = tc_tfidf_svd(&x, (int)k, TC_TFIDF_OVERSAMPLE, TC_TFIDF_POWER_ITERS, e->p.seed,
                               e->p.n_threads, &meter, t->m.basis, NULL);
    tc_tfidf_rows_free(&x);
    if (!rc) rc = tc_meter_report(&meter, 3);
    if (rc) return rc;
    t->fitted = 1;
    e->dim = (int)k;
    return 0;
}

static int tfidf_state(const tc_encoder *e, void **buf, size_t *len) {
    const tfidf_impl *t = e->impl;
    *buf = NULL, *len = 0;
    if (!t->fitted) return tc_error(TC_EINVAL, "%s: not fitted, nothing to save", e->name);
    return tc_tfidf_model_write(&t->m, buf, len);
}

static int tfidf_set_state(tc_encoder *e, const void *buf, size_t len, const char *what) {
    tfidf_impl *t = e->impl;
    tc_tfidf_model m = {0};
    int rc = tc_tfidf_model_read(buf, len, what, &m);
    if (rc) return rc;
    tc_tfidf_model_free(&t->m);
    t->m = m;
    t->fitted = 1;
    e->dim = (int)m.dim;
    return 0;
}

static void tfidf_free(tc_encoder *e) {
    tfidf_impl *t = e->impl;
    if (!t) return;
    tc_tfidf_model_free(&t->m);
    free(t);
}

static const tc_encoder_vt tfidf_vt = {tfidf_embed, tfidf_free, tfidf_fit, tfidf_state, tfidf_set_state};

int tc_tfidf_open(tc_encoder *e) {
    tfidf_impl *t = calloc(1, sizeof *t);
    if (!t) return tc_error(TC_ENOMEM, "out of memory opening tfidf");
    t->want_dim = e->p.dim > 0 ? e->p.dim : TC_TFIDF_DIM;
    t->m.weight = 1;
    e->vt = &tfidf_vt;
    e->impl = t;
    e->dim = t->want_dim;
    strcpy(e->name, "tfidf");
    return 0;
}

const tc_tfidf_model *tc_tfidf_encoder_model(const tc_encoder *e) {
    if (!e || e->vt != &tfidf_vt) return NULL;
    const tfidf_impl *t = e->impl;
    return t->fitted ? &t->m : NULL;
}

void tc_tfidf_set_weight(tc_encoder *e, float w) {
    if (e && e->vt == &tfidf_vt) ((tfidf_impl *)e->impl)->m.weight = w;
}
