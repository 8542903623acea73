/* encoder.c - picks a sentence encoder by name or folder and forwards to it. */
#include "embed/encoder.h"
#include "embed/mm.h"
#include "embed/tfidf.h"
#include "io/hub.h"
#include "util/util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

tc_encoder_params tc_encoder_default_params(void) {
    tc_encoder_params p = {0};
    return p;
}

/* The hybrid: better clusters than use-lite alone on all three shared corpora
 * (bench/quality.md). It needs a fit, so textclust embed keeps use-lite. */
const char *tc_default_encoder(void) { return "use-lite+tfidf"; }

/* A local folder: sentence-transformers (config.json) or USE-lite
 * (model.json). A BERT folder is saved under its absolute path, so that infer
 * finds it from any working directory. */
static int open_dir(const char *dir, tc_encoder *e) {
    if (tc_file_in(dir, "model.json") && !tc_file_in(dir, "config.json")) return tc_use_lite_open(dir, e);
    if (!tc_file_in(dir, "config.json"))
        return tc_error(TC_ENOTFOUND, "%s: neither a sentence-transformers model folder (config.json, "
                        "modules.json, model.safetensors) nor a USE-lite one (model.json, vocab.json; scripts/setup.sh "
                        "installs the default one)", dir);
    char abs[4096];
    if (!realpath(dir, abs)) return tc_error(TC_EIO, "%s: %s", dir, strerror(errno));
    return tc_sbert_open(dir, abs, e);
}

/* A hub id: ORG/NAME[@REV] in the Hugging Face cache, downloaded when
 * missing. A bare NAME is sentence-transformers/NAME, as
 * SentenceTransformer("all-MiniLM-L6-v2") has it, but only from the cache:
 * a mistyped encoder name should not start a download. */
static int open_hub(const char *model, tc_encoder *e) {
    char id[512], dir[4096];
    const int bare = !memchr(model, '/', strcspn(model, "@"));
    snprintf(id, sizeof id, "%s%s", bare ? "sentence-transformers/" : "", model);
    int rc = tc_hub_resolve(id, !bare, isatty(STDERR_FILENO), dir, sizeof dir);   /* a bar on a terminal only */
    if (rc == TC_ENOTFOUND && bare)
        return tc_error(TC_ENOTFOUND, "unknown embedding model '%s': not use-lite or hashing, not a folder, and "
                        "sentence-transformers/%s is not in the Hugging Face cache (name it so to download it)",
                        model, model);
    return rc ? rc : tc_sbert_open(dir, id, e);
}

int tc_encoder_open(const char *model, const tc_encoder_params *p, tc_encoder **out) {
    *out = NULL;
    if (!model) model = tc_default_encoder();
    tc_encoder *e = calloc(1, sizeof *e);
    if (!e) return tc_error(TC_ENOMEM, "out of memory opening encoder");
    e->p = p ? *p : tc_encoder_default_params();
    e->p.n_threads = tc_threads(e->p.n_threads);
    e->dtype = TC_DTYPE_FP32;
    if (e->p.dtype < TC_DTYPE_AUTO || e->p.dtype > TC_DTYPE_INT8) {
        const int bad = e->p.dtype;
        free(e);
        return tc_error(TC_EINVAL, "embed dtype %d: not fp32, bf16, int8 or auto", bad);
    }
    struct stat st;
    int rc;
    size_t len = strlen(model);
    if (strcmp(model, "tfidf") == 0)
        rc = tc_tfidf_open(e);
    else if (len > 6 && strcmp(model + len - 6, "+tfidf") == 0) {
        char inner[4096];
        snprintf(inner, sizeof inner, "%.*s", (int)(len - 6), model);
        rc = tc_hybrid_open(inner, e);
    } else if (strcmp(model, "hashing") == 0 || strcmp(model, "hashing-512") == 0)
        rc = tc_hashing_open(e);
    else if (strcmp(model, "use-lite") == 0)
        rc = tc_use_lite_open(NULL, e);
    else if (stat(model, &st) == 0 && S_ISDIR(st.st_mode))
        rc = open_dir(model, e);
    else if (tc_hub_is_id(model) && !(model[0] == '.' || model[0] == '/'))
        rc = open_hub(model, e);
    else
        rc = tc_error(TC_ENOTFOUND, "unknown embedding model '%s' (known: use-lite, tfidf, use-lite+tfidf, hashing, a model folder, "
                      "or a Hugging Face id such as sentence-transformers/all-MiniLM-L6-v2)", model);
    if (rc) { free(e); return rc; }
    *out = e;
    return 0;
}

int tc_encoder_dim(const tc_encoder *e) { return e->dim; }
const char *tc_encoder_name(const tc_encoder *e) { return e->name; }
const char *tc_encoder_dtype(const tc_encoder *e) { return tc_dtype_name(e->dtype); }

int tc_encoder_embed(tc_encoder *e, const char *const *texts, size_t n, float *out) {
    if (!e || (n && (!texts || !out))) return tc_error(TC_EINVAL, "tc_encoder_embed: NULL argument");
    for (size_t i = 0; i < n; i++)
        if (!texts[i]) return tc_error(TC_EINVAL, "tc_encoder_embed: text %zu is NULL", i);
    return n ? e->vt->embed(e, texts, n, out) : 0;
}

int tc_encoder_needs_fit(const tc_encoder *e) { return e && e->vt->fit != NULL; }

int tc_encoder_fit(tc_encoder *e, const char *const *texts, size_t n) {
    if (!e || (n && !texts)) return tc_error(TC_EINVAL, "tc_encoder_fit: NULL argument");
    if (!e->vt->fit) return 0;
    if (!n) return tc_error(TC_EINVAL, "%s: no texts to fit on", e->name);
    for (size_t i = 0; i < n; i++)
        if (!texts[i]) return tc_error(TC_EINVAL, "tc_encoder_fit: text %zu is NULL", i);
    return e->vt->fit(e, texts, n);
}

int tc_encoder_state(const tc_encoder *e, void **buf, size_t *len) {
    *buf = NULL, *len = 0;
    return e && e->vt->state ? e->vt->state(e, buf, len) : 0;
}

int tc_encoder_set_state(tc_encoder *e, const void *buf, size_t len, const char *what) {
    if (!e || !buf) return tc_error(TC_EINVAL, "tc_encoder_set_state: NULL argument");
    if (!e->vt->set_state) return tc_error(TC_EINVAL, "%s: %s learns nothing from texts", what, e->name);
    return e->vt->set_state(e, buf, len, what ? what : "encoder state");
}

void tc_encoder_free(tc_encoder *e) {
    if (!e) return;
    if (e->vt && e->vt->free) e->vt->free(e);
    free(e);
}
