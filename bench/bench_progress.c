/* bench_progress.c - how often each stage reports progress, and what the
 * reports cost: runs one stage on generated points or on a corpus with a
 * callback that notes the time of every report, then prints the stage's
 * time, its number of reports and its longest stretches without one
 * (between two reports, from the call to its first report, and from the
 * last report to the return).
 *
 *   bench_progress umap    N [threads] [off]   N x 32 float32 blobs (20, sd 0.25), tc_umap_fit
 *   bench_progress dbscan  N [threads] [off]   N 2-D blobs in [0, 10] (200, sd 0.15), as a map
 *                                              of texts is; eps 0.08, min_samples 50
 *   bench_progress hdbscan N [threads] [off]   the same points, min_cluster_size 50
 *   bench_progress noise   N [threads] [off]   dbscan, then every noise point given its nearest
 *                                              cluster (tc_assign_noise_within, as --assign_noise)
 *   bench_progress tfidf   N [threads] [off]   N texts of corpus.jsonl.gz (repeated as needed):
 *                                              tfidf fit, then embed
 *   bench_progress label   N [threads] [off]   the same texts in N/100 clusters (text i in
 *                                              i % K), keywords (c-TF-IDF)
 *   bench_progress save    N [threads] [off]   a classifier of the same texts, N x 384 float32
 *                                              vectors, a map and labels (tc_classifier_from_arrays),
 *                                              saved into TC_BENCH_DIR (default ./bench-save)
 *   bench_progress load    0 [threads] [off]   tc_classifier_load of that folder
 *   bench_progress plot    0 [threads] [off]   that folder loaded, then its map.png and map.html
 *                                              or map/ (tc_classifier_plot)
 *
 * TC_BENCH_CORPUS names the corpus (default ../shared/corpora/wordnet-glosses.jsonl.gz).
 * "off" runs without a callback (for the overhead of reporting). Prints
 * "<stage> n=<n> seconds=<wall> cpu=<process CPU seconds> reports=<k>
 * max_gap=<s>" and the five longest gaps with the
 * reports on either side. */
#include "bench_util.h"
#include "textclust.h"

#include <math.h>
#include <stdint.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct {
    double t;
    char stage[16];
    size_t done, total;
} mark;

static mark *marks;
static size_t n_marks, cap_marks;

static void note(const char *stage, size_t done, size_t total) {
    if (n_marks == cap_marks) marks = realloc(marks, (cap_marks = cap_marks ? 2 * cap_marks : 4096) * sizeof *marks);
    mark *m = &marks[n_marks++];
    m->t = now();
    snprintf(m->stage, sizeof m->stage, "%s", stage);
    m->done = done, m->total = total;
}

static int record(void *ctx, const char *stage, size_t done, size_t total) {
    (void)ctx;
    note(stage, done, total);
    return 0;
}

static void logger(void *ctx, int level, const char *msg) {
    (void)ctx;
    if (level >= TC_LOG_WARN || getenv("TC_BENCH_DEBUG")) fprintf(stderr, "%s\n", msg);
}

/* Gaussian blobs: K centres in [1, 9]^d, sd `sd`, and 1 share in K + 1 of
 * uniform noise in [0, 10]^d. */
enum { MAX_K = 200 };
static double rnd(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}
static float *blobs(size_t n, int d, int K, double sd) {
    float *x = malloc(n * d * sizeof *x), c[MAX_K][32];
    uint64_t s = 12345;
    for (int k = 0; k < K; k++) for (int j = 0; j < d; j++) c[k][j] = (float)(1 + 8 * rnd(&s));
    for (size_t i = 0; i < n; i++) {
        int k = (int)(rnd(&s) * (K + 1));
        for (int j = 0; j < d; j++) {
            double u = rnd(&s), v = rnd(&s), g = sqrt(-2 * log(u + 1e-300)) * cos(6.283185307179586 * v);
            x[i * d + j] = k == K ? (float)(10 * rnd(&s)) : c[k][j] + (float)(sd * g);
        }
    }
    return x;
}

static char **texts_of(size_t n) {
    const char *path = getenv("TC_BENCH_CORPUS");
    size_t m;
    char **t = read_corpus(path ? path : "../shared/corpora/wordnet-glosses.jsonl.gz", n, &m);
    for (size_t i = m; i < n; i++) t[i] = t[i % m];
    return t;
}

