/* label.c - names every cluster: keyword labels (c-TF-IDF, keywords.c)
 * always, and with an LLM endpoint configured, an LLM's answer to a prompt
 * made of sampled member texts (sample.c, prompt.c), fetched through the
 * cache and the HTTP client (cache.c, llm_http.c) and parsed in the
 * reference's two answer formats (parse.c). A cluster whose request fails
 * for good keeps its keywords, with a warning. */
#include "label/label.h"

#include <stdlib.h>
#include <string.h>

#define N_KEYWORDS 10

tc_label_params tc_label_default_params(void) {
    tc_label_params p;
    memset(&p, 0, sizeof p);
    p.topic_mode = TC_TOPIC_MULTIPLE;
    p.n_examples = 10;
    p.chunk_size = 420;
    p.api = TC_LLM_NONE;
    p.max_new_tokens = 64;
    p.temperature = 0.0f;
    p.concurrency = 4;
    p.timeout_s = 60;
    p.max_retries = 5;
    p.retry_delay_s = 1.0;
    p.examples = TC_EXAMPLES_RANDOM;
    p.mmr_lambda = 0.7;
    p.llm_max_requests = 20;
    p.seed = 42;
    return p;
}

void tc_cluster_labels_free(tc_cluster_label *l, size_t n) {
    if (!l) return;
    for (size_t i = 0; i < n; i++) {
        free(l[i].summary);
        free(l[i].topic);
        free(l[i].keywords);
    }
    free(l);
}

static int check_params(const tc_label_params *p) {
    if (p->topic_mode != TC_TOPIC_MULTIPLE && p->topic_mode != TC_TOPIC_SINGLE)
        return tc_error(TC_EINVAL, "label: topic_mode %d is not multiple_topics (0) or "
                                   "single_topic (1)", p->topic_mode);
    if (p->api < TC_LLM_NONE || p->api > TC_LLM_OPENAI)
        return tc_error(TC_EINVAL, "label: api %d is not none (0), hf (1) or openai (2)", p->api);
    if (p->api == TC_LLM_NONE) return 0;
    if (p->n_examples < 1)
        return tc_error(TC_EINVAL, "label: n_examples %d must be at least 1", p->n_examples);
    if (p->chunk_size < 1)
        return tc_error(TC_EINVAL, "label: chunk_size %d must be at least 1", p->chunk_size);
    if (p->max_new_tokens < 1)
        return tc_error(TC_EINVAL, "label: max_new_tokens %d must be at least 1",
                        p->max_new_tokens);
    if (!(p->temperature >= 0))
        return tc_error(TC_EINVAL, "label: temperature %g must be >= 0", p->temperature);
    if (p->concurrency < 1)
        return tc_error(TC_EINVAL, "label: concurrency %d must be at least 1", p->concurrency);
    if (!(p->timeout_s > 0))
        return tc_error(TC_EINVAL, "label: timeout %g s must be positive", p->timeout_s);
    if (p->max_retries < 0)
        return tc_error(TC_EINVAL, "label: max_retries %d must be >= 0", p->max_retries);
    if (!(p->retry_delay_s >= 0))
        return tc_error(TC_EINVAL, "label: retry_delay %g s must be >= 0", p->retry_delay_s);
    return 0;
}

int tc_label_clusters(const char *const *texts, size_t n, const int64_t *labels,
                      const tc_label_params *p, tc_cluster_label **out, size_t *n_out) {
    return tc_label_clusters_ex(texts, n, labels, p, NULL, NULL, out, n_out);
}

int tc_label_clusters_ex(const char *const *texts, size_t n, const int64_t *labels,
                         const tc_label_params *p, const int64_t *const *examples,
                         const size_t *n_examples, tc_cluster_label **out, size_t *n_out) {
    if (!out || !n_out) return tc_error(TC_EINVAL, "label: out and n_out must not be NULL");
    *out = NULL;
    *n_out = 0;
    if (!p) return tc_error(TC_EINVAL, "label: params must not be NULL");
    if (n > 0 && (!texts || !labels))
        return tc_error(TC_EINVAL, "label: texts and labels must not be NULL");
    int rc = check_params(p);
    if (rc) return rc;
    if (p->stats) memset(p->stats, 0, sizeof *p->stats);
    if (p->api != TC_LLM_NONE && p->llm_max_requests < 0)
        return tc_error(TC_EINVAL, "label: llm_max_requests %d must be >= 0", p->llm_max_requests);
    if (!(p->mmr_lambda >= 0 && p->mmr_lambda <= 1))
        return tc_error(TC_EINVAL, "label: mmr_lambda %g must be from 0 to 1", p->mmr_lambda);

    tc_label_groups g;
    if ((rc = tc_label_groups_build(labels, n, &g))) return rc;
    size_t K = g.n_clusters;
    tc_cluster_label *l = calloc(K ? K : 1, sizeof *l);
    char **kw = calloc(K ? K : 1, sizeof *kw), **sm = calloc(K ? K : 1, sizeof *sm);
    if (!l || !kw || !sm) {
        rc = tc_error(TC_ENOMEM, "label: out of memory for %zu clusters", K);
        goto fail;
    }
    tc_meter m; /* the keywords tick at 0 clusters: the LLM's names count them */
    if ((rc = tc_meter_start(&m, p->progress, p->progress_ctx, "label", K))) goto fail;
    if ((rc = tc_keywords_ctfidf(texts, &g, N_KEYWORDS, &m, kw, sm))) goto fail;
    for (size_t c = 0; c < K; c++) {
        l[c].label = g.label[c];
        l[c].score = -1;
        l[c].keywords = kw[c];
        kw[c] = NULL;
        if (sm[c][0]) {
            l[c].summary = sm[c];
            sm[c] = NULL;
        } else {  /* nothing but stop words, numbers or nothing at all */
            tc_sb b = {0};
            tc_sb_printf(&b, "cluster %lld", (long long)g.label[c]);
            l[c].summary = b.s;
        }
        if (!l[c].summary) {
            rc = tc_error(TC_ENOMEM, "label: out of memory");
            goto fail;
        }
    }
    if (p->api != TC_LLM_NONE) {
        if ((rc = tc_llm_label(texts, &g, p, examples, n_examples, l))) goto fail;
    } else {
        /* single_topic offline: the keywords are the topic, there is no score */
        for (size_t c = 0; c < K && p->topic_mode == TC_TOPIC_SINGLE; c++) {
            char *t = tc_strdup(l[c].summary);
            if (!t) { rc = tc_error(TC_ENOMEM, "label: out of memory"); goto fail; }
            if ((rc = tc_label_set_single(&l[c], t, -1))) goto fail;
        }
    }
    if ((rc = tc_progress(p->progress, p->progress_ctx, "label", K, K))) goto fail;
    for (size_t c = 0; c < K; c++) free(sm[c]);
    free(kw);
    free(sm);
    tc_label_groups_free(&g);
    *out = l;
    *n_out = K;
    return 0;
fail:
    for (size_t c = 0; c < K && kw && sm; c++) { free(kw[c]); free(sm[c]); }
    free(kw);
    free(sm);
    tc_cluster_labels_free(l, l ? K : 0);
    tc_label_groups_free(&g);
    return rc;
}
