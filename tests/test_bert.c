/* test_bert.c - the BERT encoder (src/embed/bert*.c) against what
 * sentence-transformers 6.0.1 computed (tests/data/bert/, see its README):
 * for three random-weight models and 500 texts, the golden token ids in,
 * per text cosine >= 0.9999 and max |diff| <= 1e-4 against
 * SentenceTransformer.encode; the naive double-precision forward agrees;
 * results do not depend on threads or batching; F16, BF16, misaligned and
 * "bert."-prefixed copies of a model load to the same numbers; the forward
 * pass of every CPU level agrees with both references; the classic
 * folder layout loads; broken folders fail with messages that say what is
 * wrong. The copies are written here, from the golden model files. */
#include "check.h"
#include "embed/bert.h"
#include "embed/safetensors.h"
#include "io/io.h"
#include "textclust.h"
#include "util/cpu.h"

#include <cjson/cJSON.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GOLDEN "tests/data/bert/"

static char tmp[64];

/* ---------------------------------------------------------------- golden data */

typedef struct {
    int n;
    int32_t **ids;   /* (n) */
    int *len;        /* (n) */
    float *vec;      /* (n, dim) */
    size_t dim;
} golden;

static void golden_load(const char *model, golden *g) {
    char path[512];
    snprintf(path, sizeof path, GOLDEN "%s/token_ids.jsonl", model);
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    char *line = NULL;
    size_t cap = 0;
    memset(g, 0, sizeof *g);
    while (getline(&line, &cap, f) > 0) {
        cJSON *j = cJSON_Parse(line), *ids = cJSON_GetObjectItem(j, "ids"), *v;
        if (!cJSON_IsArray(ids)) { fprintf(stderr, "%s: bad line %d\n", path, g->n); exit(2); }
        g->ids = realloc(g->ids, sizeof *g->ids * (g->n + 1));
        g->len = realloc(g->len, sizeof *g->len * (g->n + 1));
        int k = 0;
        g->ids[g->n] = malloc(sizeof(int32_t) * (cJSON_GetArraySize(ids) + 1));
        cJSON_ArrayForEach(v, ids) g->ids[g->n][k++] = v->valueint;
        g->len[g->n++] = k;
        cJSON_Delete(j);
    }
    free(line);
    fclose(f);
    snprintf(path, sizeof path, GOLDEN "%s/embeddings.npy", model);
    size_t rows;
    if (tc_npy_load_f32(path, &g->vec, &rows, &g->dim) != 0 || rows != (size_t)g->n) {
        fprintf(stderr, "%s: %s\n", path, tc_last_error());
        exit(2);
    }
}

static void golden_free(golden *g) {
    for (int i = 0; i < g->n; i++) free(g->ids[i]);
    free(g->ids); free(g->len); free(g->vec);
}

static double cosine(const float *a, const float *b, size_t d, double *maxdiff) {
    double ab = 0, aa = 0, bb = 0, md = 0;
    for (size_t k = 0; k < d; k++) {
        ab += (double)a[k] * b[k], aa += (double)a[k] * a[k], bb += (double)b[k] * b[k];
        if (fabs((double)a[k] - b[k]) > md) md = fabs((double)a[k] - b[k]);
    }
    *maxdiff = md;
    return ab / sqrt(aa * bb + 1e-300);
}

/* How many of the n rows of a fall short of b; the worst cosine and diff. */
static int compare(const float *a, const float *b, int n, size_t d, double min_cos, double max_diff, double *worst_cos,
                   double *worst_diff) {
    int bad = 0;
    *worst_cos = 1, *worst_diff = 0;
    for (int i = 0; i < n; i++) {
        double md, c = cosine(a + (size_t)i * d, b + (size_t)i * d, d, &md);
        if (c < *worst_cos) *worst_cos = c;
        if (md > *worst_diff) *worst_diff = md;
        if (!(c >= min_cos && md <= max_diff)) bad++;
    }
    return bad;
}

static float *embed(const tc_bert *m, const golden *g, int threads) {
    float *out = malloc(sizeof(float) * g->n * (size_t)tc_bert_dim(m));
    int rc = tc_bert_embed_ids(m, (const int32_t *const *)g->ids, g->len, (size_t)g->n, threads, out);
    CHECK_MSG(rc == 0, "embed: %s", tc_last_error());
    return out;
}

