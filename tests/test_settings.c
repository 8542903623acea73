/* test_settings.c - tc_params_set/get/name/help/flag: every name reaches its
 * own field, values read back, bad names and values are refused with the
 * name in the message and params untouched, help lines state the defaults
 * the getter reads. */
#include "check.h"
#include "textclust.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t n_settings(void) {
    size_t n = 0;
    while (tc_params_name(n)) n++;
    return n;
}

/* The field each name must reach, written out here rather than taken from
 * the library's table. */
static void check_fields(void) {
    tc_params p = tc_default_params();
    CHECK_OK(tc_params_set(&p, "umap.n_neighbors", "30"));
    CHECK(p.umap.n_neighbors == 30);
    CHECK_OK(tc_params_set(&p, "dbscan.eps", "0.25"));
    CHECK(p.dbscan.eps == 0.25);
    CHECK_OK(tc_params_set(&p, "dbscan.min_samples", "7"));
    CHECK(p.dbscan.min_samples == 7);
    CHECK_OK(tc_params_set(&p, "embed.batch_size", "64"));
    CHECK(p.encoder.batch_size == 64);
    CHECK_OK(tc_params_set(&p, "embed.max_length", "128"));
    CHECK(p.encoder.max_length == 128);
    CHECK_OK(tc_params_set(&p, "seed", "18446744073709551615"));
    CHECK(p.seed == UINT64_MAX);
    CHECK_OK(tc_params_set(&p, "threads", "3"));
    CHECK(p.n_threads == 3);
    CHECK_OK(tc_params_set(&p, "cluster_method", "hdbscan"));
    CHECK(p.cluster_method == TC_CLUSTER_HDBSCAN);
    CHECK_OK(tc_params_set(&p, "hdbscan.min_cluster_size", "12"));
    CHECK(p.hdbscan.min_cluster_size == 12);
    CHECK_OK(tc_params_set(&p, "hdbscan.min_samples", "4"));
    CHECK(p.hdbscan.min_samples == 4);
    CHECK_OK(tc_params_set(&p, "hdbscan.selection_method", "leaf"));
    CHECK(p.hdbscan.selection_method == TC_HDBSCAN_LEAF);
    CHECK_OK(tc_params_set(&p, "umap.min_dist", "0.05"));
    CHECK(p.umap.min_dist == 0.05f);
    CHECK_OK(tc_params_set(&p, "umap.init", "random"));
    CHECK(p.umap.init == TC_UMAP_INIT_RANDOM);
    CHECK_OK(tc_params_set(&p, "umap.knn_method", "approx"));
    CHECK(p.umap.knn_method == TC_KNN_APPROX);
    CHECK_OK(tc_params_set(&p, "label.topic_mode", "single_topic"));
    CHECK(p.label.topic_mode == TC_TOPIC_SINGLE);
    CHECK_OK(tc_params_set(&p, "label.api", "openai"));
    CHECK(p.label.api == TC_LLM_OPENAI);
    CHECK_OK(tc_params_set(&p, "label.n_examples", "3"));
    CHECK(p.label.n_examples == 3);
    CHECK_OK(tc_params_set(&p, "label.timeout_s", "2.5"));
    CHECK(p.label.timeout_s == 2.5);
    CHECK_OK(tc_params_set(&p, "assign_noise", "true"));
    CHECK(p.assign_noise == 1);
    CHECK_OK(tc_params_set(&p, "summary_create", "0"));
    CHECK(p.summary_create == 0);
    CHECK_OK(tc_params_set(&p, "embed_model", "hashing"));
    CHECK_STR(p.embed_model, "hashing");
    CHECK_OK(tc_params_set(&p, "label.template", "say {examples} {instruction}"));
    CHECK_STR(p.label.template_text, "say {examples} {instruction}");
    /* the stage copies are not settings: one home for seed and threads */
    CHECK(p.umap.n_threads == 0 && p.umap.seed != UINT64_MAX);
}

/* Setting each name to a value other than its default changes one field of
 * the struct, and no two names change the same bytes. */
