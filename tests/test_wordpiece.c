/* test_wordpiece.c - the BERT WordPiece tokenizer against the Hugging Face
 * tokenizers library 0.23.2: the token ids it gave for the 500 texts of
 * tests/data/bert/ (through tokenizer.json and through vocab.txt +
 * tokenizer_config.json), ids of texts made for every character class and
 * for added tokens with each flag (tests/data/bert/wordpiece/, from
 * tests/make_wordpiece_golden.js), a text that is only read as far as the
 * kept pieces need, and clear errors for tokenizers of other kinds and for
 * broken files. */
#include "check.h"
#include "embed/wordpiece.h"
#include "textclust.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BERT "tests/data/bert/"
#define MAXIDS 1024

static const char *const MODELS[] = {"bert-mean-norm", "bert-cls-raw", "bert-max-long"};

/* ---------------------------------------------------------------- helpers */

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot open %s\n", path); exit(2); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (!s || fread(s, 1, (size_t)n, f) != (size_t)n) { fprintf(stderr, "cannot read %s\n", path); exit(2); }
    s[n] = 0;
    fclose(f);
    if (len) *len = (size_t)n;
    return s;
}

static void spit(const char *path, const char *s, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(s, 1, n, f) != n || fclose(f)) { fprintf(stderr, "cannot write %s\n", path); exit(2); }
}

typedef struct {
    char *text;      /* (len) */
    size_t len;
    int32_t ids[MAXIDS];
    int n_ids;       /* -1: no ids in the line */
} golden;

/* A JSON string with its length: cJSON stops at an escaped NUL, so the
 * string is decoded here (\uXXXX pairs included) to keep NUL bytes. */
