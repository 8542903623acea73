/* llm.c - cluster names from an LLM: for every cluster a prompt of sampled
 * member texts, the answer from the cache or the endpoint, and the answer
 * parsed into the summary (and topic and score in single_topic mode).
 * What does not work out for one cluster - a request that fails for good,
 * a reply that is not the API's JSON, an answer with no printable text -
 * leaves that cluster its keyword label, with a warning, and counts in
 * stats.n_failed; an answer that does not parse is kept as given (its first
 * line), with a warning. Names are one line of printable text, whatever the
 * server sent, and no secret of the request survives into them. */
#include "label/label.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- results */

int tc_label_set_single(tc_cluster_label *l, char *topic, int score) {
    char *summary = tc_summary_single(topic, score);
    if (!summary) {
        free(topic);
        return tc_error(TC_ENOMEM, "label: out of memory");
    }
    free(l->topic);
    free(l->summary);
    l->topic = topic;
    l->score = score >= 1 ? score : -1;
    l->summary = summary;
    return 0;
}

/* The name an answer gives in one mode: *summary (multiple_topics) or
 * *topic and *score (single_topic), malloc'd and cleaned to one printable
 * line (tc_label_clean). Returns 0 parsed, 1 not in the asked format (the
 * first line is kept as given), 2 nothing usable (empty, or nothing left
 * once control characters are dropped), <0 out of memory. */
static int name_of(int topic_mode, const char *answer, char **summary, char **topic,
                   int *score) {
    *summary = *topic = NULL;
    *score = -1;
    char *a = tc_label_clean_answer(answer);
    if (!a) return tc_error(TC_ENOMEM, "label: out of memory");
    char *got = NULL;
    int rc = 0;
    if (topic_mode == TC_TOPIC_MULTIPLE) {
        got = tc_parse_multiple(a);
    } else if (tc_parse_single(a, &got, score) != 0) {
        got = NULL;
        *score = -1;
    }
    if (!got) {
        rc = 1;
        got = tc_parse_raw(a);
    }
    free(a);
    char *name = got ? tc_label_clean(got) : NULL;
    if (got && !name) { free(got); return tc_error(TC_ENOMEM, "label: out of memory"); }
    free(got);
    if (!name || !name[0]) {
        free(name);
        *score = -1;
        return 2;
    }
    *(topic_mode == TC_TOPIC_MULTIPLE ? summary : topic) = name;
    return rc;
}

static int check_multiple(void *ctx, const char *answer) {
    (void)ctx;
    char *s, *t;
    int score, rc = name_of(TC_TOPIC_MULTIPLE, answer, &s, &t, &score);
    free(s);
    return rc == 0 ? 0 : TC_EFORMAT;
}

static int check_single(void *ctx, const char *answer) {
    (void)ctx;
    char *s, *t;
    int score, rc = name_of(TC_TOPIC_SINGLE, answer, &s, &t, &score);
    free(t);
    return rc == 0 && score >= 1 ? 0 : TC_EFORMAT;
}

/* Puts answer a of cluster l into it. Returns 1 when it was kept raw, 2
 * when the cluster keeps its keywords, 0 when parsed, <0 on error. */
static int apply(const tc_label_params *p, tc_cluster_label *l, const char *a) {
    char *summary, *topic;
    int score, r = name_of(p->topic_mode, a, &summary, &topic, &score);
    if (r < 0 || r == 2) return r;
    if (p->topic_mode == TC_TOPIC_MULTIPLE) {
        if (r == 1)
            tc_warn("cluster %lld: the answer is not a list of topics; kept as given: \"%s\"",
                    (long long)l->label, summary);
        free(l->summary);
        l->summary = summary;
        return r;
    }
    if (r == 1)
        tc_warn("cluster %lld: the answer has no \"Topic:\"; kept as given: \"%s\"",
                (long long)l->label, topic);
    else if (score < 1)
        tc_warn("cluster %lld: the answer has no educational score (1-10): \"%s\"",
                (long long)l->label, topic);
    int rc = tc_label_set_single(l, topic, score);
    return rc ? rc : r;
}

/* ---------------------------------------------------------------- labelling */

int tc_llm_label(const char *const *texts, const tc_label_groups *g, const tc_label_params *p,
                 const int64_t *const *examples, const size_t *n_examples, tc_cluster_label *out) {
    size_t K = g->n_clusters;
    const char *tpl = p->template_text ? p->template_text : tc_prompt_template(p->api);
    const char *ins = p->instruction ? p->instruction : tc_prompt_instruction(p->topic_mode);
    if (!strstr(tpl, "{examples}"))
        tc_warn("label: the prompt template has no {examples} placeholder; the LLM will not "
                "see the cluster's texts");
    char **prompt = calloc(K ? K : 1, sizeof *prompt);
    size_t *idx = malloc((size_t)p->n_examples * sizeof *idx); /* (n_examples) */
    int rc = 0;
    if (!prompt || !idx) goto oom;
    for (size_t c = 0; c < K; c++) {
        size_t k;
        if (examples) {  /* the representative texts, as many as asked */
            k = n_examples[c] < (size_t)p->n_examples ? n_examples[c] : (size_t)p->n_examples;
            for (size_t t = 0; t < k; t++) idx[t] = (size_t)examples[c][t];
        } else {
            k = tc_label_sample(g, c, p->n_examples, p->seed, idx);
        }
        char *ex = tc_prompt_examples(texts, idx, k, p->chunk_size);
        if (!ex) goto oom;
        prompt[c] = tc_prompt_format(tpl, ex, ins);
        free(ex);
        if (!prompt[c]) goto oom;
    }
    rc = tc_llm_name(p, (const char *const *)prompt, K, "cluster", "label", 0, K, out);
    goto done;
oom:
    rc = tc_error(TC_ENOMEM, "label: out of memory preparing LLM requests");
done:
    for (size_t c = 0; c < K && prompt; c++) free(prompt[c]);
    free(prompt);
    free(idx);
    return rc;
}