static void check_no_aliases(void) {
    size_t n = n_settings();
    CHECK(n >= 40);
    size_t *first = calloc(n, sizeof *first), *last = calloc(n, sizeof *last);
    for (size_t i = 0; i < n; i++) {
        const char *name = tc_params_name(i);
        tc_params a = tc_default_params(), b = a;
        char cur[256];
        CHECK_OK(tc_params_get(&a, name, cur, sizeof cur));
        /* a value of the right type that differs from the default */
        static const char *const tries[] = {"3", "0.5", "true", "false", "hdbscan", "random", "exact",
                                            "leaf", "single_topic", "hf", "some text", "7", NULL};
        int changed = 0;
        for (int t = 0; tries[t] && !changed; t++) {
            if (strcmp(tries[t], cur) == 0) continue;
            b = a;
            if (tc_params_set(&b, name, tries[t]) == 0) changed = memcmp(&a, &b, sizeof a) != 0;
        }
        CHECK_MSG(changed, "%s: no value changed the params", name);
        const unsigned char *x = (const unsigned char *)&a, *y = (const unsigned char *)&b;
        first[i] = sizeof a, last[i] = 0;
        for (size_t k = 0; k < sizeof a; k++)
            if (x[k] != y[k]) {
                if (k < first[i]) first[i] = k;
                last[i] = k;
            }
        CHECK_MSG(last[i] - first[i] < 8, "%s: changed bytes %zu..%zu", name, first[i], last[i]);
        for (size_t j = 0; j < i; j++)
            CHECK_MSG(last[j] < first[i] || last[i] < first[j], "%s and %s set the same field", name,
                      tc_params_name(j));
    }
    free(first);
    free(last);
}

/* Names and flags are unique; every default reads back to itself; a help
 * line's "(default X" names what the getter reads. */
static void check_table(void) {
    size_t n = n_settings();
    tc_params d = tc_default_params();
    for (size_t i = 0; i < n; i++) {
        const char *name = tc_params_name(i), *help = tc_params_help(i), *flag = tc_params_flag(i);
        CHECK(help && *help && !strchr(help, '\n'));
        for (size_t j = 0; j < i; j++) {
            CHECK_MSG(strcmp(name, tc_params_name(j)) != 0, "%s twice", name);
            CHECK_MSG(!flag || !tc_params_flag(j) || strcmp(flag, tc_params_flag(j)) != 0, "flag %s twice",
                      flag);
        }
        char v[256], w[256];
        CHECK_OK(tc_params_get(&d, name, v, sizeof v));
        tc_params e = tc_default_params();
        CHECK_OK(tc_params_set(&e, name, v));
        CHECK_OK(tc_params_get(&e, name, w, sizeof w));
        CHECK_STR(v, w);
        const char *def = strstr(help, "(default ");
        if (def && v[0]) {
            def += strlen("(default ");
            size_t len = strcspn(def, " ):,");
            CHECK_MSG(strlen(v) == len && strncmp(def, v, len) == 0, "%s: help '%s', default '%s'", name,
                      help, v);
        }
    }
    CHECK(tc_params_name(n) == NULL && tc_params_help(n) == NULL && tc_params_flag(n) == NULL);
    char v[64];
    CHECK_OK(tc_params_get(&d, "umap.min_dist", v, sizeof v));
    CHECK_STR(v, "0.1");
    CHECK_OK(tc_params_get(&d, "dbscan.eps", v, sizeof v));
    CHECK_STR(v, "0.08");
    CHECK_OK(tc_params_get(&d, "seed", v, sizeof v));
    CHECK_STR(v, "42");
    CHECK_OK(tc_params_get(&d, "cluster_method", v, sizeof v));
    CHECK_STR(v, "dbscan");
    CHECK_OK(tc_params_get(&d, "embed_model", v, sizeof v));
    CHECK_STR(v, "");
}

