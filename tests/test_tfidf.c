/* test_tfidf.c - the tfidf encoder: its vocabulary and TF-IDF weights
 * against the naive reference (src/embed/tfidf_naive.c) on the golden
 * texts, with and without a vocabulary cap; the truncated SVD by its
 * defining properties (orthonormal basis, x^T x v = s^2 v, computed here in
 * double with plain loops); determinism for a seed and thread count; the
 * state bytes round trip and refuse damage; the hybrid (hashing+tfidf) as
 * the concatenation it promises; fit / save / load / infer through the
 * classifier giving the training texts their saved vectors bit for bit.
 * scikit-learn and numpy's exact SVD check the same code in
 * tests/tfidf_sklearn_test.py through --dump. */
#include "check.h"
#include "embed/tfidf.h"
#include "textclust.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char **golden_texts(int *n) {
    FILE *f = fopen("tests/data/embed/golden_texts.jsonl", "rb");
    if (!f) { fprintf(stderr, "cannot open the golden texts\n"); exit(2); }
    char **t = NULL, *line = NULL;
    size_t cap = 0;
    *n = 0;
    while (getline(&line, &cap, f) > 0) {
        cJSON *j = cJSON_Parse(line);
        t = realloc(t, sizeof *t * (size_t)(*n + 1));
        t[(*n)++] = strdup(j && cJSON_IsString(j) ? j->valuestring : "");
        cJSON_Delete(j);
    }
    free(line);
    fclose(f);
    return t;
}

/* ---------------------------------------------------------------- weights */

static void check_weights(const char *const *texts, size_t n, tc_tfidf_opts o) {
    tc_tfidf_model m = {0};
    CHECK_OK(tc_tfidf_vocab_fit(texts, n, &o, 2, NULL, &m));
    char **voc;
    size_t v;
    double *dense;
    CHECK_OK(tc_tfidf_naive(texts, n, &o, &voc, &v, &dense));
    CHECK_MSG(m.n_terms == v, "%u terms vs naive %zu", m.n_terms, v);
    size_t bad_terms = 0;
    for (size_t j = 0; j < v && j < m.n_terms; j++) bad_terms += strcmp(voc[j], m.term_bytes + m.term_off[j]) != 0;
    CHECK_MSG(bad_terms == 0, "%zu terms differ", bad_terms);
    tc_tfidf_rows x;
    CHECK_OK(tc_tfidf_transform(&m, texts, n, 3, NULL, &x));
    double worst = 0;
    size_t nnz_naive = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < v; j++) nnz_naive += dense[i * v + j] != 0;
        for (size_t p = x.row[i]; p < x.row[i + 1]; p++) {
            double d = fabs(x.val[p] - dense[i * v + x.col[p]]);
            if (d > worst) worst = d;
            if (p > x.row[i]) CHECK(x.col[p] > x.col[p - 1]);
        }
    }
    CHECK_MSG(x.row[n] == nnz_naive, "nnz %zu vs naive %zu", x.row[n], nnz_naive);
    CHECK_MSG(worst < 1e-6, "max |weight - naive| %g", worst);
    tc_tfidf_rows_free(&x);
    for (size_t j = 0; j < v; j++) free(voc[j]);
    free(voc), free(dense);
    tc_tfidf_model_free(&m);
}

/* ---------------------------------------------------------------- SVD */

