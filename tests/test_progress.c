/* test_progress.c - progress reports and cancel through the public API:
 * every stage of a fit reports from 0 to its total on the calling thread; a
 * callback that cancels at any report makes fit return TC_ECANCELED with
 * the classifier empty and a save folder held open for writing unchanged;
 * settings made once on tc_params reach every stage; two stages run at once
 * from two threads give what they give alone. */
#include "check.h"
#include "textclust.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *words[3][10] = {
    {"kernel", "driver", "firmware", "module", "device", "interrupt", "memory", "scheduler", "syscall", "boot"},
    {"guitar", "melody", "chord", "rhythm", "drum", "song", "piano", "tempo", "harmony", "bass"},
    {"recipe", "flour", "butter", "oven", "sugar", "bake", "dough", "pastry", "cream", "salt"},
};

enum { N = 400, MAX_REPORTS = 4096 };

typedef struct {
    char stage[16];
    size_t done, total;
    int same_thread;
} report;

/* Report counts depend on timing (reports from inside batches come at
 * most ten a second), so a cancel is aimed at a stage's first or last
 * report. */
typedef struct {
    pthread_t caller;
    int n;
    const char *cancel_stage; /* NULL = never cancel */
    int cancel_at;            /* 0: at its first report; -1: at done == total; k > 0: at its
                                 k-th report, sleeping 0.12 s in each before, so that the
                                 stage's reports from inside its loops come at every step */
    int seen;                 /* reports of cancel_stage so far */
    int canceled;             /* reports after the cancel */
    report r[MAX_REPORTS];
} recorder;

static int record(void *ctx, const char *stage, size_t done, size_t total) {
    recorder *rec = ctx;
    if (rec->n < MAX_REPORTS) {
        report *r = &rec->r[rec->n];
        snprintf(r->stage, sizeof r->stage, "%s", stage);
        r->done = done, r->total = total;
        r->same_thread = pthread_equal(pthread_self(), rec->caller);
    }
    rec->n++;
    if (rec->canceled) return rec->canceled++, 1;
    if (!rec->cancel_stage || strcmp(stage, rec->cancel_stage) != 0) return 0;
    rec->seen++;
    if (rec->cancel_at > 0 && rec->seen < rec->cancel_at) usleep(120000);
    if ((rec->cancel_at == 0) || (rec->cancel_at < 0 && done == total) || rec->seen == rec->cancel_at)
        return rec->canceled = 1;
    return 0;
}

static tc_params fit_params(recorder *rec) {
    tc_params p = tc_default_params();
    CHECK_OK(tc_params_set(&p, "embed_model", "hashing"));
    CHECK_OK(tc_params_set(&p, "dbscan.eps", "0.5"));
    CHECK_OK(tc_params_set(&p, "dbscan.min_samples", "5"));
    CHECK_OK(tc_params_set(&p, "threads", "2"));
    CHECK_OK(tc_params_set(&p, "umap.n_epochs", "60"));
    p.progress = record;
    p.progress_ctx = rec;
    return p;
}

/* Each stage's reports: the first 0, done never falling, the last total,
 * all on the calling thread; returns the stages in order of first report. */
static int check_reports(const recorder *rec, char stages[][16], int max_stages) {
    int ns = 0;
    for (int i = 0; i < rec->n && i < MAX_REPORTS; i++) {
        const report *r = &rec->r[i];
        CHECK_MSG(r->same_thread, "report %d (%s) from another thread", i, r->stage);
        CHECK_MSG(r->done <= r->total, "%s: %zu of %zu", r->stage, r->done, r->total);
        int first = i == 0 || strcmp(rec->r[i - 1].stage, r->stage) != 0;
        int last = i + 1 == rec->n || strcmp(rec->r[i + 1].stage, r->stage) != 0;
        if (first) {
            CHECK_MSG(r->done == 0, "%s starts at %zu", r->stage, r->done);
            for (int s = 0; s < ns; s++) CHECK_MSG(strcmp(stages[s], r->stage) != 0, "%s twice", r->stage);
            if (ns < max_stages) snprintf(stages[ns++], 16, "%s", r->stage);
        } else {
            CHECK_MSG(r->done >= rec->r[i - 1].done, "%s went back", r->stage);
        }
        if (last) CHECK_MSG(r->done == r->total, "%s ends at %zu of %zu", r->stage, r->done, r->total);
    }
    return ns;
}

/* The names and bytes of the files of dir, concatenated (small folders). */
static char *snapshot(const char *dir, size_t *out_len) {
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    size_t cap = 1 << 20, len = 0;
    char *out = calloc(1, cap);
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
        struct stat st;
        if (ents[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            FILE *f = fopen(path, "rb");
            size_t need = len + strlen(path) + (size_t)st.st_size + 2;
            if (need > cap) out = realloc(out, cap = need * 2);
            len += (size_t)sprintf(out + len, "%s\n", ents[i]->d_name);
            len += fread(out + len, 1, (size_t)st.st_size, f);
            fclose(f);
        } else if (ents[i]->d_name[0] != '.') {
            len += (size_t)snprintf(out + len, cap - len, "%s/\n", ents[i]->d_name);
        }
        free(ents[i]);
    }
    free(ents);
    out[len] = 0;
    *out_len = len;
    return out;
}

