/* encoder.c - picks a sentence encoder by name or folder and forwards to it. */
#include "embed/encoder.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

tc_encoder_params tc_encoder_default_params(void) {
    tc_encoder_params p = {0};
    return p;
}

/* A folder (or any path with a slash) names a USE-lite model folder; the
 * opener says what is missing from it. */
static int is_model_dir(const char *path) {
    struct stat st;
    return strchr(path, '/') || (stat(path, &st) == 0 && S_ISDIR(st.st_mode));
}

const char *tc_default_encoder(void) { return "use-lite"; }

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
    else if (strcmp(model, "use-lite") == 0)
        rc = tc_use_lite_open(NULL, e);
    else if (is_model_dir(model))
        rc = tc_use_lite_open(model, e);
    else
        rc = tc_error(TC_ENOTFOUND, "unknown embedding model '%s' (known: use-lite, hashing, or a folder "
                      "with model.json and vocab.json)", model);
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
