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
} tc_encoder_vt;

struct tc_encoder {
    const tc_encoder_vt *vt;
    int dim;
    char name[128];          /* model id, e.g. "use-lite" */
    tc_encoder_params p;     /* n_threads resolved */
    void *impl;
};

/* Each model's opener fills e (vt, dim, name, impl); e->p is already set. */
int tc_hashing_open(tc_encoder *e);
int tc_use_lite_open(const char *model_dir, tc_encoder *e);
/* A sentence-transformers BERT folder (sbert.c); id is the name saved with results. */
int tc_sbert_open(const char *dir, const char *id, tc_encoder *e);

#endif