int main(int argc, char **argv) {
    tc_set_logger(logger, NULL);
    if (argc < 3) {
        fprintf(stderr, "usage: bench_progress umap|dbscan|hdbscan|noise|tfidf|label|save|load|plot N [threads] [off]\n");
        return 2;
    }
    const char *what = argv[1];
    size_t n = strtoull(argv[2], NULL, 10);
    int threads = argc > 3 ? atoi(argv[3]) : 0;
    tc_progress_fn fn = argc > 4 && !strcmp(argv[4], "off") ? NULL : record;
    int rc = TC_EINVAL;
    double t0 = 0, c0 = 0;
    if (!strcmp(what, "umap")) {
        float *x = blobs(n, 32, 20, 0.25), *out = malloc(n * 2 * sizeof *out);
        tc_umap_params p = tc_umap_default_params();
        p.n_threads = threads, p.progress = fn;
        note("call", 0, 0), t0 = now(), c0 = cpu_seconds();
        rc = tc_umap_fit(x, n, 32, &p, out);
        free(x), free(out);
    } else if (!strcmp(what, "dbscan") || !strcmp(what, "hdbscan") || !strcmp(what, "noise")) {
        float *x = blobs(n, 2, 200, 0.15);
        int64_t *labels = malloc(n * sizeof *labels);
        note("call", 0, 0), t0 = now(), c0 = cpu_seconds();
        if (!strcmp(what, "dbscan") || !strcmp(what, "noise")) {
            tc_dbscan_params p = tc_dbscan_default_params();
            p.n_threads = threads, p.progress = fn;
            rc = tc_dbscan(x, n, 2, &p, labels);
            if (!rc && what[0] == 'n') rc = tc_assign_noise_within(x, n, 2, 0, labels);
        } else {
            tc_hdbscan_params p = tc_hdbscan_default_params();
            p.n_threads = threads, p.progress = fn;
            rc = tc_hdbscan(x, n, 2, &p, labels);
        }
        free(x), free(labels);
    } else if (!strcmp(what, "tfidf")) {
        char **texts = texts_of(n);
        tc_encoder_params ep = tc_encoder_default_params();
        ep.n_threads = threads, ep.progress = fn;
        tc_encoder *e = NULL;
        if (!(rc = tc_encoder_open("tfidf", &ep, &e))) {
            note("call", 0, 0), t0 = now(), c0 = cpu_seconds();
            rc = tc_encoder_fit(e, (const char *const *)texts, n);
            float *out = rc ? NULL : malloc(n * tc_encoder_dim(e) * sizeof *out);
            if (!rc) rc = tc_encoder_embed(e, (const char *const *)texts, n, out);
            free(out);
        }
        tc_encoder_free(e);
    } else if (!strcmp(what, "label")) {
        char **texts = texts_of(n);
        size_t k = n / 100 ? n / 100 : 1, n_out = 0;
        int64_t *labels = malloc(n * sizeof *labels);
        for (size_t i = 0; i < n; i++) labels[i] = (int64_t)(i % k);
        tc_label_params lp = tc_label_default_params();
        lp.progress = fn;
        tc_cluster_label *l = NULL;
        note("call", 0, 0), t0 = now(), c0 = cpu_seconds();
        rc = tc_label_clusters((const char *const *)texts, n, labels, &lp, &l, &n_out);
        tc_cluster_labels_free(l, n_out);
        free(labels);
    } else if (!strcmp(what, "save")) {
        enum { DIM = 384 };
        char **texts = texts_of(n);
        float *emb = blobs(n, 32, 20, 0.25), *x = malloc(n * DIM * sizeof *x);
        float *proj = malloc(n * 2 * sizeof *proj);
        int64_t *labels = malloc(n * sizeof *labels);
        for (size_t i = 0; i < n; i++) {
            for (int j = 0; j < DIM; j++) x[i * DIM + j] = emb[i * 32 + j % 32] + (float)j * 1e-3f;
            proj[2 * i] = emb[i * 32], proj[2 * i + 1] = emb[i * 32 + 1], labels[i] = (int64_t)(i % 100);
        }
        tc_params p = tc_default_params();
        p.n_threads = threads, p.progress = fn;
        tc_classifier_arrays a = {.n = n, .texts = (const char *const *)texts, .embeddings = x, .dim = DIM,
                                  .projections = proj, .labels = labels};
        tc_classifier *c = NULL;
        const char *dir = getenv("TC_BENCH_DIR");
        if (!(rc = tc_classifier_from_arrays(&p, &a, &c))) {
            note("call", 0, 0), t0 = now(), c0 = cpu_seconds();
            rc = tc_classifier_save(c, dir ? dir : "bench-save");
        }
        tc_classifier_free(c);
        free(emb), free(x), free(proj), free(labels);
    } else if (!strcmp(what, "load") || !strcmp(what, "plot")) {
        int plot = what[0] == 'p';
        tc_params p = tc_default_params();
        p.n_threads = threads, p.progress = fn;
        tc_classifier *c = NULL;
        const char *dir = getenv("TC_BENCH_DIR");
        if (!plot) note("call", 0, 0), t0 = now(), c0 = cpu_seconds();
        rc = tc_classifier_load(dir ? dir : "bench-save", &p, &c);
        if (!rc) n = tc_classifier_n_texts(c);
        if (!rc && plot) {
            n_marks = 0; /* the load's reports are not the plot's */
            note("call", 0, 0), t0 = now(), c0 = cpu_seconds();
            rc = tc_classifier_plot(c, dir ? dir : "bench-save", NULL);
        }
        tc_classifier_free(c);
    }
    note("return", 0, 0);
    double wall = marks[n_marks - 1].t - t0, cpu = cpu_seconds() - c0;
    if (rc) {
        fprintf(stderr, "bench_progress: %s: %s\n", what, tc_last_error());
        return 1;
    }
    /* gap i: from mark i-1 to mark i */
    size_t top[5] = {0};
    double gmax = 0;
    for (size_t i = 1; i < n_marks; i++) {
        double g = marks[i].t - marks[i - 1].t;
        if (g > gmax) gmax = g;
        for (int r = 0; r < 5; r++)
            if (!top[r] || g > marks[top[r]].t - marks[top[r] - 1].t) {
                memmove(top + r + 1, top + r, (4 - r) * sizeof *top);
                top[r] = i;
                break;
            }
    }
    printf("%s n=%zu seconds=%.3f cpu=%.3f reports=%zu max_gap=%.3f\n", what, n, wall, cpu, n_marks - 2,
           fn ? gmax : NAN);
    for (int r = 0; fn && r < 5 && top[r]; r++) {
        const mark *a = &marks[top[r] - 1], *b = &marks[top[r]];
        printf("  %.3f s  %s %zu/%zu -> %s %zu/%zu\n", b->t - a->t, a->stage, a->done, a->total, b->stage,
               b->done, b->total);
    }
    return 0;
}
