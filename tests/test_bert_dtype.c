/* test_bert_dtype.c - the BERT encoder's reduced precision on the three
 * golden models of tests/data/bert (500 texts): per text cosine to our
 * fp32 vectors >= 0.999 for bf16 and >= 0.995 for int8, min over the texts;
 * and for every dtype a text's vector bit-identical alone, in another order
 * with 1 and 2 threads and other batch sizes. The fp32 vectors themselves
 * are checked against sentence-transformers in test_bert. */
#include "check.h"
#include "textclust.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char **read_texts(const char *path, int *n) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot open %s\n", path); exit(2); }
    char **t = NULL, *line = NULL;
    size_t cap = 0;
    *n = 0;
    while (getline(&line, &cap, f) > 0) {
        cJSON *j = cJSON_Parse(line), *s = cJSON_GetObjectItem(j, "text");
        t = realloc(t, sizeof *t * (*n + 1));
        t[(*n)++] = strdup(cJSON_IsString(s) ? s->valuestring : "");
        cJSON_Delete(j);
    }
    free(line);
    fclose(f);
    return t;
}

static double cosine(const float *a, const float *b, int d) {
    double ab = 0, aa = 0, bb = 0;
    for (int k = 0; k < d; k++) ab += (double)a[k] * b[k], aa += (double)a[k] * a[k], bb += (double)b[k] * b[k];
    return aa == 0 && bb == 0 ? 1 : ab / sqrt(aa * bb + 1e-300);
}

static float *embed(const char *dir, int dtype, int threads, int batch, const char *const *texts, int n, int *dim,
                    char *got, size_t cap) {
    tc_encoder_params p = tc_encoder_default_params();
    p.n_threads = threads;
    p.batch_size = batch;
    p.dtype = dtype;
    tc_encoder *e = NULL;
    CHECK_OK(tc_encoder_open(dir, &p, &e));
    if (!e) return NULL;
    *dim = tc_encoder_dim(e);
    snprintf(got, cap, "%s", tc_encoder_dtype(e));
    float *v = malloc(sizeof(float) * (size_t)n * *dim);
    CHECK_OK(tc_encoder_embed(e, texts, (size_t)n, v));
    tc_encoder_free(e);
    return v;
}

int main(void) {
    int n;
    char **texts = read_texts("tests/data/bert/texts.jsonl", &n);
    const char **rev = malloc(sizeof *rev * n);
    for (int i = 0; i < n; i++) rev[i] = texts[n - 1 - i];
    static const char *models[] = {"bert-mean-norm", "bert-cls-raw", "bert-max-long"};
    for (int mi = 0; mi < 3; mi++) {
        char dir[256], got[16], got2[16];
        snprintf(dir, sizeof dir, "tests/data/bert/%s/model", models[mi]);
        int dim = 0;
        float *v32 = embed(dir, TC_DTYPE_FP32, 2, 0, (const char *const *)texts, n, &dim, got, sizeof got);
        if (!v32) continue;
        CHECK_STR(got, "fp32");
        for (int dt = TC_DTYPE_FP32; dt <= TC_DTYPE_INT8; dt++) {
            float *v = dt == TC_DTYPE_FP32 ? v32 : embed(dir, dt, 2, 0, (const char *const *)texts, n, &dim, got, sizeof got);
            float *b = embed(dir, dt, 1, 7, rev, n, &dim, got2, sizeof got2);
            if (!v || !b) { free(b); continue; }
            CHECK_STR(got2, got);
            double worst = 1, mean = 0;
            int diff = 0;
            for (int i = 0; i < n; i++) {
                double c = cosine(v + (size_t)i * dim, v32 + (size_t)i * dim, dim);
                worst = c < worst ? c : worst;
                mean += c / n;
                diff += memcmp(v + (size_t)i * dim, b + (size_t)(n - 1 - i) * dim, sizeof(float) * dim) != 0;
            }
            printf("%s %s (asked %s): cosine to fp32 min %.6f mean %.6f; %d of %d differ in another batch\n",
                   models[mi], got, tc_dtype_name(dt), worst, mean, diff, n);
            const double bound = strcmp(got, "bf16") == 0 ? 0.999 : strcmp(got, "int8") == 0 ? 0.995 : 0.9999999;
            CHECK_MSG(worst >= bound, "%s %s: min cosine %.6f", models[mi], got, worst);
            CHECK_MSG(diff == 0, "%s %s: %d texts depend on their batch", models[mi], got, diff);
            float *one = embed(dir, dt, 2, 0, (const char *const *)texts + 40, 1, &dim, got2, sizeof got2);
            CHECK(one && memcmp(one, v + (size_t)40 * dim, sizeof(float) * dim) == 0);
            free(one);
            free(b);
            if (v != v32) free(v);
        }
        free(v32);
    }
    for (int i = 0; i < n; i++) free(texts[i]);
    free(texts);
    free(rev);
    return check_report("test_bert_dtype");
}