/* ---------------------------------------------------------------- folder copies */

static void copy_file(const char *from, const char *to) {
    char *data;
    size_t len;
    if (tc_read_file(from, &data, &len) != 0) { fprintf(stderr, "%s\n", tc_last_error()); exit(2); }
    FILE *f = fopen(to, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) { perror(to); exit(2); }
    free(data);
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) { perror(path); exit(2); }
}

/* tmp/name: a copy of the golden model folder's files (weights optional). */
static const char *model_copy(const char *model, const char *name, int weights) {
    static char dst[8][512];
    static int slot;
    char *d = dst[slot++ % 8], a[1024], b[1024];
    snprintf(d, 512, "%s/%s", tmp, name);
    mkdir(d, 0755);
    static const char *files[] = {"config.json", "modules.json", "sentence_bert_config.json", "tokenizer_config.json",
                                  "1_Pooling/config.json", "2_Normalize/config.json", "model.safetensors"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        if (!weights && strcmp(files[i], "model.safetensors") == 0) continue;
        snprintf(a, sizeof a, GOLDEN "%s/model/%s", model, files[i]);
        if (access(a, R_OK) != 0) continue;
        if (strchr(files[i], '/')) {
            snprintf(b, sizeof b, "%s/%.*s", d, (int)(strchr(files[i], '/') - files[i]), files[i]);
            mkdir(b, 0755);
        }
        snprintf(b, sizeof b, "%s/%s", d, files[i]);
        copy_file(a, b);
    }
    return d;
}

/* Sets key of the JSON object in dir/file to the JSON value (NULL deletes it). */
static void json_set(const char *dir, const char *file, const char *key, const char *value) {
    char path[1024], *text;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t len;
    if (tc_read_file(path, &text, &len) != 0) { fprintf(stderr, "%s\n", tc_last_error()); exit(2); }
    cJSON *j = cJSON_Parse(text);
    free(text);
    cJSON_DeleteItemFromObjectCaseSensitive(j, key);
    if (value) cJSON_AddItemToObject(j, key, cJSON_Parse(value));
    char *out = cJSON_Print(j);
    write_text(path, out);
    free(out);
    cJSON_Delete(j);
}

enum { KEEP, TO_F16, TO_BF16, ROUND_F16, ROUND_BF16 };

static uint16_t bf16_bits(float x) {   /* round to nearest even */
    uint32_t b;
    memcpy(&b, &x, 4);
    return (uint16_t)((b + 0x7fff + ((b >> 16) & 1)) >> 16);
}

static float convert(float x, int how, uint16_t *bits) {
    _Float16 h = (_Float16)x;
    uint32_t b;
    switch (how) {
    case TO_F16: case ROUND_F16: memcpy(bits, &h, 2); return (float)h;
    case TO_BF16: case ROUND_BF16: *bits = bf16_bits(x); b = (uint32_t)*bits << 16; memcpy(&x, &b, 4); return x;
    default: return x;
    }
}

/* Rewrites the golden model's weights into dir/model.safetensors: names
 * prefixed, F32 tensors converted (how), pad extra bytes of header padding;
 * edit, when set, changes the header before it is written. */