int tc_llm_name(const tc_label_params *p, const char *const *prompt, size_t K, const char *what,
                const char *stage, size_t progress_base, size_t total, tc_cluster_label *out) {
    char *url = tc_llm_endpoint(p);
    if (!url) return TC_EINVAL;
    char *token = tc_llm_token(p);
    char **secrets = tc_url_secrets(url, token);
    /* the cache key names the endpoint without its secrets: a new key in the
     * query string is the same endpoint */
    char *url_key = tc_url_redact(url);
    char (*key)[33] = calloc(K ? K : 1, sizeof *key);
    char **answer = calloc(K ? K : 1, sizeof *answer);
    tc_llm_job *jobs = calloc(K ? K : 1, sizeof *jobs);
    size_t *job_of = calloc(K ? K : 1, sizeof *job_of);         /* (K) cluster -> job + 1 */
    int rc = 0;
    if (!secrets || !url_key || !key || !answer || !jobs || !job_of) goto oom;

    size_t n_jobs = 0, n_hits = 0;
    for (size_t c = 0; c < K; c++) {
        tc_cache_key(url_key, p->llm_model, p->max_new_tokens, p->temperature, prompt[c], key[c]);
        if (p->cache_dir && (answer[c] = tc_cache_get(p->cache_dir, key[c]))) {
            n_hits++;
            continue;
        }
        jobs[n_jobs].prompt = prompt[c];
        jobs[n_jobs].check = p->topic_mode == TC_TOPIC_SINGLE ? check_single : check_multiple;
        job_of[c] = ++n_jobs;
    }
    tc_label_stats before = p->stats ? *p->stats : (tc_label_stats){0};
    if ((rc = tc_progress(p->progress, p->progress_ctx, stage, progress_base + n_hits, total)) ||
        (rc = tc_llm_run(p, jobs, n_jobs, stage, progress_base + n_hits, total)))
        goto done;
    if (p->stats) p->stats->n_cache_hits = before.n_cache_hits + n_hits; /* tc_llm_run adds its own */

    size_t n_failed = 0, n_malformed = 0;
    int cache_warned = 0;
    for (size_t c = 0; c < K && rc >= 0; c++) {
        tc_llm_job *j = job_of[c] ? &jobs[job_of[c] - 1] : NULL;
        if (j) {
            if (j->status != 0 || !j->answer) {
                tc_warn("%s %lld: LLM request failed: %s; using its keywords", what,
                        (long long)out[c].label, j->error[0] ? j->error : "no answer");
                n_failed++;
                goto keywords;
            }
            answer[c] = tc_secret_mask(j->answer, strlen(j->answer),
                                       (const char *const *)secrets);
            if (!answer[c]) goto oom;
        }
        int r = apply(p, &out[c], answer[c]);
        if (r < 0) { rc = r; break; }
        /* answers that give no name are not kept: they are worth asking again */
        if (j && r != 2 && p->cache_dir && tc_cache_put(p->cache_dir, key[c], answer[c]) &&
            !cache_warned) {
            tc_warn("%s", tc_last_error());
            cache_warned = 1;
        }
        if (r == 1) n_malformed++;
        if (r != 2) continue;
        tc_warn("%s %lld: the answer is empty or has no printable text; using its keywords", what,
                (long long)out[c].label);
        n_failed++;
    keywords:
        if (p->topic_mode == TC_TOPIC_SINGLE && !out[c].topic) {
            char *t = tc_strdup(out[c].summary);
            if (!t || (rc = tc_label_set_single(&out[c], t, -1))) { rc = rc ? rc : TC_ENOMEM; break; }
        }
    }
    if (n_failed)
        tc_warn("label: %zu of %zu %ss have keyword labels because their LLM request "
                "failed", n_failed, K, what);
    if (p->stats) {
        p->stats->n_failed = before.n_failed + n_failed;
        p->stats->n_malformed = before.n_malformed + n_malformed;
    }
    goto done;
oom:
    rc = tc_error(TC_ENOMEM, "label: out of memory preparing LLM requests");
done:
    for (size_t c = 0; c < K && answer; c++) free(answer[c]);
    for (size_t i = 0; i < K && jobs; i++) free(jobs[i].answer);
    free(key);
    free(answer);
    free(jobs);
    free(job_of);
    free(url);
    free(url_key);
    tc_secrets_free(secrets);
    tc_llm_token_free(token);
    return rc;
}