static void check_svd(const char *const *texts, size_t n) {
    tc_tfidf_opts o = tc_tfidf_default_opts();
    tc_tfidf_model m = {0};
    CHECK_OK(tc_tfidf_vocab_fit(texts, n, &o, 2, NULL, &m));
    tc_tfidf_rows x;
    CHECK_OK(tc_tfidf_transform(&m, texts, n, 2, NULL, &x));
    const int k = 16;
    size_t v = m.n_terms;
    float *b = malloc(v * k * sizeof *b), *b2 = malloc(v * k * sizeof *b2), *sv = malloc(k * sizeof *sv);
    /* with enough power iterations the randomized SVD must reach the exact
     * one (the default 5 stop at scikit-learn's accuracy: a few percent on
     * the trailing vectors of a flat spectrum; tfidf_sklearn_test.py) */
    CHECK_OK(tc_tfidf_svd(&x, k, 10, 60, 42, 2, NULL, b, sv));
    /* orthonormal columns */
    double worst = 0;
    for (int a = 0; a < k; a++)
        for (int c = 0; c < k; c++) {
            double dot = 0;
            for (size_t j = 0; j < v; j++) dot += (double)b[j * k + a] * b[j * k + c];
            worst = fmax(worst, fabs(dot - (a == c)));
        }
    CHECK_MSG(worst < 1e-4, "V^T V - I: %g", worst);
    /* x^T x v = s^2 v for the leading vectors, in double with plain loops */
    double *xv = calloc(n, sizeof *xv), *g = calloc(v, sizeof *g);
    for (int c = 0; c < 6; c++) {
        memset(g, 0, v * sizeof *g);
        for (size_t i = 0; i < n; i++) {
            xv[i] = 0;
            for (size_t p = x.row[i]; p < x.row[i + 1]; p++) xv[i] += (double)x.val[p] * b[(size_t)x.col[p] * k + c];
            for (size_t p = x.row[i]; p < x.row[i + 1]; p++) g[x.col[p]] += (double)x.val[p] * xv[i];
        }
        double s2 = (double)sv[c] * sv[c], res = 0, nv = 0;
        for (size_t j = 0; j < v; j++) res += (g[j] - s2 * b[j * k + c]) * (g[j] - s2 * b[j * k + c]), nv += g[j] * g[j];
        CHECK_MSG(sqrt(res) <= 2e-3 * sqrt(nv), "vector %d: |x^T x v - s^2 v| = %g of %g", c, sqrt(res), sqrt(nv));
        if (c) CHECK(sv[c] <= sv[c - 1]);
    }
    /* the same seed and thread count: the same bytes */
    CHECK_OK(tc_tfidf_svd(&x, k, 10, 5, 42, 2, NULL, b, NULL));
    CHECK_OK(tc_tfidf_svd(&x, k, 10, 5, 42, 2, NULL, b2, NULL));
    CHECK(memcmp(b, b2, v * k * sizeof *b) == 0);
    CHECK_OK(tc_tfidf_svd(&x, k, 10, 5, 43, 2, NULL, b2, NULL));
    CHECK(memcmp(b, b2, v * k * sizeof *b) != 0);
    CHECK(tc_tfidf_svd(&x, (int)n + 1, 10, 5, 42, 2, NULL, b2, NULL) == TC_EINVAL);
    free(xv), free(g), free(b), free(b2), free(sv);
    tc_tfidf_rows_free(&x);
    tc_tfidf_model_free(&m);
}

/* ---------------------------------------------------------------- encoder */

static void check_encoder(const char *const *texts, size_t n) {
    tc_encoder_params p = tc_encoder_default_params();
    p.n_threads = 2, p.dim = 32, p.seed = 7;
    tc_encoder *e, *f;
    CHECK_OK(tc_encoder_open("tfidf", &p, &e));
    CHECK(tc_encoder_needs_fit(e));
    float *a = malloc(n * 32 * sizeof *a), *b = malloc(n * 32 * sizeof *b);
    CHECK(tc_encoder_embed(e, texts, 1, a) == TC_EINVAL);  /* not fitted */
    CHECK_OK(tc_encoder_fit(e, texts, n));
    CHECK(tc_encoder_dim(e) == 32);
    CHECK_OK(tc_encoder_embed(e, texts, n, a));
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double ss = 0;
        for (int c = 0; c < 32; c++) ss += (double)a[i * 32 + c] * a[i * 32 + c];
        worst = fmax(worst, fabs(ss - 1));
    }
    CHECK_MSG(worst < 1e-5, "row norms off by %g", worst);
    void *st;
    size_t len;
    CHECK_OK(tc_encoder_state(e, &st, &len));
    CHECK_OK(tc_encoder_open("tfidf", &p, &f));
    CHECK_OK(tc_encoder_set_state(f, st, len, "state"));
    CHECK_OK(tc_encoder_embed(f, texts, n, b));
    CHECK(memcmp(a, b, n * 32 * sizeof *a) == 0);
    /* a refit with the same seed and threads gives the same bytes */
    CHECK_OK(tc_encoder_fit(f, texts, n));
    CHECK_OK(tc_encoder_embed(f, texts, n, b));
    CHECK(memcmp(a, b, n * 32 * sizeof *a) == 0);

    /* damage is refused with the field named, never a crash */
    unsigned char *bad = malloc(len);
    memcpy(bad, st, len);
    CHECK(tc_encoder_set_state(f, bad, len - 1, "t.bin") == TC_EFORMAT);
    CHECK(tc_encoder_set_state(f, bad, 20, "t.bin") == TC_EFORMAT);
    bad[0] ^= 1;
    CHECK(tc_encoder_set_state(f, bad, len, "t.bin") == TC_EFORMAT);
    CHECK(strstr(tc_last_error(), "t.bin") != NULL);
    memcpy(bad, st, len);
    const float nan = NAN;
    memcpy(bad + len - 4, &nan, 4);
    CHECK(tc_encoder_set_state(f, bad, len, "t.bin") == TC_EFORMAT);
    memcpy(bad, st, len);
    bad[32] = 'z', bad[33] = 'z';   /* the first term now sorts after the second */
    CHECK(tc_encoder_set_state(f, bad, len, "t.bin") == TC_EFORMAT);
    free(bad);
    free(st);
    tc_encoder_free(f);

    /* hybrid: [hashing, w tfidf] / sqrt(1 + w^2) with the tfidf half above */
    p.hybrid_weight = 0.5f;
    tc_encoder *h, *hs;
    CHECK_OK(tc_encoder_open("hashing+tfidf", &p, &h));
    CHECK_STR(tc_encoder_name(h), "hashing-512+tfidf");
    CHECK_OK(tc_encoder_open("hashing", &p, &hs));
    CHECK_OK(tc_encoder_fit(h, texts, n));
    int d = tc_encoder_dim(h);
    CHECK(d == 512 + 32);
    float *y = malloc(n * (size_t)d * sizeof *y), *hv = malloc(n * 512 * sizeof *hv);
    CHECK_OK(tc_encoder_embed(h, texts, n, y));
    CHECK_OK(tc_encoder_embed(hs, texts, n, hv));
    worst = 0;
    double s = 1 / sqrt(1.25);
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < 512; c++) worst = fmax(worst, fabs(y[i * d + c] - s * hv[i * 512 + c]));
        for (int c = 0; c < 32; c++) worst = fmax(worst, fabs(y[i * d + 512 + c] - 0.5 * s * a[i * 32 + c]));
    }
    CHECK_MSG(worst < 1e-6, "hybrid vs its halves: %g", worst);
    CHECK(tc_encoder_open("tfidf+tfidf", &p, &f) != 0);
    tc_encoder_free(h), tc_encoder_free(hs), tc_encoder_free(e);
    free(a), free(b), free(y), free(hv);
}

