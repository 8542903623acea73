/* hybrid.c - "MODEL+tfidf": a sentence encoder's vector and the tfidf
 * encoder's, each of unit length, side by side with the TF-IDF half scaled
 * by w, then renormalised: [a, w b] / sqrt(1 + w^2). The cosine of two such
 * vectors is (cos_a + w^2 cos_b) / (1 + w^2), so w^2 is the share the
 * corpus's own vocabulary gets against the encoder's sense of meaning. The
 * weight is saved with the tfidf model (tfidf.bin). */
#include "embed/tfidf.h"
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_TEXTS 8192   /* texts embedded by both halves at a time */

typedef struct hybrid_impl {
    tc_encoder *inner, *tf;
    float weight;
} hybrid_impl;

/* The sentence encoder reports from inside its batches into the hybrid's
 * bar: done of a chunk starting at text lo is lo + done of n. */
typedef struct { const tc_encoder *e; size_t lo, n; } chunk_progress;

static int chunk_report(void *ctx, const char *stage, size_t done, size_t total) {
    const chunk_progress *c = ctx;
    (void)total;
    return c->e->p.progress(c->e->p.progress_ctx, stage, c->lo + done, c->n);
}

static int hybrid_embed(tc_encoder *e, const char *const *texts, size_t n, float *out) {
    hybrid_impl *h = e->impl;
    chunk_progress cp = {e, 0, n};
    h->inner->p.progress = e->p.progress ? chunk_report : NULL;
    h->inner->p.progress_ctx = &cp;
    int da = h->inner->dim, db = h->tf->dim, d = da + db;
    size_t chunk = n < CHUNK_TEXTS ? n : CHUNK_TEXTS;
    float *a = malloc(chunk * (size_t)da * sizeof *a), *b = malloc(chunk * (size_t)db * sizeof *b);
    int rc = a && b ? 0 : tc_error(TC_ENOMEM, "out of memory embedding with %s", e->name);
    float s = 1.0f / sqrtf(1.0f + h->weight * h->weight), sw = h->weight * s;
    for (size_t lo = 0; !rc && lo < n; lo += chunk) {
        size_t m = n - lo < chunk ? n - lo : chunk;
        cp.lo = lo;
        if ((rc = tc_encoder_embed(h->inner, texts + lo, m, a))) break;
        if ((rc = tc_encoder_embed(h->tf, texts + lo, m, b))) break;
        for (size_t i = 0; i < m; i++) {
            float *o = out + (lo + i) * (size_t)d;
            for (int c = 0; c < da; c++) o[c] = s * a[i * (size_t)da + c];
            for (int c = 0; c < db; c++) o[da + c] = sw * b[i * (size_t)db + c];
        }
    }
    h->inner->p.progress = NULL;
    free(a), free(b);
    return rc;
}

static int hybrid_fit(tc_encoder *e, const char *const *texts, size_t n) {
    hybrid_impl *h = e->impl;
    h->tf->p.progress = e->p.progress, h->tf->p.progress_ctx = e->p.progress_ctx; /* "tfidf" */
    int rc = h->tf->vt->fit(h->tf, texts, n);
    h->tf->p.progress = NULL;
    if (!rc) e->dim = h->inner->dim + h->tf->dim;
    return rc;
}

static int hybrid_state(const tc_encoder *e, void **buf, size_t *len) {
    const hybrid_impl *h = e->impl;
    tc_tfidf_set_weight(h->tf, h->weight);
    return h->tf->vt->state(h->tf, buf, len);
}

static int hybrid_set_state(tc_encoder *e, const void *buf, size_t len, const char *what) {
    hybrid_impl *h = e->impl;
    int rc = h->tf->vt->set_state(h->tf, buf, len, what);
    if (rc) return rc;
    h->weight = tc_tfidf_encoder_model(h->tf)->weight;
    e->dim = h->inner->dim + h->tf->dim;
    return 0;
}

static void hybrid_free(tc_encoder *e) {
    hybrid_impl *h = e->impl;
    if (!h) return;
    tc_encoder_free(h->inner);
    tc_encoder_free(h->tf);
    free(h);
}

static const tc_encoder_vt hybrid_vt = {hybrid_embed, hybrid_free, hybrid_fit, hybrid_state, hybrid_set_state};

int tc_hybrid_open(const char *inner, tc_encoder *e) {
    hybrid_impl *h = calloc(1, sizeof *h);
    if (!h) return tc_error(TC_ENOMEM, "out of memory opening %s+tfidf", inner);
    tc_encoder_params q = e->p;
    q.progress = NULL;  /* set while the hybrid runs a half that reports */
    int rc = tc_encoder_open(inner, &q, &h->inner);
    if (!rc && h->inner->vt->fit)
        rc = tc_error(TC_EINVAL, "%s+tfidf: the first half must be a sentence encoder, not %s", inner, inner);
    if (!rc) rc = tc_encoder_open("tfidf", &q, &h->tf);
    if (!rc && snprintf(e->name, sizeof e->name, "%s+tfidf", tc_encoder_name(h->inner)) >= (int)sizeof e->name)
        rc = tc_error(TC_EINVAL, "%s+tfidf: model name too long", inner);
    if (rc) {
        tc_encoder_free(h->inner);
        tc_encoder_free(h->tf);
        free(h);
        return rc;
    }
    h->weight = e->p.hybrid_weight > 0 ? e->p.hybrid_weight : TC_HYBRID_WEIGHT;
    e->vt = &hybrid_vt;
    e->impl = h;
    e->dim = h->inner->dim + h->tf->dim;
    e->dtype = h->inner->dtype;   /* the products that run are the sentence encoder's */
    return 0;
}
