/* test_embed.c - the USE-lite encoder against its JavaScript reference
 * (golden files from tests/use_lite_golden.js): identical token ids, per
 * text cosine >= 0.9999 and max |diff| <= 1e-4; the fast forward pass
 * against the naive one; results independent of batch composition and
 * thread count; clear errors for missing weights and corrupt shards.
 * Needs the model folder (scripts/setup.sh --test installs it). */
#include "check.h"
#include "embed/use_lite.h"
#include "textclust.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GOLDEN "tests/data/embed/"

static char **read_lines(const char *path, int *n) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot open %s\n", path); exit(2); }
    char **lines = NULL, *line = NULL;
    size_t cap = 0;
    ssize_t len;
    *n = 0;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n') line[len - 1] = 0;
        lines = realloc(lines, sizeof *lines * (*n + 1));
        lines[(*n)++] = strdup(line);
    }
    free(line);
    fclose(f);
    return lines;
}

static double cosine(const float *a, const float *b, int d, double *maxdiff) {
    double ab = 0, aa = 0, bb = 0, md = 0;
    for (int k = 0; k < d; k++) {
        ab += (double)a[k] * b[k]; aa += (double)a[k] * a[k]; bb += (double)b[k] * b[k];
        double t = fabs((double)a[k] - b[k]);
        if (t > md) md = t;
    }
    *maxdiff = md;
    return ab / sqrt(aa * bb + 1e-300);
}

static double max_abs_diff(const float *a, const float *b, size_t n) {
    double md = 0;
    for (size_t i = 0; i < n; i++) if (fabs((double)a[i] - b[i]) > md) md = fabs((double)a[i] - b[i]);
    return md;
}

/* A reduced-precision dtype on the golden texts: per text cosine to our
 * fp32 vectors (v32) >= the bound (bf16 0.999, int8 0.995); each
 * text's vector bit-identical alone, in another batch, with 1 and 2
 * threads, and for two copies of a text in one call. Where the CPU (or
 * TEXTCLUST_CPU) lacks the dtype's instructions the encoder says fp32. */
static void dtype_checks(int dtype, const char *const *texts, int n, const float *v32) {
    tc_encoder_params p = tc_encoder_default_params();
    p.n_threads = 2;
    p.dtype = dtype;
    tc_encoder *e = NULL, *e1 = NULL;
    CHECK_OK(tc_encoder_open("use-lite", &p, &e));
    p.n_threads = 1;
    p.batch_size = 5;
    CHECK_OK(tc_encoder_open("use-lite", &p, &e1));
    if (!e || !e1) { tc_encoder_free(e); tc_encoder_free(e1); return; }
    const char *name = tc_encoder_dtype(e);
    CHECK_STR(tc_encoder_dtype(e1), name);
    const double bound = dtype == TC_DTYPE_BF16 ? 0.999 : 0.995;
    float *v = malloc(sizeof(float) * n * UL_D), *b = malloc(sizeof(float) * n * UL_D);
    CHECK_OK(tc_encoder_embed(e, texts, (size_t)n, v));
    double worst = 1, mean = 0, md;
    for (int i = 0; i < n; i++) {
        double c = cosine(v + (size_t)i * UL_D, v32 + (size_t)i * UL_D, UL_D, &md);
        worst = c < worst ? c : worst;
        mean += c / n;
    }
    printf("%s (asked %s): cosine to fp32 on %d golden texts: min %.6f, mean %.6f\n", name, tc_dtype_name(dtype), n,
           worst, mean);
    CHECK_MSG(worst >= bound, "%s: min cosine %.6f < %g", name, worst, bound);
    if (strcmp(name, "fp32") == 0) CHECK(worst == 1.0 || worst > 0.9999999);
    /* reversed order, 1 thread, batches of 5: the same bits */
    const char **rev = malloc(sizeof *rev * n);
    for (int i = 0; i < n; i++) rev[i] = texts[n - 1 - i];
    CHECK_OK(tc_encoder_embed(e1, rev, (size_t)n, b));
    int diff = 0;
    for (int i = 0; i < n; i++) diff += memcmp(b + (size_t)i * UL_D, v + (size_t)(n - 1 - i) * UL_D, UL_D * 4) != 0;
    CHECK_MSG(diff == 0, "%s: %d texts differ in another batch and thread count", name, diff);
    for (int i = 0; i < n; i += 41) {      /* alone, and twice in one call */
        const char *two[3] = {texts[i], texts[(i + 7) % n], texts[i]};
        CHECK_OK(tc_encoder_embed(e, two, 3, b));
        CHECK_MSG(memcmp(b, v + (size_t)i * UL_D, UL_D * 4) == 0 && memcmp(b + 2 * UL_D, b, UL_D * 4) == 0,
                  "%s: text %d alone or twice differs", name, i);
    }
    free(rev); free(v); free(b);
    tc_encoder_free(e);
    tc_encoder_free(e1);
}