static void write_weights(const char *model, const char *dir, const char *prefix, int how, int pad,
                          void (*edit)(cJSON *header, size_t data_size)) {
    char path[1024];
    snprintf(path, sizeof path, GOLDEN "%s/model/model.safetensors", model);
    tc_st_file st;
    if (tc_st_open(path, &st) != 0) { fprintf(stderr, "%s\n", tc_last_error()); exit(2); }
    cJSON *h = cJSON_CreateObject();
    size_t size = 0;
    for (int i = 0; i < st.n; i++) size += st.t[i].nbytes;
    unsigned char *data = malloc(size + 1);
    size_t off = 0;
    for (int i = 0; i < st.n; i++) {
        const tc_st_tensor *t = &st.t[i];
        size_t count = tc_st_count(t), begin = off;
        int sixteen = t->dtype == TC_ST_F32 && (how == TO_F16 || how == TO_BF16);
        for (size_t k = 0; k < count && t->dtype == TC_ST_F32; k++) {
            float x;
            uint16_t bits = 0;
            memcpy(&x, st.data + t->offset + 4 * k, 4);
            x = convert(x, how, &bits);
            if (sixteen) memcpy(data + off + 2 * k, &bits, 2);
            else memcpy(data + off + 4 * k, &x, 4);
        }
        if (t->dtype != TC_ST_F32) memcpy(data + off, st.data + t->offset, t->nbytes);
        off += sixteen ? 2 * count : t->nbytes;
        cJSON *e = cJSON_CreateObject(), *shape = cJSON_CreateArray();
        cJSON_AddStringToObject(e, "dtype", sixteen ? (how == TO_F16 ? "F16" : "BF16") : tc_st_dtype_name(t->dtype));
        for (int d = 0; d < t->ndim; d++) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t->shape[d]));
        cJSON_AddItemToObject(e, "shape", shape);
        cJSON *o = cJSON_CreateArray();
        cJSON_AddItemToArray(o, cJSON_CreateNumber((double)begin));
        cJSON_AddItemToArray(o, cJSON_CreateNumber((double)off));
        cJSON_AddItemToObject(e, "data_offsets", o);
        char name[300];
        snprintf(name, sizeof name, "%s%s", prefix, t->name);
        cJSON_AddItemToObject(h, name, e);
    }
    tc_st_close(&st);
    if (edit) edit(h, off);
    char *text = cJSON_PrintUnformatted(h);
    size_t hlen = strlen(text);
    size_t padded = (hlen + 7) / 8 * 8 + (size_t)pad;
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    FILE *f = fopen(path, "wb");
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)(padded >> (8 * i));
    fwrite(len8, 1, 8, f);
    fwrite(text, 1, hlen, f);
    for (size_t i = hlen; i < padded; i++) fputc(' ', f);
    fwrite(data, 1, off, f);
    fclose(f);
    free(text);
    free(data);
    cJSON_Delete(h);
}

/* ---------------------------------------------------------------- checks */