static void check_refused(const char *name, const char *value, const char *why) {
    tc_params p = tc_default_params(), before = p;
    int rc = tc_params_set(&p, name, value);
    CHECK_MSG(rc == TC_EINVAL, "%s=%s: returned %d", name, value, rc);
    CHECK_MSG(memcmp(&p, &before, sizeof p) == 0, "%s=%s changed the params", name, value);
    const char *msg = tc_last_error();
    CHECK_MSG(strncmp(msg, name, strlen(name)) == 0 && strstr(msg, why), "%s=%s: '%s'", name, value, msg);
}

static void check_values(void) {
    tc_params p = tc_default_params();
    CHECK_OK(tc_params_set(&p, "umap.n_neighbors", " 100_000 "));
    CHECK(p.umap.n_neighbors == 100000);
    CHECK_OK(tc_params_set(&p, "dbscan.eps", "1e-3"));
    CHECK(p.dbscan.eps == 1e-3);
    check_refused("umap.n_neighbors", "1", "out of range: it must be >= 2");
    check_refused("umap.n_neighbors", "2.5", "not a whole number");
    check_refused("umap.n_neighbors", "abc", "not a number");
    check_refused("umap.n_neighbors", "0x10", "not a number");
    check_refused("umap.n_neighbors", "1__0", "not a number");
    check_refused("umap.n_neighbors", "_10", "not a number");
    check_refused("umap.n_neighbors", "99999999999", "too large");
    check_refused("umap.n_neighbors", "", "not a number");
    check_refused("umap.set_op_mix_ratio", "1.5", "from 0 to 1");
    check_refused("umap.spread", "0", "it must be > 0");
    check_refused("umap.min_dist", "1e99", "too large");
    check_refused("dbscan.eps", "nan", "not a finite number");
    check_refused("dbscan.eps", "-0.1", "it must be >= 0");
    check_refused("seed", "-1", "it must be >= 0");
    check_refused("seed", "18446744073709551616", "too large");
    check_refused("cluster_method", "kmeans", "'kmeans' is not dbscan or hdbscan");
    check_refused("umap.knn_method", "fast", "is not auto, exact or approx");
    check_refused("assign_noise", "yes", "not true, false, 1 or 0");
    check_refused("umap.nope", "1", "no such setting");
    CHECK(tc_params_set(&p, NULL, "1") == TC_EINVAL);
    CHECK(tc_params_set(NULL, "seed", "1") == TC_EINVAL);
    CHECK(tc_params_set(&p, "seed", NULL) == TC_EINVAL);

    /* strings: interned copies, "" and NULL are the default */
    char text[] = "hashing";
    CHECK_OK(tc_params_set(&p, "embed_model", text));
    const char *first = p.embed_model;
    text[0] = 'X';
    CHECK_STR(p.embed_model, "hashing");
    tc_params q = tc_default_params();
    CHECK_OK(tc_params_set(&q, "embed_model", "hashing"));
    CHECK(q.embed_model == first);
    CHECK_OK(tc_params_set(&q, "embed_model", ""));
    CHECK(q.embed_model == NULL);
    CHECK_OK(tc_params_set(&p, "embed_model", NULL));
    CHECK(p.embed_model == NULL);

    /* the getter's buffer */
    char small[3];
    CHECK(tc_params_get(&q, "label.topic_mode", small, sizeof small) == TC_EINVAL && small[0] == 0);
    CHECK(strstr(tc_last_error(), "label.topic_mode"));
    CHECK(tc_params_get(&q, "nope", small, sizeof small) == TC_EINVAL);
    char v[64];
    q.cluster_method = 9; /* set in the struct to no known value */
    CHECK_OK(tc_params_get(&q, "cluster_method", v, sizeof v));
    CHECK_STR(v, "9");
    q.umap.learning_rate = 0.3f;
    CHECK_OK(tc_params_get(&q, "umap.learning_rate", v, sizeof v));
    CHECK_STR(v, "0.3");
}

int main(void) {
    check_fields();
    check_no_aliases();
    check_table();
    check_values();
    CHECK(strcmp(tc_strerror(TC_ECANCELED), "unknown error") != 0);
    return check_report("test_settings");
}