static void copy_file(const char *from, const char *to, long truncate_to, int poison) {
    FILE *f = fopen(from, "rb"), *g = fopen(to, "wb");
    if (!f || !g) { fprintf(stderr, "copy %s -> %s failed\n", from, to); exit(2); }
    char buf[65536];
    size_t k;
    long done = 0;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) {
        if (truncate_to >= 0 && done + (long)k > truncate_to) k = (size_t)(truncate_to - done);
        if (poison && done == 0) memset(buf, 0xff, 4096);    /* 0xffffffff is a NaN */
        fwrite(buf, 1, k, g);
        done += (long)k;
        if (truncate_to >= 0 && done >= truncate_to) break;
    }
    fclose(f);
    fclose(g);
}

/* A copy of the model folder in tmp with one shard damaged. */
static void damaged_copy(const char *src, const char *dst, int shard, long truncate_to, int poison) {
    char a[8192], b[8192];
    mkdir(dst, 0755);
    const char *names[] = {"model.json", "vocab.json"};
    for (int i = 0; i < 2; i++) {
        snprintf(a, sizeof a, "%s/%s", src, names[i]);
        snprintf(b, sizeof b, "%s/%s", dst, names[i]);
        unlink(b);
        if (symlink(a, b) != 0) { perror(b); exit(2); }
    }
    for (int s = 1; s <= 7; s++) {
        snprintf(a, sizeof a, "%s/group1-shard%dof7", src, s);
        snprintf(b, sizeof b, "%s/group1-shard%dof7", dst, s);
        unlink(b);
        if (s == shard) copy_file(a, b, truncate_to, poison);
        else if (symlink(a, b) != 0) { perror(b); exit(2); }
    }
}