static void check_fit_and_cancel(char **texts) {
    static recorder rec;
    memset(&rec, 0, sizeof rec);
    rec.caller = pthread_self();
    tc_params p = fit_params(&rec);
    tc_classifier *c = NULL;
    CHECK_OK(tc_classifier_new(&p, &c));
    CHECK_OK(tc_classifier_fit(c, (const char *const *)texts, N, NULL, 0));
    char stages[8][16];
    int ns = check_reports(&rec, stages, 8);
    static const char *const want[] = {"embed", "knn", "umap", "cluster", "label"};
    CHECK_MSG(ns == 5, "%d stages reported", ns);
    for (int s = 0; s < ns && s < 5; s++) CHECK_STR(stages[s], want[s]);
    const int total_reports = rec.n;

    /* --assign_noise: stage "noise" after "cluster", from 0 to the noise
     * points DBSCAN left, and none left after it */
    {
        static recorder rn;
        memset(&rn, 0, sizeof rn);
        rn.caller = pthread_self();
        tc_params q = fit_params(&rn);
        CHECK_OK(tc_params_set(&q, "dbscan.min_samples", "20"));
        CHECK_OK(tc_params_set(&q, "assign_noise", "1"));
        tc_classifier *d = NULL;
        CHECK_OK(tc_classifier_new(&q, &d));
        CHECK_OK(tc_classifier_fit(d, (const char *const *)texts, N, NULL, 0));
        char st[8][16];
        int k = check_reports(&rn, st, 8);
        CHECK_MSG(k == 6 && !strcmp(st[3], "cluster") && !strcmp(st[4], "noise"), "%d stages, the fourth %s", k,
                  k > 4 ? st[4] : "");
        size_t noise_total = 0;
        for (int i = 0; i < rn.n && i < MAX_REPORTS; i++)
            if (!strcmp(rn.r[i].stage, "noise")) noise_total = rn.r[i].total;
        const int64_t *lab = tc_classifier_labels(d);
        size_t left = 0;
        for (size_t i = 0; i < N; i++) left += lab[i] < 0;
        CHECK_MSG(noise_total > 0 && left == 0, "noise stage of %zu points, %zu left", noise_total, left);
        tc_classifier_free(d);
    }

    char dir[] = "/tmp/tc_progress_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK_OK(tc_classifier_save(c, dir));
    size_t before_len, after_len;
    char *before = snapshot(dir, &before_len);
    CHECK(memmem(before, before_len, "embeddings.npy\n", 15) && memmem(before, before_len, "texts.json\n", 11));
    (void)total_reports;

    /* cancel at the first and at the last report of each stage, and inside
     * the loops of those that report from there */
    static const struct { const char *stage; int at; } cancels[] = {
        {"embed", 0}, {"embed", 3}, {"embed", -1}, {"knn", 0}, {"knn", -1}, {"umap", 0}, {"umap", 3},
        {"umap", -1}, {"cluster", 0}, {"cluster", 3}, {"cluster", -1}, {"label", 0}, {"label", -1},
    };
    for (size_t k = 0; k < sizeof cancels / sizeof *cancels; k++) {
        static recorder r2;
        memset(&r2, 0, sizeof r2);
        r2.caller = pthread_self();
        r2.cancel_stage = cancels[k].stage;
        r2.cancel_at = cancels[k].at;
        tc_params q = fit_params(&r2);
        tc_classifier *d = NULL;
        tc_save_folder *f = NULL;
        CHECK_OK(tc_classifier_new(&q, &d));
        CHECK_OK(tc_save_folder_open(dir, TC_SAVE_WRITE, &f));
        int rc = tc_classifier_fit(d, (const char *const *)texts, N, NULL, 0);
        CHECK_MSG(rc == TC_ECANCELED, "cancel in %s at %d: fit returned %d (%s)", cancels[k].stage,
                  cancels[k].at, rc, tc_last_error());
        CHECK_MSG(r2.canceled == 1, "cancel in %s at %d: %d reports after it", cancels[k].stage, cancels[k].at,
                  r2.canceled - 1);
        CHECK(strstr(tc_last_error(), "canceled") != NULL);
        CHECK(tc_classifier_n_texts(d) == 0);
        /* nothing to stage: the writer gives up, the old save stays */
        if (rc == 0) CHECK_OK(tc_classifier_save_to(d, f));
        tc_save_folder_close(f);
        char *after = snapshot(dir, &after_len);
        CHECK_MSG(after_len == before_len && memcmp(before, after, after_len) == 0, "cancel in %s changed %s",
                  cancels[k].stage, dir);
        free(after);
        tc_classifier_free(d);
    }
    free(before);
    tc_classifier_free(c);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* ---------------------------------------------------------------- stages at once */

typedef struct {
    const float *x;
    size_t n;
    int d;
    tc_params p;
    float *proj;
    int64_t *labels;
    int rc;
} stage_job;

static void *run_stages(void *arg) {
    stage_job *j = arg;
    j->rc = tc_umap_fit(j->x, j->n, j->d, &j->p.umap, j->proj);
    if (!j->rc) j->rc = tc_dbscan(j->proj, j->n, 2, &j->p.dbscan, j->labels);
    return NULL;
}

static void check_concurrent_stages(char **texts) {
    tc_encoder *e = NULL;
    tc_encoder_params ep = tc_encoder_default_params();
    CHECK_OK(tc_encoder_open("hashing", &ep, &e));
    int d = tc_encoder_dim(e);
    float *x = malloc((size_t)N * d * sizeof *x);
    CHECK_OK(tc_encoder_embed(e, (const char *const *)texts, N, x));
    stage_job alone[2], both[2];
    for (int k = 0; k < 2; k++) {
        tc_params p = tc_default_params();
        CHECK_OK(tc_params_set(&p, "threads", "2"));
        CHECK_OK(tc_params_set(&p, "seed", k ? "7" : "8"));
        CHECK_OK(tc_params_set(&p, "umap.knn_method", k ? "approx" : "exact"));
        CHECK_OK(tc_params_set(&p, "umap.n_epochs", "50"));
        CHECK_OK(tc_params_set(&p, "dbscan.eps", "0.5"));
        CHECK_OK(tc_params_set(&p, "dbscan.min_samples", "5"));
        tc_params_inherit(&p);
        CHECK(p.umap.seed == (k ? 7u : 8u) && p.umap.n_threads == 2 && p.dbscan.n_threads == 2);
        CHECK(p.label.seed == p.umap.seed && p.encoder.n_threads == 2 && p.hdbscan.n_threads == 2);
        alone[k] = both[k] = (stage_job){x, N, d, p, NULL, NULL, -1};
        alone[k].proj = malloc(N * 2 * sizeof(float)), both[k].proj = malloc(N * 2 * sizeof(float));
        alone[k].labels = malloc(N * sizeof(int64_t)), both[k].labels = malloc(N * sizeof(int64_t));
        run_stages(&alone[k]);
        CHECK_OK(alone[k].rc);
    }
    pthread_t t[2];
    for (int k = 0; k < 2; k++) CHECK(pthread_create(&t[k], NULL, run_stages, &both[k]) == 0);
    for (int k = 0; k < 2; k++) pthread_join(t[k], NULL);
    for (int k = 0; k < 2; k++) {
        CHECK_OK(both[k].rc);
        CHECK_MSG(memcmp(alone[k].proj, both[k].proj, N * 2 * sizeof(float)) == 0,
                  "job %d: the map differs when another stage runs beside it", k);
        CHECK(memcmp(alone[k].labels, both[k].labels, N * sizeof(int64_t)) == 0);
        free(alone[k].proj), free(both[k].proj), free(alone[k].labels), free(both[k].labels);
    }
    /* and the two seeds gave two maps: the comparison above can fail */
    free(x);
    tc_encoder_free(e);
}

/* ---------------------------------------------------------------- from inside */

extern double tc_meter_interval; /* util.h: 0 makes every tick report */

typedef struct {
    size_t n, last, total;
    int rising, cancel_at;
} inside;

static int count_inside(void *ctx, const char *stage, size_t done, size_t total) {
    (void)stage;
    inside *r = ctx;
    if (r->n > 0 && done <= r->last) r->rising = 0;
    r->n++, r->last = done, r->total = total;
    return r->cancel_at > 0 && (int)r->n >= r->cancel_at;
}

/* HDBSCAN on 20,000 points and an exact search of 3,000 queries report from
 * inside their loops, done rising strictly to total; a cancel at the fifth
 * report stops them with TC_ECANCELED and no report after it. */
static void check_inside(void) {
    enum { NP = 20000, NQ = 3000, D = 16 };
    float *x = malloc((size_t)NP * D * sizeof *x);
    unsigned seed = 9;
    for (size_t i = 0; i < (size_t)NP * D; i++) seed = seed * 1103515245u + 12345u, x[i] = (float)(seed >> 8) / 16777216.0f;
    int64_t *labels = malloc(NP * sizeof *labels), *ids = malloc((size_t)NQ * 10 * sizeof *ids);
    float *dist = malloc((size_t)NQ * 10 * sizeof *dist);
    double saved = tc_meter_interval;
    tc_meter_interval = 0;
    for (int cancel = 0; cancel < 2; cancel++) {
        inside r = {0, 0, 0, 1, cancel ? 5 : 0};
        tc_hdbscan_params hp = tc_hdbscan_default_params();
        hp.n_threads = 1, hp.min_cluster_size = 20, hp.progress = count_inside, hp.progress_ctx = &r;
        int rc = tc_hdbscan(x, NP, 2, &hp, labels);
        if (cancel) CHECK_MSG(rc == TC_ECANCELED && r.n == 5, "hdbscan cancel: rc %d after %zu reports", rc, r.n);
        else CHECK_MSG(rc == 0 && r.n > 20 && r.rising && r.last == NP && r.total == NP,
                       "hdbscan: %zu reports, rising %d, last %zu", r.n, r.rising, r.last);
        inside k = {0, 0, 0, 1, cancel ? 5 : 0};
        rc = tc_knn_search_progress(x, NP, D, x, NQ, 10, 1, count_inside, &k, dist, ids);
        if (cancel) CHECK_MSG(rc == TC_ECANCELED && k.n == 5, "knn cancel: rc %d after %zu reports", rc, k.n);
        else CHECK_MSG(rc == 0 && k.n > 10 && k.rising && k.last == NQ && k.total == NQ,
                       "knn: %zu reports, rising %d, last %zu", k.n, k.rising, k.last);
    }
    tc_meter_interval = saved;
    free(x), free(labels), free(ids), free(dist);
}

/* One stage's reports from inside, the other stages' passed over. */
typedef struct {
    const char *stage;
    size_t n, n_zero, last; /* its reports, those at done 0, the latest done */
    int falling;            /* done went back */
    size_t cancel_at;       /* 0 = never; k: at its k-th report */
    size_t after;           /* reports of any stage after the cancel */
    int canceled;
} staged;

static int count_stage(void *ctx, const char *stage, size_t done, size_t total) {
    staged *r = ctx;
    (void)total;
    if (r->canceled) return r->after++, 1;
    if (strcmp(stage, r->stage) != 0) return 0;
    if (r->n > 0 && done < r->last) r->falling = 1;
    r->n++, r->n_zero += done == 0, r->last = done;
    return r->canceled = r->cancel_at > 0 && r->n >= r->cancel_at;
}

/* Runs job to the end, counting the reports of stage, then cancels it at
 * about `cancels` reports spread over that count: each cancel returns TC_ECANCELED with no
 * report after it. (Parallel loops tick from the calling thread's share
 * of the items, so a run may report a few times fewer than the first: a
 * run that never reached its k-th report must simply succeed.) */
typedef int (*job_fn)(void *job, tc_progress_fn fn, void *ctx);

static staged run_and_cancel(const char *name, const char *stage, job_fn run, void *job, size_t cancels) {
    staged r = {stage, 0, 0, 0, 0, 0, 0, 0};
    CHECK_MSG(run(job, count_stage, &r) == 0, "%s: %s", name, tc_last_error());
    size_t step = r.n / cancels ? r.n / cancels : 1, tries = 0, stopped = 0;
    for (size_t k = 1; k <= r.n; k += step, tries++) {
        staged c = {stage, 0, 0, 0, 0, k, 0, 0};
        int rc = run(job, count_stage, &c);
        stopped += c.canceled;
        CHECK_MSG(c.canceled ? rc == TC_ECANCELED && c.after == 0 : rc == 0,
                  "%s: cancel at %s report %zu of %zu: rc %d, %zu reports after", name, stage, k, r.n, rc,
                  c.after);
    }
    CHECK_MSG(2 * stopped >= tries, "%s: %zu of %zu cancels reached", name, stopped, tries);
    return r;
}

typedef struct {
    const float *x;
    size_t n;
    int d, knn_method;
    float *out;
} umap_job;

static int run_umap(void *job, tc_progress_fn fn, void *ctx) {
    umap_job *j = job;
    tc_umap_params p = tc_umap_default_params();
    p.n_threads = 2, p.n_epochs = 5, p.knn_method = j->knn_method, p.progress = fn, p.progress_ctx = ctx;
    return tc_umap_fit(j->x, j->n, j->d, &p, j->out);
}

typedef struct {
    const char *model;
    char **texts;
    size_t n;
} tfidf_job;

/* fits and embeds; a cancelled fit leaves the encoder with nothing to save */
static int run_tfidf(void *job, tc_progress_fn fn, void *ctx) {
    tfidf_job *j = job;
    tc_encoder_params ep = tc_encoder_default_params();
    ep.n_threads = 2, ep.dim = 32, ep.progress = fn, ep.progress_ctx = ctx;
    tc_encoder *e = NULL;
    int rc = tc_encoder_open(j->model, &ep, &e);
    if (!rc) rc = tc_encoder_fit(e, (const char *const *)j->texts, j->n);
    void *buf = NULL;
    size_t len = 0;
    if (rc == TC_ECANCELED) CHECK(tc_encoder_state(e, &buf, &len) == TC_EINVAL && !buf);
    float *out = rc ? NULL : malloc(j->n * tc_encoder_dim(e) * sizeof *out);
    if (!rc) rc = tc_encoder_embed(e, (const char *const *)j->texts, j->n, out);
    free(out);
    tc_encoder_free(e);
    return rc;
}

typedef struct {
    char **texts;
    size_t n;
    const int64_t *labels;
} label_job;

static int run_label(void *job, tc_progress_fn fn, void *ctx) {
    label_job *j = job;
    tc_label_params lp = tc_label_default_params();
    lp.progress = fn, lp.progress_ctx = ctx;
    tc_cluster_label *l = (tc_cluster_label *)1;
    size_t k = 1;
    int rc = tc_label_clusters((const char *const *)j->texts, j->n, j->labels, &lp, &l, &k);
    if (rc) CHECK(l == NULL && k == 0);
    tc_cluster_labels_free(l, k);
    return rc;
}

/* The stretches that take seconds at a million points or 100,000 texts
 * report from inside (every tick reports here): NN-descent's groups of
 * points and candidate draws, the exact graph's tiles, the fuzzy set's
 * passes and the eigensolver's products (as "umap" at 0 epochs), the tfidf
 * fit's three steps, MODEL+tfidf's sentence-encoder batches, and the
 * keywords' texts and clusters; a cancel anywhere among those reports stops
 * the call with TC_ECANCELED. The counts are well above what the stage
 * boundaries alone give (knn: one report per tree and round, about 20;
 * umap before its first epoch: 2; tfidf: 4; label: 2). */
static void check_inside_stages(char **texts, size_t n_texts) {
    enum { NP = 20000, D = 8 };
    float *x = malloc((size_t)NP * D * sizeof *x), *out = malloc((size_t)NP * 2 * sizeof *out);
    unsigned seed = 11;
    for (size_t i = 0; i < (size_t)NP * D; i++)
        seed = seed * 1103515245u + 12345u, x[i] = (float)(seed >> 8) / 16777216.0f + (float)(i / D % 7);
    double saved = tc_meter_interval;
    tc_meter_interval = 0;
    /* 8 trees and at most 10 rounds: 18 reports without those from inside */
    umap_job uj = {x, NP, D, TC_KNN_APPROX, out};
    staged r = run_and_cancel("umap (approx)", "knn", run_umap, &uj, 4);
    CHECK_MSG(r.n > 24 && !r.falling && r.last == NP, "approx knn: %zu reports, falling %d", r.n, r.falling);
    uj.knn_method = TC_KNN_EXACT, uj.n = 3000;
    r = run_and_cancel("umap (exact)", "knn", run_umap, &uj, 4);
    CHECK_MSG(r.n > 6 && !r.falling && r.last == 3000, "exact knn: %zu reports, last %zu", r.n, r.last);
    r = run_and_cancel("umap", "umap", run_umap, &uj, 8);
    CHECK_MSG(r.n_zero > 40 && !r.falling && r.last == 5, "umap: %zu reports at 0 epochs, falling %d, last %zu",
              r.n_zero, r.falling, r.last);

    tfidf_job tj = {"tfidf", texts, n_texts};
    r = run_and_cancel("tfidf", "tfidf", run_tfidf, &tj, 6);
    CHECK_MSG(r.n > 12 && !r.falling && r.last == 3, "tfidf: %zu reports, last %zu", r.n, r.last);
    tj.model = "hashing+tfidf";
    r = run_and_cancel("hashing+tfidf", "tfidf", run_tfidf, &tj, 3);
    CHECK_MSG(r.n > 12 && r.last == 3, "hashing+tfidf fit: %zu reports, last %zu", r.n, r.last);
    r = run_and_cancel("hashing+tfidf", "embed", run_tfidf, &tj, 3);
    CHECK_MSG(r.n > 3 && !r.falling && r.last == n_texts, "hashing+tfidf embed: %zu reports, last %zu", r.n,
              r.last);

    int64_t *labels = malloc(n_texts * sizeof *labels);
    for (size_t i = 0; i < n_texts; i++) labels[i] = (int64_t)(i % 40);
    label_job lj = {texts, n_texts, labels};
    r = run_and_cancel("label", "label", run_label, &lj, 8);
    CHECK_MSG(r.n > 10 && !r.falling && r.last == 40, "label: %zu reports, last %zu", r.n, r.last);
    tc_meter_interval = saved;
    free(x), free(out), free(labels);
}

/* ---------------------------------------------------------------- save */

extern size_t tc_write_chunk; /* util.h: the pieces tc_atomic_put writes and reports */

/* Every name in dir, dot files included, one per line (a staging folder or
 * a temporary left behind shows here). */
static char *names(const char *dir) {
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    char *out = calloc(1, 8192);
    for (int i = 0; i < n; i++) {
        if (strlen(out) + strlen(ents[i]->d_name) + 2 < 8192) strcat(strcat(out, ents[i]->d_name), "\n");
        free(ents[i]);
    }
    free(ents);
    return out;
}

/* Bytes this process has written (write(2) and the like), from /proc/self/io. */
static size_t written(void) {
    FILE *f = fopen("/proc/self/io", "r");
    char line[128];
    size_t w = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "wchar:", 6)) w = strtoull(line + 6, NULL, 10);
    if (f) fclose(f);
    return w;
}

