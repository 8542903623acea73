/* encoder.c - picks a sentence encoder by name or folder and forwards to it. */
#include "embed/encoder.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

tc_encoder_params tc_encoder_default_params(void) {
    tc_encoder_params p = {0};
    return p;
}

const char *tc_default_encoder(void) { return "hashing"; }

int tc_encoder_open(const char *model, const tc_encoder_params *p, tc_encoder **out) {
    *out = NULL;
    if (!model) model = tc_default_encoder();
    tc_encoder *e = calloc(1, sizeof *e);
    if (!e) return tc_error(TC_ENOMEM, "out of memory opening encoder");
    e->p = p ? *p : tc_encoder_default_params();
    e->p.n_threads = tc_threads(e->p.n_threads);
    int rc;
    if (strcmp(model, "hashing") == 0 || strcmp(model, "hashing-512") == 0)
        rc = tc_hashing_open(e);
    else
        rc = tc_error(TC_ENOTFOUND, "unknown embedding model '%s' (known: hashing)", model);
    if (rc) { free(e); return rc; }
    *out = e;
    return 0;
}

int tc_encoder_dim(const tc_encoder *e) { return e->dim; }
const char *tc_encoder_name(const tc_encoder *e) { return e->name; }

int tc_encoder_embed(tc_encoder *e, const char *const *texts, size_t n, float *out) {
    if (!e || (n && (!texts || !out))) return tc_error(TC_EINVAL, "tc_encoder_embed: NULL argument");
    for (size_t i = 0; i < n; i++)
        if (!texts[i]) return tc_error(TC_EINVAL, "tc_encoder_embed: text %zu is NULL", i);
    return n ? e->vt->embed(e, texts, n, out) : 0;
}

void tc_encoder_free(tc_encoder *e) {
    if (!e) return;
    if (e->vt && e->vt->free) e->vt->free(e);
    free(e);
}
