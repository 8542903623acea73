/* test_arrays.c - tc_classifier_from_arrays through the public header: the
 * classifier holds copies of the caller's arrays, infers as a brute-force
 * nearest-neighbour vote written here says, rejects bad arrays naming them,
 * and serves infer calls from several threads at once without changing. */
#include "textclust.h"
#include "check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { N = 240, M = 60, THREADS = 8, ROUNDS = 6 };

static const char *words[3][8] = {
    {"kernel", "driver", "firmware", "module", "device", "interrupt", "memory", "scheduler"},
    {"guitar", "melody", "chord", "rhythm", "drum", "song", "piano", "tempo"},
    {"recipe", "flour", "butter", "oven", "sugar", "bake", "dough", "pastry"},
};

static char *make_text(int topic, unsigned *seed) {
    char *s = calloc(1, 128);
    for (int w = 0; w < 6; w++) {
        *seed = *seed * 1103515245u + 12345u;
        strcat(s, words[topic][(*seed >> 16) % 8]);
        strcat(s, " ");
    }
    return s;
}

/* The vote infer promises, written out plainly: the k nearest by squared
 * distance (ties to the lower index), the most common label among them,
 * ties to the label met first. */
static int64_t naive_label(const float *emb, const int64_t *labels, size_t n, int d, const float *q, int k) {
    int64_t ids[8];
    double best[8];
    for (int j = 0; j < k; j++) best[j] = 1e300, ids[j] = -1;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (int t = 0; t < d; t++) s += ((double)emb[i * d + t] - q[t]) * ((double)emb[i * d + t] - q[t]);
        float sf = (float)s;
        int pos = k;
        while (pos > 0 && sf < best[pos - 1]) pos--;
        if (pos == k) continue;
        for (int j = k - 1; j > pos; j--) best[j] = best[j - 1], ids[j] = ids[j - 1];
        best[pos] = sf, ids[pos] = (int64_t)i;
    }
    int64_t win = labels[ids[0]];
    int win_count = 0;
    for (int a = 0; a < k; a++) {
        int count = 0;
        for (int b = 0; b < k; b++) count += labels[ids[b]] == labels[ids[a]];
        if (count > win_count) win = labels[ids[a]], win_count = count;
    }
    return win;
}

typedef struct job {
    const tc_classifier *c;
    const char *const *texts;  /* (M) */
    const int64_t *want;       /* (M) the serial answers */
    int top_k;
    int bad;                   /* rounds whose labels differed, or that failed */
} job;

static void *infer_many(void *arg) {
    job *j = arg;
    int64_t lab[M];
    float dist[M];
    for (int r = 0; r < ROUNDS; r++) {
        memset(lab, 0x55, sizeof lab);
        if (tc_classifier_infer(j->c, j->texts, M, j->top_k, lab, dist, NULL) != 0 ||
            memcmp(lab, j->want, sizeof lab) != 0)
            j->bad++;
    }
    return NULL;
}