static void check_model(const char *model, int dim, int max_len, int normalizes) {
    golden g;
    golden_load(model, &g);
    char dir[512];
    snprintf(dir, sizeof dir, GOLDEN "%s/model", model);
    tc_bert *m = NULL;
    CHECK_OK(tc_bert_load(dir, &m));
    if (!m) { golden_free(&g); return; }
    CHECK(g.n == 500 && g.dim == (size_t)dim);
    CHECK_MSG(tc_bert_dim(m) == dim, "%s: dim %d", model, tc_bert_dim(m));
    CHECK_MSG(tc_bert_max_len(m) == max_len, "%s: max_len %d", model, tc_bert_max_len(m));
    CHECK(tc_bert_normalizes(m) == normalizes);
    CHECK(tc_bert_vocab_size(m) == 8000);
    double wc, wd;
    float *v2 = embed(m, &g, 2);
    int bad = compare(v2, g.vec, g.n, g.dim, 0.9999, 1e-4, &wc, &wd);
    CHECK_MSG(bad == 0, "%s: %d of %d texts off the golden vectors (worst cosine %.7f, max diff %.3g)", model, bad,
              g.n, wc, wd);
    printf("%s: fast vs golden: worst cosine %.8f, max diff %.3g\n", model, wc, wd);
    /* the same numbers whatever the thread count */
    float *v1 = embed(m, &g, 1);
    CHECK_MSG(memcmp(v1, v2, sizeof(float) * g.n * g.dim) == 0, "%s: 1 and 2 threads differ", model);
    /* and whatever the batch: one text at a time */
    float *one = malloc(sizeof(float) * g.dim * g.n);
    for (int i = 0; i < g.n; i++)
        CHECK_OK(tc_bert_embed_ids(m, (const int32_t *const *)&g.ids[i], &g.len[i], 1, 1, one + (size_t)i * g.dim));
    bad = compare(one, v2, g.n, g.dim, 0.999999, 1e-5, &wc, &wd);
    CHECK_MSG(bad == 0, "%s: one text per call differs from batched (%d texts; max diff %.3g)", model, bad, wd);
    /* the naive forward against the golden vectors and the fast one */
    float *nv = malloc(sizeof(float) * g.dim * g.n);
    for (int i = 0; i < g.n; i++) tc_bert_forward_naive(m, g.ids[i], g.len[i], nv + (size_t)i * g.dim);
    bad = compare(nv, g.vec, g.n, g.dim, 0.9999, 1e-4, &wc, &wd);
    CHECK_MSG(bad == 0, "%s: naive: %d texts off the golden vectors (worst cosine %.7f, max diff %.3g)", model, bad,
              wc, wd);
    bad = compare(nv, v2, g.n, g.dim, 0.99999, 2e-5, &wc, &wd);
    CHECK_MSG(bad == 0, "%s: naive vs fast: %d texts differ (max diff %.3g)", model, bad, wd);
    printf("%s: naive vs fast: worst cosine %.8f, max diff %.3g\n", model, wc, wd);
    /* the forward pass of every CPU level this machine has (bert_forward.c's
     * variants) against the golden vectors and the naive forward */
    const int level0 = tc_cpu_level();
    for (int lv = 0; lv <= tc_cpu_detected(); lv++) {
        CHECK_OK(tc_cpu_set_level(lv));
        float *vl = embed(m, &g, 2);
        bad = compare(vl, g.vec, g.n, g.dim, 0.9999, 1e-4, &wc, &wd);
        CHECK_MSG(bad == 0, "%s level %s: %d texts off the golden vectors (worst cosine %.7f, max diff %.3g)",
                  model, tc_cpu_name(lv), bad, wc, wd);
        bad = compare(vl, nv, g.n, g.dim, 0.99999, 2e-5, &wc, &wd);
        CHECK_MSG(bad == 0, "%s level %s: %d texts off the naive forward (max diff %.3g)", model,
                  tc_cpu_name(lv), bad, wd);
        printf("%s level %s vs naive: worst cosine %.8f, max diff %.3g\n", model, tc_cpu_name(lv), wc, wd);
        free(vl);
    }
    CHECK_OK(tc_cpu_set_level(level0));
    /* ids out of range are refused */
    int32_t badid[3] = {2, 8000, 3};
    const int32_t *pb = badid;
    int three = 3, too_long = max_len + 1;
    CHECK(tc_bert_embed_ids(m, &pb, &three, 1, 1, one) == TC_EINVAL);
    CHECK(tc_bert_embed_ids(m, (const int32_t *const *)g.ids, &too_long, 1, 1, one) == TC_EINVAL);
    free(v1); free(v2); free(one); free(nv);
    tc_bert_free(m);
    golden_free(&g);
}

/* Loads dir and embeds the golden texts of model; NULL when it fails. */
static float *embed_dir(const char *dir, const golden *g) {
    tc_bert *m = NULL;
    int rc = tc_bert_load(dir, &m);
    CHECK_MSG(rc == 0, "%s: %s", dir, tc_last_error());
    if (rc) return NULL;
    float *v = embed(m, g, 2);
    tc_bert_free(m);
    return v;
}

static void check_same(const float *a, const float *b, const golden *g, const char *what) {
    CHECK_MSG(a && b && memcmp(a, b, sizeof(float) * g->n * g->dim) == 0, "%s: not the same vectors", what);
}

