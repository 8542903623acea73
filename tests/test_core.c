/* test_core.c - the classifier through the public API alone, as a program
 * linking the library would use it: fit, save, load, infer, errors. */
#include "textclust.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Three topics with disjoint vocabularies: each text draws 12 words of one. */
static const char *topics[3][12] = {
    {"kernel", "driver", "firmware", "module", "device", "interrupt", "memory", "scheduler",
     "syscall", "boot", "hardware", "bus"},
    {"guitar", "melody", "chord", "rhythm", "drum", "song", "piano", "tempo", "harmony", "bass",
     "album", "concert"},
    {"recipe", "flour", "butter", "oven", "sugar", "bake", "dough", "pastry", "cream", "salt",
     "yeast", "bread"},
};

static char *make_text(int topic, unsigned *seed) {
    char *s = calloc(1, 256);
    for (int w = 0; w < 12; w++) {
        *seed = *seed * 1103515245u + 12345u;
        strcat(s, topics[topic][(*seed >> 16) % 12]);
        strcat(s, " ");
    }
    return s;
}

int main(void) {
    enum { N = 300 };
    char *texts[N];
    int truth[N];
    unsigned seed = 1;
    for (int i = 0; i < N; i++) truth[i] = i % 3, texts[i] = make_text(truth[i], &seed);

    tc_params p = tc_default_params();
    p.embed_model = "hashing";
    p.dbscan.eps = 0.5;
    p.dbscan.min_samples = 5;
    p.n_threads = 2;
    tc_classifier *c = NULL;
    CHECK_OK(tc_classifier_new(&p, &c));

    /* infer before fit is an error, not a crash */
    int64_t lab[3];
    CHECK(tc_classifier_infer(c, (const char *const *)texts, 1, 1, lab, NULL, NULL) == TC_EINVAL);
    CHECK(strlen(tc_last_error()) > 0);

    CHECK_OK(tc_classifier_fit(c, (const char *const *)texts, N, NULL, 0));
    CHECK(tc_classifier_n_texts(c) == N);
    CHECK(tc_classifier_dim(c) == 512);
    CHECK_STR(tc_classifier_model(c), "hashing-512");
    CHECK_MSG(tc_classifier_n_clusters(c) == 3, "%zu clusters", tc_classifier_n_clusters(c));
    /* each cluster is one topic */
    const int64_t *labels = tc_classifier_labels(c);
    int64_t topic_label[3] = {-2, -2, -2};
    int pure = 1;
    for (int i = 0; i < N; i++) {
        if (labels[i] < 0) continue;
        if (topic_label[truth[i]] == -2) topic_label[truth[i]] = labels[i];
        pure &= topic_label[truth[i]] == labels[i];
    }
    CHECK(pure);
    /* the summary of a topic's cluster names words of that topic */
    for (int t = 0; t < 3; t++) {
        const char *s = tc_classifier_summary(c, topic_label[t]);
        int hit = 0;
        for (int w = 0; s && w < 12; w++) hit |= strstr(s, topics[t][w]) != NULL;
        CHECK_MSG(hit, "topic %d summary '%s'", t, s ? s : "(null)");
    }
    CHECK_STR(tc_classifier_summary(c, -1), "None");
    float xy[2];
    CHECK_OK(tc_classifier_centre(c, topic_label[0], xy));
    CHECK(tc_classifier_centre(c, 999, xy) == TC_ENOTFOUND);

    /* new texts land in their topic's cluster */
    char *fresh[3];
    seed = 777;
    for (int t = 0; t < 3; t++) fresh[t] = make_text(t, &seed);
    float dist[3];
    CHECK_OK(tc_classifier_infer(c, (const char *const *)fresh, 3, 5, lab, dist, NULL));
    for (int t = 0; t < 3; t++) CHECK_MSG(lab[t] == topic_label[t], "topic %d -> %lld", t, (long long)lab[t]);

    /* save, load: same arrays, same answers */
    char dir[] = "/tmp/tc-core-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char folder[64];
    snprintf(folder, sizeof folder, "%s/save", dir);
    CHECK_OK(tc_classifier_save(c, folder));
    CHECK_OK(tc_classifier_save(c, folder)); /* over an earlier save */
    tc_classifier *d = NULL;
    CHECK_OK(tc_classifier_load(folder, NULL, &d));
    if (d) {
        CHECK(tc_classifier_n_texts(d) == N);
        CHECK(memcmp(tc_classifier_embeddings(c), tc_classifier_embeddings(d), N * 512 * sizeof(float)) == 0);
        CHECK(memcmp(tc_classifier_projections(c), tc_classifier_projections(d), N * 2 * sizeof(float)) == 0);
        CHECK(memcmp(tc_classifier_labels(c), tc_classifier_labels(d), N * sizeof(int64_t)) == 0);
        CHECK_STR(tc_classifier_text(d, 7), texts[7]);
        CHECK_STR(tc_classifier_summary(d, topic_label[1]), tc_classifier_summary(c, topic_label[1]));
        CHECK_STR(tc_classifier_model(d), "hashing-512");
        int64_t lab2[3];
        CHECK_OK(tc_classifier_infer(d, (const char *const *)fresh, 3, 5, lab2, NULL, NULL));
        CHECK(memcmp(lab, lab2, sizeof lab) == 0);
    }
    tc_classifier_free(d);

    /* precomputed embeddings are used as given */
    tc_classifier *e = NULL;
    CHECK_OK(tc_classifier_new(&p, &e));
    CHECK_OK(tc_classifier_fit(e, (const char *const *)texts, N, tc_classifier_embeddings(c), 512));
    CHECK_STR(tc_classifier_model(e), "hashing-512");   /* p.embed_model names their encoder */
    CHECK(memcmp(tc_classifier_labels(c), tc_classifier_labels(e), N * sizeof(int64_t)) == 0);
    tc_classifier_free(e);
    tc_params q = p;
    q.embed_model = NULL;                                 /* no encoder named: "precomputed" */
    CHECK_OK(tc_classifier_new(&q, &e));
    CHECK_OK(tc_classifier_fit(e, (const char *const *)texts, N, tc_classifier_embeddings(c), 512));
    CHECK_STR(tc_classifier_model(e), "precomputed");
    tc_classifier_free(e);
    q.embed_model = "hashing";                            /* a width other than the vectors' */
    CHECK_OK(tc_classifier_new(&q, &e));
    CHECK(tc_classifier_fit(e, (const char *const *)texts, N, tc_classifier_embeddings(c), 256) == TC_EMISMATCH);
    CHECK_MSG(strstr(tc_last_error(), "256 dims") && strstr(tc_last_error(), "512"), "%s", tc_last_error());
    tc_classifier_free(e);

    /* errors */
    tc_classifier *x = NULL;
    CHECK(tc_classifier_load("/nonexistent/folder", NULL, &x) == TC_ENOTFOUND && x == NULL);
    CHECK(strstr(tc_last_error(), "/nonexistent/folder") != NULL);
    CHECK(tc_classifier_fit(c, (const char *const *)texts, 0, NULL, 0) == TC_EINVAL);
    CHECK_STR(tc_strerror(TC_EMISMATCH), "size mismatch");
    tc_encoder *enc = NULL;
    CHECK(tc_encoder_open("no-such-model", NULL, &enc) == TC_ENOTFOUND && enc == NULL);
    tc_classifier_free(NULL);
    tc_encoder_free(NULL);

    tc_classifier_free(c);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    for (int i = 0; i < N; i++) free(texts[i]);
    for (int t = 0; t < 3; t++) free(fresh[t]);
    return check_report("test_core");
}