typedef struct {
    const char *dir;
    float *emb, *proj;
    int64_t *labels;
    char **texts;
    size_t n;
    int dim;
} save_job;

static int run_save(void *job, tc_progress_fn fn, void *ctx) {
    save_job *j = job;
    tc_params p = tc_default_params();
    p.progress = fn, p.progress_ctx = ctx;
    tc_classifier_arrays a = {.n = j->n, .texts = (const char *const *)j->texts, .embeddings = j->emb,
                              .dim = j->dim, .projections = j->proj, .labels = j->labels};
    tc_classifier *c = NULL;
    int rc = tc_classifier_from_arrays(&p, &a, &c);
    if (!rc) rc = tc_classifier_save(c, j->dir);
    tc_classifier_free(c);
    return rc;
}

typedef struct {
    size_t n, last, total, first;
    int falling;
} bytes_seen;

static int count_save(void *ctx, const char *stage, size_t done, size_t total) {
    bytes_seen *b = ctx;
    if (strcmp(stage, "save") != 0) return 0;
    if (b->n == 0) b->first = done;
    if (b->n > 0 && done < b->last) b->falling = 1;
    b->n++, b->last = done, b->total = total;
    return 0;
}

/* Plotting reports "plot" in points from inside map/'s passes (every tick
 * reports here); a cancel at any report gives TC_ECANCELED with no report
 * after, and map/ stays the earlier one, with nothing left beside it. */