int main(void) {
    char dir[4096];
    tc_use_lite_default_dir(dir, sizeof dir);
    int n, n_ids;
    char **text_lines = read_lines(GOLDEN "golden_texts.jsonl", &n);
    char **id_lines = read_lines(GOLDEN "golden_ids.jsonl", &n_ids);
    CHECK(n >= 300 && n == n_ids);
    const char **texts = malloc(sizeof *texts * n);
    for (int i = 0; i < n; i++) {
        cJSON *j = cJSON_Parse(text_lines[i]);
        texts[i] = j && cJSON_IsString(j) ? strdup(j->valuestring) : strdup("");
        cJSON_Delete(j);
    }
    float *golden = malloc(sizeof(float) * n * UL_D);
    FILE *f = fopen(GOLDEN "golden_vectors.f32", "rb");
    CHECK(f && fread(golden, sizeof(float) * UL_D, (size_t)n, f) == (size_t)n);
    if (f) fclose(f);

    /* ---- tokenizer: identical ids for every text */
    char vocab[8192];
    snprintf(vocab, sizeof vocab, "%s/vocab.json", dir);
    tc_sp *sp = NULL;
    CHECK_OK(tc_sp_load(vocab, 6, &sp));
    if (!sp) return check_report("test_embed");
    tc_sp_scratch s = {0};
    int id_mismatch = 0;
    for (int i = 0; i < n; i++) {
        int k = tc_sp_encode(sp, texts[i], &s);
        cJSON *want = cJSON_Parse(id_lines[i]);
        int same = k == cJSON_GetArraySize(want);
        for (int j = 0; same && j < k; j++) same = s.ids[j] == cJSON_GetArrayItem(want, j)->valueint;
        if (!same && id_mismatch++ < 5) fprintf(stderr, "ids differ for text %d %s: got %d ids\n", i, text_lines[i], k);
        cJSON_Delete(want);
    }
    CHECK_MSG(id_mismatch == 0, "%d of %d texts tokenized differently", id_mismatch, n);
    tc_sp_scratch_free(&s);
    tc_sp_free(sp);

    /* ---- encoder against the golden vectors */
    tc_encoder_params p = tc_encoder_default_params();
    p.n_threads = 2;
    p.dtype = TC_DTYPE_FP32;
    tc_encoder *e = NULL;
    CHECK_OK(tc_encoder_open("use-lite", &p, &e));
    if (!e) return check_report("test_embed");
    CHECK(tc_encoder_dim(e) == 512);
    CHECK_STR(tc_encoder_dtype(e), "fp32");
    CHECK_STR(tc_encoder_name(e), "use-lite");
    float *v = malloc(sizeof(float) * n * UL_D);
    CHECK_OK(tc_encoder_embed(e, texts, (size_t)n, v));
    double worst_cos = 1, worst_diff = 0, worst_norm = 0;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double md, c = cosine(v + (size_t)i * UL_D, golden + (size_t)i * UL_D, UL_D, &md), nn = 0;
        for (int k = 0; k < UL_D; k++) nn += (double)v[(size_t)i * UL_D + k] * v[(size_t)i * UL_D + k];
        if (fabs(sqrt(nn) - 1) > worst_norm) worst_norm = fabs(sqrt(nn) - 1);
        if (c < worst_cos) worst_cos = c;
        if (md > worst_diff) worst_diff = md;
        if ((c < 0.9999 || md > 1e-4) && bad++ < 5) fprintf(stderr, "text %d: cosine %.7f max diff %.2e\n", i, c, md);
    }
    printf("golden: %d texts, worst cosine %.8f, worst max |diff| %.2e, worst | |v| - 1 | %.1e\n", n, worst_cos,
           worst_diff, worst_norm);
    CHECK_MSG(bad == 0, "%d texts off the golden vectors", bad);
    CHECK(worst_norm < 1e-5);

    /* ---- fast path against the naive reference, on a few texts */
    const ul_model *m = tc_use_lite_model(e);
    CHECK(m != NULL);
    tc_sp_scratch s2 = {0};
    double naive_diff = 0;
    for (int i = 0; m && i < n; i += 37) {
        int k = tc_sp_encode(m->sp, texts[i], &s2);
        if (k > m->max_len) k = m->max_len;
        float ref[UL_D];
        tc_use_lite_forward_naive(m, s2.ids, k, ref);
        double d = max_abs_diff(ref, v + (size_t)i * UL_D, UL_D);
        if (d > naive_diff) naive_diff = d;
    }
    tc_sp_scratch_free(&s2);
    printf("naive vs fast: max |diff| %.2e\n", naive_diff);
    CHECK(naive_diff <= 2e-5);

    /* ---- independent of batch composition and thread count */
    const int sub = 120;
    const char **rev = malloc(sizeof *rev * sub);
    for (int i = 0; i < sub; i++) rev[i] = texts[n - 1 - i * 3];
    float *a = malloc(sizeof(float) * sub * UL_D), *b = malloc(sizeof(float) * sub * UL_D);
    CHECK_OK(tc_encoder_embed(e, rev, sub, a));
    for (int i = 0; i < sub; i++) {
        double md = max_abs_diff(a + (size_t)i * UL_D, v + (size_t)(n - 1 - i * 3) * UL_D, UL_D);
        if (md > 0) { CHECK_MSG(0, "text %d differs by %.2e in another batch", n - 1 - i * 3, md); break; }
    }
    tc_encoder *e1 = NULL;
    tc_encoder_params p1 = p;
    p1.n_threads = 1;
    p1.batch_size = 7;
    CHECK_OK(tc_encoder_open("use-lite", &p1, &e1));
    if (e1) {
        CHECK_OK(tc_encoder_embed(e1, rev, sub, b));
        double d = max_abs_diff(a, b, (size_t)sub * UL_D);
        printf("1 thread, batches of 7 vs 2 threads, default batches: max |diff| %.2e\n", d);
        CHECK(d == 0);
        for (int i = 0; i < 5; i++) {     /* one text at a time */
            CHECK_OK(tc_encoder_embed(e1, rev + i * 20, 1, b));
            CHECK(max_abs_diff(b, a + (size_t)i * 20 * UL_D, UL_D) == 0);
        }
        tc_encoder_free(e1);
    }
    free(rev); free(a); free(b);
    tc_encoder_free(e);
    for (int dt = TC_DTYPE_BF16; dt <= TC_DTYPE_INT8; dt++) dtype_checks(dt, (const char *const *)texts, n, v);

    /* ---- the default encoder, and a folder path */
    CHECK_STR(tc_default_encoder(), "use-lite+tfidf");
    CHECK_OK(tc_encoder_open(dir, &p, &e));
    if (e) { CHECK_STR(tc_encoder_name(e), "use-lite"); tc_encoder_free(e); }

    /* ---- weights missing: a clear error naming the folder and the setup command */
    char tmp[] = "/tmp/tc_embed_XXXXXX";
    CHECK(mkdtemp(tmp) != NULL);
    setenv("TEXTCLUST_MODEL_DIR", tmp, 1);
    e = NULL;
    int rc = tc_encoder_open("use-lite", &p, &e);
    CHECK(rc == TC_ENOTFOUND && e == NULL);
    CHECK_MSG(strstr(tc_last_error(), tmp) && strstr(tc_last_error(), "scripts/setup.sh"), "%s", tc_last_error());
    rc = tc_encoder_open(tmp, &p, &e);
    CHECK(rc == TC_ENOTFOUND && e == NULL);
    CHECK_MSG(strstr(tc_last_error(), "scripts/setup.sh"), "%s", tc_last_error());
    CHECK(tc_encoder_open(NULL, &p, &e) == TC_ENOTFOUND);    /* the default needs its weights too */
    unsetenv("TEXTCLUST_MODEL_DIR");

    /* ---- corrupt shards: truncated in the middle, truncated last, NaN bytes */
    char bad_dir[4200];
    struct { int shard; long trunc; int poison; const char *name; } cases[] = {
        {3, 1000000, 0, "group1-shard3of7"}, {7, 100, 0, "group1-shard7of7"}, {2, -1, 1, "group1-shard2of7"}};
    for (int c = 0; c < 3; c++) {
        snprintf(bad_dir, sizeof bad_dir, "%s/bad%d", tmp, c);
        damaged_copy(dir, bad_dir, cases[c].shard, cases[c].trunc, cases[c].poison);
        e = NULL;
        rc = tc_encoder_open(bad_dir, &p, &e);
        CHECK(rc == TC_EFORMAT && e == NULL);
        CHECK_MSG(strstr(tc_last_error(), cases[c].name), "%s", tc_last_error());
        printf("corrupt case %d: %s\n", c, tc_last_error());
    }
    char cmd[8300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    CHECK(system(cmd) == 0);

    for (int i = 0; i < n; i++) { free(text_lines[i]); free(id_lines[i]); free((char *)texts[i]); }
    free(text_lines); free(id_lines); free(texts); free(golden); free(v);
    return check_report("test_embed");
}