static char *json_string(const char *p, size_t *len) {
    char *out = malloc(strlen(p) + 1), *o = out;
    if (*p++ != '"') { free(out); return NULL; }
    while (*p && *p != '"') {
        if (*p != '\\') { *o++ = *p++; continue; }
        p++;
        char c = *p++;
        if (c == 'n') *o++ = '\n';
        else if (c == 't') *o++ = '\t';
        else if (c == 'r') *o++ = '\r';
        else if (c == 'b') *o++ = '\b';
        else if (c == 'f') *o++ = '\f';
        else if (c != 'u') *o++ = c;
        else {
            unsigned v = (unsigned)strtoul((char[5]){p[0], p[1], p[2], p[3], 0}, NULL, 16);
            p += 4;
            if (v >= 0xD800 && v < 0xDC00 && p[0] == '\\' && p[1] == 'u') {
                unsigned lo = (unsigned)strtoul((char[5]){p[2], p[3], p[4], p[5], 0}, NULL, 16);
                v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            if (v < 0x80) *o++ = (char)v;
            else if (v < 0x800) *o++ = (char)(0xC0 | v >> 6), *o++ = (char)(0x80 | (v & 0x3F));
            else if (v < 0x10000)
                *o++ = (char)(0xE0 | v >> 12), *o++ = (char)(0x80 | (v >> 6 & 0x3F)), *o++ = (char)(0x80 | (v & 0x3F));
            else
                *o++ = (char)(0xF0 | v >> 18), *o++ = (char)(0x80 | (v >> 12 & 0x3F)),
                *o++ = (char)(0x80 | (v >> 6 & 0x3F)), *o++ = (char)(0x80 | (v & 0x3F));
        }
    }
    *len = (size_t)(o - out);
    return out;
}

/* Lines {"text": "...", "ids": [...]} (ids optional). */
static golden *read_golden(const char *path, int *n) {
    char *all = slurp(path, NULL), *save = NULL;
    golden *g = NULL;
    *n = 0;
    for (char *line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        g = realloc(g, sizeof *g * (*n + 1));
        golden *x = &g[(*n)++];
        const char *t = strstr(line, "\"text\": ");
        x->text = t ? json_string(t + 8, &x->len) : NULL;
        if (!x->text) { fprintf(stderr, "%s: line %d has no text\n", path, *n); exit(2); }
        x->n_ids = -1;
        cJSON *j = cJSON_Parse(line), *ids = cJSON_GetObjectItem(j, "ids"), *it;
        if (cJSON_IsArray(ids)) {
            x->n_ids = 0;
            cJSON_ArrayForEach(it, ids) if (x->n_ids < MAXIDS) x->ids[x->n_ids++] = (int32_t)it->valuedouble;
        }
        cJSON_Delete(j);
    }
    free(all);
    return g;
}

static void print_ids(const char *label, const int32_t *ids, int n) {
    fprintf(stderr, "  %s (%d):", label, n);
    for (int i = 0; i < n; i++) fprintf(stderr, " %d", ids[i]);
    fputc('\n', stderr);
}

/* Encodes every text, compares with ids; the number of mismatches (each printed). */
static int compare(const tc_wordpiece *wp, const golden *texts, const golden *ids, int n, int max_len,
                   const char *what) {
    int bad = 0;
    int32_t got[MAXIDS];
    for (int i = 0; i < n; i++) {
        int k = tc_wordpiece_encode(wp, texts[i].text, texts[i].len, max_len, got);
        if (k == ids[i].n_ids && memcmp(got, ids[i].ids, sizeof *got * (size_t)k) == 0) continue;
        if (bad++ < 5) {
            fprintf(stderr, "%s: text %d differs: \"%.*s\"\n", what, i, (int)(texts[i].len > 300 ? 300 : texts[i].len),
                    texts[i].text);
            print_ids("tokenizers", ids[i].ids, ids[i].n_ids);
            if (k < 0) fprintf(stderr, "  ours: error %d: %s\n", k, tc_last_error());
            else print_ids("ours", got, k);
        }
    }
    return bad;
}

/* max_seq_length of sentence_bert_config.json, else model_max_length. */
static int model_max_len(const char *model) {
    char path[256];
    snprintf(path, sizeof path, BERT "%s/model/sentence_bert_config.json", model);
    cJSON *j = cJSON_Parse(slurp(path, NULL));
    const cJSON *v = cJSON_GetObjectItem(j, "max_seq_length");
    int n = cJSON_IsNumber(v) ? v->valueint : 0;
    cJSON_Delete(j);
    if (n) return n;
    snprintf(path, sizeof path, BERT "%s/model/tokenizer_config.json", model);
    j = cJSON_Parse(slurp(path, NULL));
    v = cJSON_GetObjectItem(j, "model_max_length");
    n = cJSON_IsNumber(v) ? v->valueint : 0;
    cJSON_Delete(j);
    return n;
}

/* ---------------------------------------------------------------- golden models */

static void test_models(const char *tmp) {
    int n_texts;
    golden *texts = read_golden(BERT "texts.jsonl", &n_texts);
    CHECK(n_texts == 500);
    for (int m = 0; m < 3; m++) {
        char path[512];
        int n_ids, max_len = model_max_len(MODELS[m]);
        snprintf(path, sizeof path, BERT "%s/token_ids.jsonl", MODELS[m]);
        golden *ids = read_golden(path, &n_ids);
        CHECK(n_ids == n_texts);
        CHECK_MSG(max_len == (m == 0 ? 128 : m == 1 ? 64 : 256), "%s: max length %d", MODELS[m], max_len);
        int longest = 0;
        for (int i = 0; i < n_ids; i++) longest = ids[i].n_ids > longest ? ids[i].n_ids : longest;
        CHECK_MSG(longest == max_len, "%s: longest golden ids %d, max length %d", MODELS[m], longest, max_len);

        /* tokenizer.json, through the folder */
        tc_wordpiece *wp = NULL;
        snprintf(path, sizeof path, BERT "%s/model", MODELS[m]);
        CHECK_OK(tc_wordpiece_open(path, &wp));
        if (wp) {
            char what[128];
            snprintf(what, sizeof what, "%s tokenizer.json", MODELS[m]);
            int bad = compare(wp, texts, ids, n_texts, max_len, what);
            CHECK_MSG(bad == 0, "%s: %d of %d texts differ", what, bad, n_texts);
            CHECK(tc_wordpiece_vocab_size(wp) == 8000);
            CHECK(tc_wordpiece_pad_id(wp) == 0);
            tc_wordpiece_free(wp);
        }

        /* vocab.txt + the model's tokenizer_config.json in a folder of their own */
        char dir[512], cfg[600], voc[600];
        snprintf(dir, sizeof dir, "%s/%s", tmp, MODELS[m]);
        snprintf(cfg, sizeof cfg, "%s/tokenizer_config.json", dir);
        snprintf(voc, sizeof voc, "%s/vocab.txt", dir);
        snprintf(path, sizeof path, "mkdir -p '%s' && cp " BERT "vocab/vocab.txt '%s' && cp " BERT
                 "%s/model/tokenizer_config.json '%s'", dir, voc, MODELS[m], cfg);
        CHECK(system(path) == 0);
        wp = NULL;
        CHECK_OK(tc_wordpiece_open(dir, &wp));
        if (wp) {
            char what[128];
            snprintf(what, sizeof what, "%s vocab.txt", MODELS[m]);
            int bad = compare(wp, texts, ids, n_texts, max_len, what);
            CHECK_MSG(bad == 0, "%s: %d of %d texts differ", what, bad, n_texts);
            CHECK(tc_wordpiece_vocab_size(wp) == 8000);
            CHECK(tc_wordpiece_pad_id(wp) == 0);
            tc_wordpiece_free(wp);
        }
        for (int i = 0; i < n_ids; i++) free(ids[i].text);
        free(ids);
    }
    /* the defaults of a vocab.txt without a config are BERT uncased's */
    tc_wordpiece *wp = NULL;
    CHECK_OK(tc_wordpiece_open_vocab(BERT "vocab/vocab.txt", NULL, &wp));
    if (wp) {
        int n_ids;
        golden *ids = read_golden(BERT "bert-mean-norm/token_ids.jsonl", &n_ids);
        CHECK(compare(wp, texts, ids, n_texts, 128, "vocab.txt without config") == 0);
        for (int i = 0; i < n_ids; i++) free(ids[i].text);
        free(ids);
        tc_wordpiece_free(wp);
    }
    for (int i = 0; i < n_texts; i++) free(texts[i].text);
    free(texts);
}

int main(void) {
    char tmp[] = "/tmp/test_wordpiece.XXXXXX";
    if (!mkdtemp(tmp)) { perror("mkdtemp"); return 2; }
    test_models(tmp);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tmp);
    return check_report("test_wordpiece");
}
