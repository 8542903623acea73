/* params.c - default parameters of the whole pipeline, and their deep copy. */
#include "core/core.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

tc_params tc_default_params(void) {
    tc_params p;
    memset(&p, 0, sizeof p);
    p.embed_model = NULL;
    p.encoder = tc_encoder_default_params();
    p.umap = tc_umap_default_params();
    p.cluster_method = TC_CLUSTER_DBSCAN;
    p.dbscan = tc_dbscan_default_params();
    p.hdbscan = tc_hdbscan_default_params();
    p.assign_noise = 0;
    p.summary_create = 1;
    p.label = tc_label_default_params();
    p.viz.map_max_points = 200000;
    p.seed = 42;
    p.n_threads = 0;
    return p;
}

/* The string fields of tc_params, so copy and free cannot drift apart. */
#define PARAM_STRINGS(p)                                                                 \
    { &(p)->embed_model, &(p)->label.template_text, &(p)->label.instruction,            \
      &(p)->label.llm_url, &(p)->label.llm_model, &(p)->label.llm_api_key,              \
      &(p)->label.cache_dir, &(p)->label.llm_token_file }

int tc_params_copy(tc_params *dst, const tc_params *src) {
    *dst = *src;
    const char **f[] = PARAM_STRINGS(dst);
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        if (!*f[i]) continue;
        *f[i] = strdup(*f[i]);
        if (!*f[i]) {
            for (size_t j = i + 1; j < sizeof f / sizeof *f; j++) *f[j] = NULL;
            tc_params_free(dst);
            return tc_error(TC_ENOMEM, "out of memory copying parameters");
        }
    }
    return 0;
}

void tc_params_free(tc_params *p) {
    const char **f[] = PARAM_STRINGS(p);
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        free((char *)*f[i]);
        *f[i] = NULL;
    }
}

void tc_params_inherit(tc_params *p) {
    if (!p) return;
    p->encoder.n_threads = p->umap.n_threads = p->dbscan.n_threads = p->hdbscan.n_threads =
        p->n_threads;
    p->umap.seed = p->label.seed = p->encoder.seed = p->seed;
    p->encoder.progress = p->umap.progress = p->dbscan.progress = p->hdbscan.progress =
        p->label.progress = p->progress;
    p->encoder.progress_ctx = p->umap.progress_ctx = p->dbscan.progress_ctx =
        p->hdbscan.progress_ctx = p->label.progress_ctx = p->progress_ctx;
}