static void check_plot(save_job *j, float *emb_b, const char *dir) {
    tc_params p = tc_default_params();
    CHECK_OK(tc_params_set(&p, "viz.map_max_points", "1000")); /* map/, not map.html */
    tc_classifier_arrays a = {.n = j->n, .texts = (const char *const *)j->texts, .embeddings = j->emb,
                              .dim = j->dim, .projections = j->proj, .labels = j->labels};
    tc_classifier *c = NULL;
    CHECK_OK(tc_classifier_from_arrays(&p, &a, &c));
    CHECK_OK(tc_classifier_plot(c, dir, NULL));
    tc_classifier_free(c);
    char mapdir[256];
    snprintf(mapdir, sizeof mapdir, "%s/map", dir);
    size_t before_len, after_len;
    char *before = snapshot(mapdir, &before_len), *before_names = names(dir);
    CHECK(strstr(before_names, "map\n") && memmem(before, before_len, "meta.json\n", 10));
    /* another map: the points moved */
    float *proj_b = malloc(j->n * 2 * sizeof *proj_b);
    for (size_t i = 0; i < 2 * j->n; i++) proj_b[i] = j->proj[i] * 2 + 1;
    a.projections = proj_b, a.embeddings = emb_b;
    staged r = {"plot", 0, 0, 0, 0, 0, 0, 0};
    p.progress = count_stage, p.progress_ctx = &r;
    CHECK_OK(tc_classifier_from_arrays(&p, &a, &c));
    CHECK_OK(tc_classifier_plot(c, dir, NULL)); /* the run that counts: the new map stays for now */
    CHECK_MSG(r.n > 20 && r.n_zero == 1 && !r.falling && r.last == j->n, "plot: %zu reports, falling %d, last %zu",
              r.n, r.falling, r.last);
    size_t moved_len;
    char *moved = snapshot(mapdir, &moved_len);
    CHECK_MSG(moved_len != before_len || memcmp(before, moved, moved_len) != 0, "the second map is the first");
    tc_classifier_free(c);
    a.projections = j->proj, a.embeddings = j->emb, p.progress = NULL;
    CHECK_OK(tc_classifier_from_arrays(&p, &a, &c));
    CHECK_OK(tc_classifier_plot(c, dir, NULL)); /* the first map again */
    tc_classifier_free(c);
    a.projections = proj_b, a.embeddings = emb_b, p.progress = count_stage;
    size_t swapped = 0, tries = 0, reached = 0;
    for (size_t k = 2; k <= r.n; k += r.n / 8, tries++) {
        staged cr = {"plot", 0, 0, 0, 0, k, 0, 0};
        p.progress_ctx = &cr;
        CHECK_OK(tc_classifier_from_arrays(&p, &a, &c));
        int rc = tc_classifier_plot(c, dir, NULL);
        tc_classifier_free(c);
        /* map.png's bands report from OpenMP thread 0 only, a varying share:
         * a run that never reached its k-th report simply succeeds */
        CHECK_MSG(cr.canceled ? rc == TC_ECANCELED && cr.after == 0 : rc == 0,
                  "plot: cancel at report %zu of %zu: rc %d", k, r.n, rc);
        reached += cr.canceled;
        /* before the swap the earlier map stays; after it (the earlier one's
         * files being removed) the new one is whole */
        char *after = snapshot(mapdir, &after_len), *after_names = names(dir);
        int old_map = after_len == before_len && memcmp(before, after, after_len) == 0;
        int new_map = after_len == moved_len && memcmp(moved, after, after_len) == 0;
        CHECK_MSG(old_map || new_map, "plot: a cancel at report %zu left map/ neither the earlier nor the new", k);
        swapped += new_map && cr.canceled;
        if (new_map) { /* the first map again, for the next cancel */
            a.projections = j->proj, a.embeddings = j->emb, p.progress = NULL;
            CHECK_OK(tc_classifier_from_arrays(&p, &a, &c));
            CHECK_OK(tc_classifier_plot(c, dir, NULL));
            tc_classifier_free(c);
            a.projections = proj_b, a.embeddings = emb_b, p.progress = count_stage;
        }
        CHECK_MSG(strcmp(before_names, after_names) == 0, "plot: a cancel at report %zu left\n%s", k, after_names);
        free(after), free(after_names);
    }
    CHECK_MSG(2 * swapped < tries && 2 * reached >= tries, "plot: %zu of %zu cancels reached, %zu after the swap",
              reached, tries, swapped);
    free(before), free(before_names), free(proj_b), free(moved);
}