static void check_weight_formats(void) {
    const char *model = "bert-mean-norm";
    golden g;
    golden_load(model, &g);
    char dir[512];
    snprintf(dir, sizeof dir, GOLDEN "%s/model", model);
    float *base = embed_dir(dir, &g);
    /* "bert." names, and a header whose length leaves the tensors misaligned */
    const char *d = model_copy(model, "prefix", 0);
    write_weights(model, d, "bert.", KEEP, 0, NULL);
    float *v = embed_dir(d, &g);
    check_same(base, v, &g, "bert. prefix");
    free(v);
    d = model_copy(model, "misaligned", 0);
    write_weights(model, d, "", KEEP, 3, NULL);
    v = embed_dir(d, &g);
    check_same(base, v, &g, "misaligned F32");
    free(v);
    /* 16-bit weights give exactly what the same values stored as F32 give */
    static const struct { int to, round; const char *name; double min_cos; } kinds[] = {
        {TO_F16, ROUND_F16, "F16", 0.99999}, {TO_BF16, ROUND_BF16, "BF16", 0.9999}};
    for (int k = 0; k < 2; k++) {
        char n1[32], n2[32];
        snprintf(n1, sizeof n1, "%s", kinds[k].name);
        snprintf(n2, sizeof n2, "%s-as-f32", kinds[k].name);
        const char *d16 = model_copy(model, n1, 0), *d32 = model_copy(model, n2, 0);
        write_weights(model, d16, "", kinds[k].to, 0, NULL);
        write_weights(model, d32, "", kinds[k].round, 0, NULL);
        float *a = embed_dir(d16, &g), *b = embed_dir(d32, &g);
        check_same(a, b, &g, kinds[k].name);
        double wc = 0, wd = 0;
        int bad = a ? compare(a, g.vec, g.n, g.dim, kinds[k].min_cos, 1, &wc, &wd) : g.n;
        CHECK_MSG(bad == 0, "%s weights: %d texts far from the golden vectors (worst cosine %.6f)", kinds[k].name, bad, wc);
        printf("%s weights vs golden: worst cosine %.7f, max diff %.3g\n", kinds[k].name, wc, wd);
        free(a); free(b);
    }
    free(base);
    golden_free(&g);
}

/* The classic layout (sentence-transformers 2.x, as all-MiniLM-L6-v2 is
 * saved): models.* module types, pooling booleans, max_seq_length. */
static void check_classic_layout(void) {
    const char *model = "bert-max-long";
    golden g;
    golden_load(model, &g);
    const char *d = model_copy(model, "classic", 1);
    char path[1024];
    snprintf(path, sizeof path, "%s/modules.json", d);
    write_text(path, "[{\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"},"
                     " {\"idx\": 1, \"name\": \"1\", \"path\": \"1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"},"
                     " {\"idx\": 2, \"name\": \"2\", \"path\": \"2_Normalize\", \"type\": \"sentence_transformers.models.Normalize\"}]");
    snprintf(path, sizeof path, "%s/1_Pooling/config.json", d);
    write_text(path, "{\"word_embedding_dimension\": 64, \"pooling_mode_cls_token\": false, \"pooling_mode_mean_tokens\": "
                     "false, \"pooling_mode_max_tokens\": true, \"pooling_mode_mean_sqrt_len_tokens\": false, "
                     "\"pooling_mode_weightedmean_tokens\": false, \"pooling_mode_lasttoken\": false}");
    snprintf(path, sizeof path, "%s/sentence_bert_config.json", d);
    write_text(path, "{\"max_seq_length\": 256, \"do_lower_case\": false}");
    json_set(d, "tokenizer_config.json", "model_max_length", "1000000000000000019884624838656");
    tc_bert *m = NULL;
    CHECK_OK(tc_bert_load(d, &m));
    if (m) {
        CHECK(tc_bert_max_len(m) == 256 && tc_bert_dim(m) == 64 && tc_bert_normalizes(m));
        float *v = embed(m, &g, 2);
        double wc, wd;
        CHECK(compare(v, g.vec, g.n, g.dim, 0.9999, 1e-4, &wc, &wd) == 0);
        free(v);
        tc_bert_free(m);
    }
    /* the tokenizer's "no limit" sentinel is no limit: max_position_embeddings */
    snprintf(path, sizeof path, "%s/sentence_bert_config.json", d);
    write_text(path, "{\"do_lower_case\": false}");
    CHECK_OK(tc_bert_load(d, &m));
    if (m) CHECK_MSG(tc_bert_max_len(m) == 512, "max_len %d", tc_bert_max_len(m));
    tc_bert_free(m);
    m = NULL;
    /* max_seq_length past the position table is cut to it */
    write_text(path, "{\"max_seq_length\": 4096}");
    CHECK_OK(tc_bert_load(d, &m));
    if (m) CHECK(tc_bert_max_len(m) == 512);
    tc_bert_free(m);
    /* several modes concatenate, in sentence-transformers' order (cls, max, mean) */
    m = NULL;
    snprintf(path, sizeof path, "%s/1_Pooling/config.json", d);
    write_text(path, "{\"embedding_dimension\": 64, \"pooling_mode\": [\"mean\", \"cls\"]}");
    snprintf(path, sizeof path, "%s/modules.json", d);
    write_text(path, "[{\"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"},"
                     " {\"path\": \"1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"}]");
    CHECK_OK(tc_bert_load(d, &m));
    if (m) {
        CHECK(tc_bert_dim(m) == 128 && !tc_bert_normalizes(m));
        float a[128], b[128];
        tc_bert_forward_naive(m, g.ids[3], g.len[3], a);
        CHECK_OK(tc_bert_embed_ids(m, (const int32_t *const *)&g.ids[3], &g.len[3], 1, 1, b));
        double md;
        CHECK(cosine(a, b, 128, &md) > 0.99999 && md < 1e-5);
        CHECK(fabs(a[0] - b[0]) < 1e-5 && fabs(a[64] - b[64]) < 1e-5);
        tc_bert_free(m);
    }
    golden_free(&g);
}