/* ---------------------------------------------------------------- classifier */

static void check_round_trip(const char *const *texts, size_t n, const char *model) {
    tc_params p = tc_default_params();
    p.embed_model = model;
    p.n_threads = 2;
    p.summary_create = 0;
    p.encoder.dim = 24;
    p.dbscan.min_samples = 5, p.dbscan.eps = 0.5f;
    tc_classifier *c, *l;
    CHECK_OK(tc_classifier_new(&p, &c));
    CHECK_OK(tc_classifier_fit(c, texts, n, NULL, 0));
    char dir[] = "/tmp/test_tfidf_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char save[4200], path[4300];
    snprintf(save, sizeof save, "%s/save", dir);
    CHECK_OK(tc_classifier_save(c, save));
    snprintf(path, sizeof path, "%s/tfidf.bin", save);
    CHECK(access(path, F_OK) == 0);
    tc_params q = tc_default_params();
    q.n_threads = 2;
    CHECK_OK(tc_classifier_load(save, &q, &l));
    int d = tc_classifier_dim(c);
    CHECK(l && tc_classifier_dim(l) == d);
    CHECK_STR(tc_classifier_model(l), tc_classifier_model(c));
    float *e = malloc(n * (size_t)d * sizeof *e);
    int64_t *lab = malloc(n * sizeof *lab);
    CHECK_OK(tc_classifier_infer(l, texts, n, 1, lab, NULL, e));
    CHECK(memcmp(e, tc_classifier_embeddings(c), n * (size_t)d * sizeof *e) == 0);
    size_t same = 0;
    for (size_t i = 0; i < n; i++) same += lab[i] == tc_classifier_labels(c)[i];
    CHECK_MSG(same >= n - n / 50, "%zu of %zu training texts keep their label", same, n);
    tc_classifier_free(l);
    /* a folder that lost tfidf.bin says so */
    unlink(path);
    CHECK_OK(tc_classifier_load(save, &q, &l));
    CHECK(tc_classifier_infer(l, texts, 1, 1, lab, NULL, NULL) == TC_ENOTFOUND);
    CHECK(strstr(tc_last_error(), "tfidf.bin") != NULL);
    tc_classifier_free(l);
    tc_classifier_free(c);
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    free(e), free(lab);
}

/* ---------------------------------------------------------------- --dump */