/* Saving reports "save" in bytes from inside each file's writes, 0 first
 * and the arrays', texts' and nothing else's bytes last; a cancel at any
 * of those reports returns TC_ECANCELED with no report after, and the
 * folder keeps the earlier save, file for file, with nothing left beside
 * it. */
static void check_save(void) {
    enum { NS = 3000, DIM = 256 };
    char dir[] = "/tmp/tc_progress_save_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    save_job j = {dir, malloc((size_t)NS * DIM * sizeof(float)), malloc((size_t)NS * 2 * sizeof(float)),
                  malloc(NS * sizeof(int64_t)), malloc(NS * sizeof(char *)), NS, DIM};
    size_t text_bytes = 0;
    unsigned seed = 5;
    for (size_t i = 0; i < NS; i++) {
        j.texts[i] = malloc(64);
        text_bytes += (size_t)snprintf(j.texts[i], 64, "text number %zu of the save", i);
        j.labels[i] = (int64_t)(i % 3);
        j.proj[2 * i] = (float)(i % 3), j.proj[2 * i + 1] = (float)i / NS;
        for (int k = 0; k < DIM; k++) seed = seed * 1103515245u + 12345u, j.emb[i * DIM + k] = (float)(seed >> 8) / 16777216.0f;
    }
    CHECK_OK(run_save(&j, NULL, NULL)); /* the earlier save */
    size_t before_len, after_len;
    char *before = snapshot(dir, &before_len), *before_names = names(dir);

    double saved_interval = tc_meter_interval;
    size_t saved_chunk = tc_write_chunk;
    tc_meter_interval = 0, tc_write_chunk = 64 << 10;
    float *emb_a = j.emb, *emb_b = malloc((size_t)NS * DIM * sizeof(float));
    for (size_t i = 0; i < (size_t)NS * DIM; i++) emb_b[i] = emb_a[i] + 1;
    j.emb = emb_b; /* a different save */
    const size_t want = (size_t)NS * DIM * 4 * 2 + (size_t)NS * 16 + text_bytes;
    bytes_seen b = {0};
    CHECK_OK(run_save(&j, count_save, &b));
    /* 3 MB of vectors twice in 64 KiB pieces: 48 reports each */
    CHECK_MSG(b.n > 96 && !b.falling && b.first == 0 && b.last == want && b.total == want,
              "save: %zu reports, falling %d, first %zu, last %zu, total %zu (want %zu)", b.n, b.falling,
              b.first, b.last, b.total, want);
    char *saved_b = snapshot(dir, &after_len);
    CHECK_MSG(after_len != before_len || memcmp(before, saved_b, after_len) != 0, "a new save changed nothing");
    free(saved_b);
    j.emb = emb_a;
    CHECK_OK(run_save(&j, NULL, NULL)); /* the earlier save again, byte for byte */
    char *again = snapshot(dir, &after_len);
    CHECK(after_len == before_len && memcmp(before, again, after_len) == 0);
    free(again);

    j.emb = emb_b;
    size_t tries = 0;
    for (size_t k = 1; k <= b.n; k += b.n / 12, tries++) {
        staged c = {"save", 0, 0, 0, 0, k, 0, 0};
        size_t w0 = written();
        int rc = run_save(&j, count_stage, &c);
        size_t w = written() - w0;
        /* the write stops at the cancel: one piece, a stdio buffer and
         * the headers at most beyond the bytes reported */
        CHECK_MSG(w <= c.last + tc_write_chunk + 16384, "save: cancel at report %zu (%zu bytes): %zu written",
                  k, c.last, w);
        CHECK_MSG(c.canceled && rc == TC_ECANCELED && c.after == 0,
                  "save: cancel at report %zu of %zu: rc %d, canceled %d, %zu reports after", k, b.n, rc,
                  c.canceled, c.after);
        CHECK(strstr(tc_last_error(), "canceled") != NULL);
        char *after = snapshot(dir, &after_len), *after_names = names(dir);
        CHECK_MSG(after_len == before_len && memcmp(before, after, after_len) == 0,
                  "save: a cancel at report %zu changed the earlier save", k);
        CHECK_MSG(strcmp(before_names, after_names) == 0, "save: a cancel at report %zu left\n%s\nbefore:\n%s", k,
                  after_names, before_names);
        free(after), free(after_names);
    }
    CHECK(tries >= 12);

    /* the commit: "commit" from 0 to its total; a cancel at its first
     * report keeps the earlier save, one at a later report is not heard */
    {
        staged cm = {"commit", 0, 0, 0, 0, 0, 0, 0};
        CHECK_OK(run_save(&j, count_stage, &cm));
        CHECK_MSG(cm.n >= 3 && cm.n_zero == 1 && !cm.falling, "commit: %zu reports", cm.n);
        j.emb = emb_a;
        CHECK_OK(run_save(&j, NULL, NULL));
        j.emb = emb_b;
        staged c1 = {"commit", 0, 0, 0, 0, 1, 0, 0};
        CHECK(run_save(&j, count_stage, &c1) == TC_ECANCELED && c1.canceled && c1.after == 0);
        char *after = snapshot(dir, &after_len), *after_names = names(dir);
        CHECK_MSG(after_len == before_len && memcmp(before, after, after_len) == 0 &&
                  !strcmp(after_names, before_names), "commit: a cancel at its start changed the save");
        free(after), free(after_names);
        staged c2 = {"commit", 0, 0, 0, 0, 2, 0, 0};
        CHECK_MSG(run_save(&j, count_stage, &c2) == 0 && c2.canceled, "commit: a cancel past the marker was heard");
        after = snapshot(dir, &after_len);
        CHECK_MSG(after_len != before_len || memcmp(before, after, after_len) != 0, "commit: the new save is not in place");
        free(after);
        j.emb = emb_a;
        CHECK_OK(run_save(&j, NULL, NULL)); /* the earlier save again */
    }

    check_plot(&j, emb_b, dir);

    /* loading reports "load" in bytes of the files, from inside each; a
     * cancel at any report gives TC_ECANCELED and no classifier */
    struct stat st;
    size_t files = 0;
    static const char *const read_files[] = {"embeddings.npy", "projections.npy", "cluster_labels.npy", "texts.json"};
    for (int f = 0; f < 4; f++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, read_files[f]);
        CHECK(stat(path, &st) == 0);
        files += (size_t)st.st_size;
    }
    staged lr = {"load", 0, 0, 0, 0, 0, 0, 0};
    tc_params lp = tc_default_params();
    lp.progress = count_stage, lp.progress_ctx = &lr;
    tc_classifier *lc = NULL;
    CHECK_OK(tc_classifier_load(dir, &lp, &lc));
    CHECK_MSG(lr.n > 48 && !lr.falling && lr.n_zero == 1 && lr.last == files && tc_classifier_n_texts(lc) == NS,
              "load: %zu reports, falling %d, last %zu of %zu", lr.n, lr.falling, lr.last, files);
    tc_classifier_free(lc);
    for (size_t k = 1; k <= lr.n; k += lr.n / 8) {
        staged c = {"load", 0, 0, 0, 0, k, 0, 0};
        lp.progress_ctx = &c;
        lc = (tc_classifier *)1;
        int rc = tc_classifier_load(dir, &lp, &lc);
        CHECK_MSG(c.canceled && rc == TC_ECANCELED && c.after == 0 && lc == NULL,
                  "load: cancel at report %zu of %zu: rc %d, %zu reports after", k, lr.n, rc, c.after);
    }
    tc_meter_interval = saved_interval, tc_write_chunk = saved_chunk;
    free(before), free(before_names);
    for (size_t i = 0; i < NS; i++) free(j.texts[i]);
    free(emb_a), free(emb_b), free(j.proj), free(j.labels), free(j.texts);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

int main(void) {
    check_inside();
    check_save();
    char *texts[N];
    unsigned seed = 3;
    for (int i = 0; i < N; i++) {
        texts[i] = calloc(1, 256);
        for (int w = 0; w < 12; w++) {
            seed = seed * 1103515245u + 12345u;
            strcat(texts[i], words[i % 3][(seed >> 16) % 10]);
            strcat(texts[i], " ");
        }
    }
    check_fit_and_cancel(texts);
    {
        enum { NT = 6000 };
        char **many = malloc(NT * sizeof *many);
        for (int i = 0; i < NT; i++) {
            many[i] = calloc(1, 256);
            for (int w = 0; w < 12; w++) {
                seed = seed * 1103515245u + 12345u;
                strcat(many[i], words[(i + w / 6) % 3][(seed >> 16) % 10]);
                strcat(many[i], " ");
            }
        }
        check_inside_stages(many, NT);
        for (int i = 0; i < NT; i++) free(many[i]);
        free(many);
    }
    check_concurrent_stages(texts);
    for (int i = 0; i < N; i++) free(texts[i]);
    return check_report("test_progress");
}