/* Loading dir fails with code and a message holding both strings. */
static void expect_error(const char *dir, int code, const char *s1, const char *s2) {
    tc_bert *m = NULL;
    int rc = tc_bert_load(dir, &m);
    const char *msg = tc_last_error();
    CHECK_MSG(rc == code && !m && strstr(msg, s1) && (!s2 || strstr(msg, s2)), "%s: got %d \"%s\", want %d with "
              "\"%s\" and \"%s\"", dir, rc, msg, code, s1, s2 ? s2 : "");
    tc_bert_free(m);
}

static void lie_offsets(cJSON *h, size_t data_size) {
    cJSON *o = cJSON_GetObjectItem(cJSON_GetObjectItem(h, "pooler.dense.weight"), "data_offsets");
    cJSON_ReplaceItemInArray(o, 0, cJSON_CreateNumber((double)data_size));
    cJSON_ReplaceItemInArray(o, 1, cJSON_CreateNumber((double)data_size + 65536));
}

static void lie_shape(cJSON *h, size_t data_size) {
    (void)data_size;
    cJSON *s = cJSON_GetObjectItem(cJSON_GetObjectItem(h, "encoder.layer.1.output.dense.weight"), "shape");
    cJSON_ReplaceItemInArray(s, 1, cJSON_CreateNumber(513));
}

static void odd_dtype(cJSON *h, size_t data_size) {
    (void)data_size;
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(h, "encoder.layer.0.output.dense.bias"), "dtype",
                              cJSON_CreateString("I32"));
}