/* --dump TEXTS K DIR: TEXTS holds NUL-terminated texts; writes the
 * vocabulary (vocab.txt, a term a line), the TF-IDF matrix (row.i64,
 * col.i32, val.f32), the SVD (basis.f32 (V, K), sv.f32) and the encoder's
 * vectors (emb.f32 (n, K)) for tests/tfidf_sklearn_test.py. */
static int dump(const char *texts_path, int k, const char *dir) {
    FILE *f = fopen(texts_path, "rb");
    if (!f) return 2;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    char chunk[65536];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + got > cap) cap = 2 * (len + got), buf = realloc(buf, cap);
        memcpy(buf + len, chunk, got), len += got;
    }
    fclose(f);
    size_t n = 0;
    const char **t = NULL;
    for (size_t i = 0; i < len; i += strlen(buf + i) + 1) t = realloc(t, (n + 1) * sizeof *t), t[n++] = buf + i;
    tc_tfidf_opts o = tc_tfidf_default_opts();
    tc_tfidf_model m = {0};
    tc_tfidf_rows x;
    if (tc_tfidf_vocab_fit(t, n, &o, 2, NULL, &m) || tc_tfidf_transform(&m, t, n, 2, NULL, &x)) {
        fprintf(stderr, "%s\n", tc_last_error());
        return 1;
    }
    float *basis = malloc((size_t)m.n_terms * k * sizeof *basis), *sv = malloc(k * sizeof *sv);
    float *emb = malloc(n * (size_t)k * sizeof *emb);
    if (tc_tfidf_svd(&x, k, 10, 5, 42, 2, NULL, basis, sv)) { fprintf(stderr, "%s\n", tc_last_error()); return 1; }
    tc_tfidf_project(&x, basis, k, 2, emb);
    char path[4200];
#define OUT(name, ptr, size, count)                                   \
    snprintf(path, sizeof path, "%s/%s", dir, name);                 \
    f = fopen(path, "wb");                                           \
    fwrite(ptr, size, count, f);                                     \
    fclose(f);
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    f = fopen(path, "wb");
    for (uint32_t j = 0; j < m.n_terms; j++) fprintf(f, "%s\n", m.term_bytes + m.term_off[j]);
    fclose(f);
    int64_t *row = malloc((n + 1) * sizeof *row);
    for (size_t i = 0; i <= n; i++) row[i] = (int64_t)x.row[i];
    OUT("row.i64", row, sizeof *row, n + 1);
    OUT("col.i32", x.col, sizeof *x.col, x.row[n]);
    OUT("val.f32", x.val, sizeof *x.val, x.row[n]);
    OUT("basis.f32", basis, sizeof *basis, (size_t)m.n_terms * k);
    OUT("sv.f32", sv, sizeof *sv, (size_t)k);
    OUT("emb.f32", emb, sizeof *emb, n * (size_t)k);
#undef OUT
    free(row), free(basis), free(sv), free(emb), free(t), free(buf);
    tc_tfidf_rows_free(&x);
    tc_tfidf_model_free(&m);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "--dump") == 0) return dump(argv[2], atoi(argv[3]), argv[4]);
    int n;
    char **texts = golden_texts(&n);
    CHECK(n >= 300);
    const char *const *t = (const char *const *)texts;

    /* tokenising: NFKC + case fold, stop words out, pairs across them */
    const char *probe[] = {"The ﬁle of STRASSE: Straße, a Ǆ-x", "x"};
    tc_tfidf_opts all = tc_tfidf_default_opts();
    all.min_df = 1, all.max_df = 1.0;
    tc_tfidf_model m = {0};
    CHECK_OK(tc_tfidf_vocab_fit(probe, 1, &all, 1, NULL, &m));
    const char *want[] = {"dž", "file", "file strasse", "strasse", "strasse dž", "strasse strasse"};
    CHECK(m.n_terms == 6);
    for (uint32_t j = 0; j < m.n_terms && j < 6; j++) CHECK_STR(m.term_bytes + m.term_off[j], want[j]);
    tc_tfidf_model_free(&m);

    check_weights(t, (size_t)n, tc_tfidf_default_opts());
    tc_tfidf_opts capped = tc_tfidf_default_opts();
    capped.max_terms = 200, capped.min_df = 1, capped.max_df = 0.2;
    check_weights(t, (size_t)n, capped);
    check_svd(t, (size_t)n);
    check_encoder(t, (size_t)n);
    check_round_trip(t, (size_t)n, "tfidf");
    check_round_trip(t, (size_t)n, "hashing+tfidf");
    for (int i = 0; i < n; i++) free(texts[i]);
    free(texts);
    return check_report("test_tfidf");
}
