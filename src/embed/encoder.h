/* encoder.h - the seam behind tc_encoder: each model fills in a vtable.
 * tc_encoder_open picks the model; tc_encoder_embed checks its arguments and
 * calls ->embed, which alone answers for the unit rows (no check at run
 * time: the tests compare each encoder with its reference). */
#ifndef TC_ENCODER_H
#define TC_ENCODER_H

#include "textclust.h"

typedef struct tc_encoder_vt {
    /* Embeds n texts into out (n, dim); rows unit-norm. */
    int (*embed)(tc_encoder *e, const char *const *texts, size_t n, float *out);
    /* Frees e->impl (not e). */
    void (*free)(tc_encoder *e);
    /* Encoders that learn from the texts of a fit (tfidf, MODEL+tfidf)
     * set the three below; the others leave them NULL. fit may change dim;
     * state is what a save folder keeps (malloc'd bytes), set_state takes
     * it back (what names the bytes in messages). */
    int (*fit)(tc_encoder *e, const char *const *texts, size_t n);
    int (*state)(const tc_encoder *e, void **buf, size_t *len);
    int (*set_state)(tc_encoder *e, const void *buf, size_t len, const char *what);
} tc_encoder_vt;

struct tc_encoder {
    const tc_encoder_vt *vt;
    int dim;
    char name[128];          /* model id, e.g. "use-lite" */
    int dtype;               /* TC_DTYPE_* the products run in (fp32 unless the opener says) */
    tc_encoder_params p;     /* n_threads resolved */
    void *impl;
};

/* Each model's opener fills e (vt, dim, name, impl); e->p is already set. */
int tc_hashing_open(tc_encoder *e);
int tc_use_lite_open(const char *model_dir, tc_encoder *e);
/* A sentence-transformers BERT folder (sbert.c); id is the name saved with results. */
int tc_sbert_open(const char *dir, const char *id, tc_encoder *e);
/* tfidf and MODEL+tfidf: embed/tfidf.h. */

#endif