static void check_errors(void) {
    const char *model = "bert-mean-norm", *d;
    char path[1024];
    d = model_copy(model, "truncated", 1);
    snprintf(path, sizeof path, "%s/model.safetensors", d);
    CHECK(truncate(path, 3000000) == 0);
    expect_error(d, TC_EFORMAT, "past the end", "truncated");
    CHECK(truncate(path, 5) == 0);
    expect_error(d, TC_EFORMAT, "model.safetensors", "truncated");
    d = model_copy(model, "offsets", 0);
    write_weights(model, d, "", KEEP, 0, lie_offsets);
    expect_error(d, TC_EFORMAT, "pooler.dense.weight", "past the end");
    d = model_copy(model, "lying-shape", 0);
    write_weights(model, d, "", KEEP, 0, lie_shape);
    expect_error(d, TC_EFORMAT, "encoder.layer.1.output.dense.weight", "shape");
    d = model_copy(model, "dtype", 0);
    write_weights(model, d, "", KEEP, 0, odd_dtype);
    expect_error(d, TC_EUNSUPPORTED, "encoder.layer.0.output.dense.bias: dtype I32", "F16");
    d = model_copy(model, "config-shape", 1);
    json_set(d, "config.json", "intermediate_size", "500");
    expect_error(d, TC_EFORMAT, "encoder.layer.0.intermediate.dense.weight", "[512, 128], config.json implies [500, 128]");
    d = model_copy(model, "no-layer", 1);
    json_set(d, "config.json", "num_hidden_layers", "3");
    expect_error(d, TC_EFORMAT, "no tensor encoder.layer.2.", NULL);
    d = model_copy(model, "act", 1);
    json_set(d, "config.json", "hidden_act", "\"swish\"");
    expect_error(d, TC_EUNSUPPORTED, "hidden_act: \"swish\"", "gelu");
    d = model_copy(model, "roberta", 1);
    json_set(d, "config.json", "model_type", "\"roberta\"");
    expect_error(d, TC_EUNSUPPORTED, "model_type: \"roberta\"", "BERT");
    d = model_copy(model, "rel-pos", 1);
    json_set(d, "config.json", "position_embedding_type", "\"relative_key\"");
    expect_error(d, TC_EUNSUPPORTED, "position_embedding_type", "absolute");
    d = model_copy(model, "heads", 1);
    json_set(d, "config.json", "num_attention_heads", "3");
    expect_error(d, TC_EFORMAT, "num_attention_heads", "divide");
    d = model_copy(model, "huge", 1);
    json_set(d, "config.json", "hidden_size", "1e12");
    expect_error(d, TC_EFORMAT, "hidden_size", "out of range");
    d = model_copy(model, "pytorch", 0);
    snprintf(path, sizeof path, "%s/pytorch_model.bin", d);
    write_text(path, "not really a pickle");
    expect_error(d, TC_EUNSUPPORTED, "pytorch_model.bin", "safetensors");
    d = model_copy(model, "pool", 1);
    json_set(d, "1_Pooling/config.json", "pooling_mode", "\"weightedmean\"");
    expect_error(d, TC_EUNSUPPORTED, "pooling_mode: \"weightedmean\"", "mean_sqrt_len_tokens");
    json_set(d, "1_Pooling/config.json", "pooling_mode", NULL);
    json_set(d, "1_Pooling/config.json", "pooling_mode_lasttoken", "true");
    expect_error(d, TC_EUNSUPPORTED, "pooling_mode_lasttoken", "supported");
    json_set(d, "1_Pooling/config.json", "pooling_mode_lasttoken", "false");
    expect_error(d, TC_EFORMAT, "no pooling mode", NULL);
    json_set(d, "1_Pooling/config.json", "pooling_mode", "\"mean\"");
    json_set(d, "1_Pooling/config.json", "embedding_dimension", "64");
    expect_error(d, TC_EFORMAT, "embedding_dimension: 64", "128");
    d = model_copy(model, "dense", 1);
    snprintf(path, sizeof path, "%s/modules.json", d);
    write_text(path, "[{\"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"},"
                     " {\"path\": \"1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"},"
                     " {\"path\": \"2_Dense\", \"type\": \"sentence_transformers.models.Dense\"}]");
    expect_error(d, TC_EUNSUPPORTED, "sentence_transformers.models.Dense", "Normalize");
    write_text(path, "[{\"path\": \"../x\", \"type\": \"sentence_transformers.models.Transformer\"}]");
    expect_error(d, TC_EFORMAT, "path", "inside");
    write_text(path, "{\"modules\": 1}");
    expect_error(d, TC_EFORMAT, "modules.json", "list");
    write_text(path, "[{\"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"}");
    expect_error(d, TC_EFORMAT, "modules.json", "JSON");
    expect_error("/nonexistent/bert", TC_ENOTFOUND, "/nonexistent/bert/config.json", NULL);
    /* no modules.json: a plain transformers model, mean pooling as sentence-transformers does */
    d = model_copy("bert-cls-raw", "plain", 1);
    snprintf(path, sizeof path, "%s/modules.json", d);
    unlink(path);
    tc_bert *m = NULL;
    CHECK_OK(tc_bert_load(d, &m));
    if (m) CHECK(tc_bert_dim(m) == 96 && !tc_bert_normalizes(m) && tc_bert_max_len(m) == 64);
    tc_bert_free(m);
}

static int rm_one(const char *p, const struct stat *s, int flag, struct FTW *f) {
    (void)s, (void)flag, (void)f;
    return remove(p);
}

static void quiet(void *ctx, int level, const char *msg) { (void)ctx, (void)level, (void)msg; }

int main(void) {
    tc_set_logger(quiet, NULL);
    const char *t = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/test_bert.XXXXXX", t && *t && strlen(t) < 40 ? t : "/tmp");
    if (!mkdtemp(tmp)) { perror("mkdtemp"); return 2; }
    check_model("bert-mean-norm", 128, 128, 1);
    check_model("bert-cls-raw", 96, 64, 0);
    check_model("bert-max-long", 64, 256, 1);
    check_weight_formats();
    check_classic_layout();
    check_errors();
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return check_report("test_bert");
}