int main(void) {
    char *texts[N], *fresh[M];
    int64_t labels[N];
    unsigned seed = 3;
    for (int i = 0; i < N; i++) {
        texts[i] = make_text(i % 3, &seed);
        labels[i] = i % 10 == 9 ? -1 : i % 3;   /* some noise */
    }
    for (int i = 0; i < M; i++) fresh[i] = make_text((i * 7) % 3, &seed);

    tc_encoder_params ep = tc_encoder_default_params();
    ep.n_threads = 1;
    tc_encoder *enc;
    CHECK_OK(tc_encoder_open("hashing", &ep, &enc));
    const int d = tc_encoder_dim(enc);
    float *emb = malloc((size_t)N * d * sizeof *emb), *qe = malloc((size_t)M * d * sizeof *qe);
    float proj[N * 2];
    CHECK_OK(tc_encoder_embed(enc, (const char *const *)texts, N, emb));
    CHECK_OK(tc_encoder_embed(enc, (const char *const *)fresh, M, qe));
    for (int i = 0; i < N; i++) proj[2 * i] = (float)(i % 3) * 10 + (float)(i % 7), proj[2 * i + 1] = (float)i / N;
    int64_t sum_labels[] = {2, -1, 0, 1};
    const char *sums[] = {"Baking, Bread, Oven", "None", "Kernels, Drivers, Memory", "Music, Songs, Chords"};

    tc_classifier_arrays a = {0};
    a.n = N, a.texts = (const char *const *)texts, a.embeddings = emb, a.dim = d;
    a.projections = proj, a.labels = labels;
    a.n_summaries = 4, a.summary_labels = sum_labels, a.summaries = sums;
    a.model = tc_encoder_name(enc);

    tc_params p = tc_default_params();
    p.n_threads = 1;
    tc_classifier *c = NULL;
    CHECK_OK(tc_classifier_from_arrays(&p, &a, &c));

    /* ---- the classifier holds copies equal to the arrays */
    CHECK(tc_classifier_n_texts(c) == N);
    CHECK(tc_classifier_dim(c) == d);
    CHECK(tc_classifier_embeddings(c) != emb);
    CHECK(memcmp(tc_classifier_embeddings(c), emb, (size_t)N * d * sizeof *emb) == 0);
    CHECK(memcmp(tc_classifier_projections(c), proj, sizeof proj) == 0);
    CHECK(memcmp(tc_classifier_labels(c), labels, sizeof labels) == 0);
    CHECK_STR(tc_classifier_text(c, 17), texts[17]);
    CHECK(tc_classifier_text(c, 17) != texts[17]);
    CHECK_STR(tc_classifier_model(c), "hashing-512");
    CHECK(tc_classifier_n_clusters(c) == 3);
    CHECK_STR(tc_classifier_summary(c, 0), "Kernels, Drivers, Memory");
    CHECK_STR(tc_classifier_summary(c, 2), "Baking, Bread, Oven");
    CHECK_STR(tc_classifier_summary(c, -1), "None");
    size_t n_names;
    const tc_cluster_label *names = tc_classifier_cluster_labels(c, &n_names);
    CHECK(n_names == 3 && names[0].label == 0 && names[1].label == 1 && names[2].label == 2);
    /* centre = mean projection of the members, summed here in double */
    for (int64_t l = -1; l < 3; l++) {
        double sx = 0, sy = 0;
        int cnt = 0;
        for (int i = 0; i < N; i++)
            if (labels[i] == l) sx += proj[2 * i], sy += proj[2 * i + 1], cnt++;
        float xy[2];
        CHECK_OK(tc_classifier_centre(c, l, xy));
        CHECK_NEAR(xy[0], sx / cnt, 1e-5);
        CHECK_NEAR(xy[1], sy / cnt, 1e-6);
    }
    /* the caller's arrays may go right away */
    float first = emb[0];
    emb[0] = 99;
    CHECK(tc_classifier_embeddings(c)[0] == first);
    emb[0] = first;

    /* ---- infer: the brute-force vote */
    int64_t want1[M], want3[M], lab[M];
    float dist[M];
    for (int q = 0; q < M; q++) {
        want1[q] = naive_label(emb, labels, N, d, qe + (size_t)q * d, 1);
        want3[q] = naive_label(emb, labels, N, d, qe + (size_t)q * d, 3);
    }
    CHECK_OK(tc_classifier_infer(c, (const char *const *)fresh, M, 1, lab, dist, NULL));
    CHECK(memcmp(lab, want1, sizeof lab) == 0);
    CHECK_OK(tc_classifier_infer(c, (const char *const *)fresh, M, 3, lab, dist, NULL));
    CHECK(memcmp(lab, want3, sizeof lab) == 0);
    int mixed = 0;   /* the vote must matter somewhere for the check to mean something */
    for (int q = 0; q < M; q++) mixed += want1[q] != want3[q];
    CHECK_MSG(mixed > 0, "top_k 1 and 3 agree everywhere: the test data do not tell them apart");

    /* ---- concurrent infer on one classifier: the same answers, nothing changed */
    const float *emb_before = tc_classifier_embeddings(c);
    const int64_t *lab_before = tc_classifier_labels(c);
    tc_classifier *c2 = NULL;   /* a second one whose encoder the threads open at once */
    CHECK_OK(tc_classifier_from_arrays(&p, &a, &c2));
    pthread_t tid[THREADS];
    job jobs[THREADS];
    for (int t = 0; t < THREADS; t++) {
        jobs[t] = (job){t % 2 ? c : c2, (const char *const *)fresh, t % 4 < 2 ? want1 : want3,
                        t % 4 < 2 ? 1 : 3, 0};
        CHECK(pthread_create(&tid[t], NULL, infer_many, &jobs[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(tid[t], NULL);
        CHECK_MSG(jobs[t].bad == 0, "thread %d: %d of %d rounds wrong", t, jobs[t].bad, ROUNDS);
    }
    CHECK(tc_classifier_embeddings(c) == emb_before && tc_classifier_labels(c) == lab_before);
    CHECK(memcmp(tc_classifier_embeddings(c), emb, (size_t)N * d * sizeof *emb) == 0);
    CHECK(memcmp(tc_classifier_labels(c), labels, sizeof labels) == 0);
    tc_classifier_free(c2);

    /* ---- saved and loaded, it is the same classifier */
    char dir[] = "/tmp/tc_arrays_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char folder[64];
    snprintf(folder, sizeof folder, "%s/save", dir);
    CHECK_OK(tc_classifier_save(c, folder));
    tc_classifier *l = NULL;
    CHECK_OK(tc_classifier_load(folder, NULL, &l));
    if (l) {
        CHECK(memcmp(tc_classifier_embeddings(l), emb, (size_t)N * d * sizeof *emb) == 0);
        CHECK(memcmp(tc_classifier_labels(l), labels, sizeof labels) == 0);
        CHECK_STR(tc_classifier_summary(l, 1), "Music, Songs, Chords");
        CHECK_STR(tc_classifier_model(l), "hashing-512");
        tc_classifier_free(l);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    tc_classifier_free(c);

    /* ---- no model: infer on texts needs params.embed_model */
    a.model = NULL;
    CHECK_OK(tc_classifier_from_arrays(&p, &a, &c));
    CHECK(tc_classifier_infer(c, (const char *const *)fresh, 1, 1, lab, NULL, NULL) == TC_EINVAL);
    CHECK(tc_classifier_infer_vectors(c, qe, M, 1, lab, NULL) == 0 && memcmp(lab, want1, sizeof lab) == 0);
    tc_classifier_free(c);
    p.embed_model = "hashing";
    CHECK_OK(tc_classifier_from_arrays(&p, &a, &c));
    CHECK_OK(tc_classifier_infer(c, (const char *const *)fresh, M, 1, lab, NULL, NULL));
    CHECK(memcmp(lab, want1, sizeof lab) == 0);
    tc_classifier_free(c);
    a.model = "hashing-512";

    /* ---- single_topic summaries are split into topic and score */
    const char *single[] = {"Baking. Educational score: 7", "None", "Operating systems. Educational score: 9",
                            "Music"};
    a.summaries = single;
    p.label.topic_mode = TC_TOPIC_SINGLE;
    CHECK_OK(tc_classifier_from_arrays(&p, &a, &c));
    names = tc_classifier_cluster_labels(c, &n_names);
    CHECK(n_names == 3);
    if (n_names == 3) {
        CHECK_STR(names[0].topic, "Operating systems");
        CHECK(names[0].score == 9);
        CHECK(names[1].topic == NULL && names[1].score == -1);
        CHECK_STR(names[2].topic, "Baking");
        CHECK(names[2].score == 7);
    }
    tc_classifier_free(c);
    a.summaries = sums;
    p.label.topic_mode = TC_TOPIC_MULTIPLE;

    /* ---- bad arrays: an error naming the array, and no classifier */
#define BAD(field_set, restore, needle)                                                     \
    do {                                                                                    \
        field_set;                                                                          \
        c = (tc_classifier *)1;                                                             \
        CHECK(tc_classifier_from_arrays(&p, &a, &c) == TC_EINVAL && c == NULL);             \
        CHECK_MSG(strstr(tc_last_error(), needle) != NULL, "'%s' lacks '%s'", tc_last_error(), needle); \
        restore;                                                                            \
    } while (0)
    BAD(a.n = 0, a.n = N, "n:");
    BAD(a.dim = 0, a.dim = d, "dim:");
    BAD(a.labels = NULL, a.labels = labels, "labels: NULL");
    BAD(a.projections = NULL, a.projections = proj, "projections: NULL");
    char *keep = texts[5];
    BAD(texts[5] = NULL, texts[5] = keep, "texts: text 5 is NULL");
    float e_keep = emb[(size_t)7 * d + 3];
    BAD(emb[(size_t)7 * d + 3] = 0.0f / 0.0f, emb[(size_t)7 * d + 3] = e_keep, "embeddings: row 7, column 3");
    BAD(proj[2 * 11 + 1] = 1.0f / 0.0f, proj[2 * 11 + 1] = (float)11 / N, "projections: row 11, column 1");
    BAD(sum_labels[0] = 5, sum_labels[0] = 2, "entry 0 names cluster 5");
    BAD(sum_labels[3] = 0, sum_labels[3] = 1, "cluster 0 appears twice");
    BAD(a.summaries = NULL, a.summaries = sums, "summaries is NULL");
    CHECK(tc_classifier_from_arrays(&p, NULL, &c) == TC_EINVAL && c == NULL);

    for (int i = 0; i < N; i++) free(texts[i]);
    for (int i = 0; i < M; i++) free(fresh[i]);
    free(emb), free(qe);
    tc_encoder_free(enc);
    return check_report("test_arrays");
}
