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

static cJSON *parse_file(const char *path) {
    char *text = slurp(path, NULL);
    cJSON *j = cJSON_Parse(text);
    free(text);
    return j;
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

/* Lines {"text": "...", "<field>": [ids]} (ids optional). */
static golden *read_golden_field(const char *path, const char *field, int *n) {
    char *all = slurp(path, NULL), *save = NULL;
    golden *g = NULL;
    *n = 0;
    for (char *line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        g = realloc(g, sizeof *g * (*n + 1));
        golden *x = &g[(*n)++];
        const char *t = strstr(line, "\"text\": ");
        if (!t) t = strstr(line, "\"text\":"), t = t ? t - 1 : NULL;
        x->text = t ? json_string(t + 8, &x->len) : NULL;
        if (!x->text) { fprintf(stderr, "%s: line %d has no text\n", path, *n); exit(2); }
        x->n_ids = -1;
        cJSON *j = cJSON_Parse(line), *ids = cJSON_GetObjectItem(j, field), *it;
        if (cJSON_IsArray(ids)) {
            x->n_ids = 0;
            cJSON_ArrayForEach(it, ids) if (x->n_ids < MAXIDS) x->ids[x->n_ids++] = (int32_t)it->valuedouble;
        }
        cJSON_Delete(j);
    }
    free(all);
    return g;
}

static golden *read_golden(const char *path, int *n) { return read_golden_field(path, "ids", n); }

static void free_golden(golden *g, int n) {
    for (int i = 0; i < n; i++) free(g[i].text);
    free(g);
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
    cJSON *j = parse_file(path);
    const cJSON *v = cJSON_GetObjectItem(j, "max_seq_length");
    int n = cJSON_IsNumber(v) ? v->valueint : 0;
    cJSON_Delete(j);
    if (n) return n;
    snprintf(path, sizeof path, BERT "%s/model/tokenizer_config.json", model);
    j = parse_file(path);
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
        char dir[128], cfg[256], voc[256], cmd[1024];
        snprintf(dir, sizeof dir, "%s/%s", tmp, MODELS[m]);
        snprintf(cfg, sizeof cfg, "%s/tokenizer_config.json", dir);
        snprintf(voc, sizeof voc, "%s/vocab.txt", dir);
        snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp " BERT "vocab/vocab.txt '%s' && cp " BERT
                 "%s/model/tokenizer_config.json '%s'", dir, voc, MODELS[m], cfg);
        CHECK(system(cmd) == 0);
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
    /* Windows line ends in vocab.txt read as Python's universal newlines do */
    {
        char cmd[600], voc[256];
        snprintf(voc, sizeof voc, "%s/crlf.txt", tmp);
        snprintf(cmd, sizeof cmd, "sed 's/$/\\r/' " BERT "vocab/vocab.txt > '%s'", voc);
        CHECK(system(cmd) == 0);
        tc_wordpiece *wp = NULL;
        CHECK_OK(tc_wordpiece_open_vocab(voc, NULL, &wp));
        int n_ids;
        golden *ids = read_golden(BERT "bert-mean-norm/token_ids.jsonl", &n_ids);
        if (wp) CHECK(compare(wp, texts, ids, n_texts, 128, "vocab.txt with CRLF") == 0);
        CHECK(tc_wordpiece_vocab_size(wp) == 8000);
        free_golden(ids, n_ids);
        tc_wordpiece_free(wp);
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

/* ---------------------------------------------------------------- character classes, added tokens */

/* Keep in step with tests/make_wordpiece_golden.js. */
static const struct { const char *name; int clean, cjk, strip, lower; } VARIANTS[] = {
    {"lower", 1, 1, -1, 1},       {"cased", 1, 1, -1, 0},      {"keep_accents", 1, 1, 0, 1},
    {"strip_only", 0, 0, 1, 0},   {"raw_lower", 0, 1, 1, 1},   {"added", 1, 1, -1, 1},
};
static const struct { const char *content; int single_word, lstrip, rstrip, normalized, special; } ADDED[] = {
    {"<sw>", 1, 0, 0, 0, 0}, {"na\xc3\xafve", 0, 0, 0, 1, 0}, {"CAF", 1, 0, 0, 1, 0},
    {"[L]", 0, 1, 1, 0, 1},  {"ab", 0, 0, 0, 0, 0},           {"abc", 1, 0, 0, 0, 0},
    {"b c", 0, 0, 0, 1, 0},  {"\xe6\x97\xa5\xe6\x9c\xac", 0, 0, 0, 1, 0}, {"[NEW]", 0, 0, 0, 0, 1},
};

/* bert-mean-norm's tokenizer.json with the vocabulary of vocab (one piece a
 * line), the variant's normaliser and added tokens, written to path. */
static void write_variant(const char *vocab, int v, const char *path) {
    cJSON *t = parse_file(BERT "bert-mean-norm/model/tokenizer.json");
    cJSON *model = cJSON_GetObjectItem(t, "model"), *voc = cJSON_CreateObject();
    char *all = slurp(vocab, NULL), *save = NULL;
    int id = 0;
    for (char *line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        cJSON_AddNumberToObject(voc, line, id++);
    free(all);
    cJSON_ReplaceItemInObject(model, "vocab", voc);
    cJSON *n = cJSON_CreateObject();
    cJSON_AddStringToObject(n, "type", "BertNormalizer");
    cJSON_AddBoolToObject(n, "clean_text", VARIANTS[v].clean);
    cJSON_AddBoolToObject(n, "handle_chinese_chars", VARIANTS[v].cjk);
    if (VARIANTS[v].strip < 0) cJSON_AddNullToObject(n, "strip_accents");
    else cJSON_AddBoolToObject(n, "strip_accents", VARIANTS[v].strip);
    cJSON_AddBoolToObject(n, "lowercase", VARIANTS[v].lower);
    cJSON_ReplaceItemInObject(t, "normalizer", n);
    if (strcmp(VARIANTS[v].name, "added") == 0) {
        cJSON *added = cJSON_GetObjectItem(t, "added_tokens");
        for (size_t i = 0; i < sizeof ADDED / sizeof *ADDED; i++) {
            cJSON *a = cJSON_CreateObject();
            cJSON_AddNumberToObject(a, "id", id + (int)i);
            cJSON_AddStringToObject(a, "content", ADDED[i].content);
            cJSON_AddBoolToObject(a, "single_word", ADDED[i].single_word);
            cJSON_AddBoolToObject(a, "lstrip", ADDED[i].lstrip);
            cJSON_AddBoolToObject(a, "rstrip", ADDED[i].rstrip);
            cJSON_AddBoolToObject(a, "normalized", ADDED[i].normalized);
            cJSON_AddBoolToObject(a, "special", ADDED[i].special);
            cJSON_AddItemToArray(added, a);
        }
    }
    char *text = cJSON_PrintUnformatted(t);
    spit(path, text, strlen(text));
    free(text);
    cJSON_Delete(t);
}

static void test_variants(const char *tmp) {
    const char *vocab = BERT "wordpiece/vocab.txt";
    for (size_t v = 0; v < sizeof VARIANTS / sizeof *VARIANTS; v++) {
        int n;
        golden *g = read_golden_field(BERT "wordpiece/texts.jsonl", VARIANTS[v].name, &n);
        CHECK(n == 300 && g[0].n_ids >= 2);
        char path[600], what[128];
        snprintf(path, sizeof path, "%s/%s.json", tmp, VARIANTS[v].name);
        write_variant(vocab, (int)v, path);
        tc_wordpiece *wp = NULL;
        CHECK_OK(tc_wordpiece_open_json(path, &wp));
        if (wp) {
            snprintf(what, sizeof what, "variant %s", VARIANTS[v].name);
            int bad = compare(wp, g, g, n, 64, what);
            CHECK_MSG(bad == 0, "%s: %d of %d texts differ", what, bad, n);
            tc_wordpiece_free(wp);
        }
        /* the same through vocab.txt, where tokenizer_config.json can say it */
        if (VARIANTS[v].clean && VARIANTS[v].cjk && strcmp(VARIANTS[v].name, "added") != 0) {
            snprintf(path, sizeof path, "%s/%s.config.json", tmp, VARIANTS[v].name);
            char cfg[256];
            snprintf(cfg, sizeof cfg, "{\"do_lower_case\": %s, \"strip_accents\": %s, \"tokenizer_class\": "
                     "\"BertTokenizer\", \"mask_token\": {\"content\": \"[MASK]\", \"lstrip\": false}}",
                     VARIANTS[v].lower ? "true" : "false",
                     VARIANTS[v].strip < 0 ? "null" : VARIANTS[v].strip ? "true" : "false");
            spit(path, cfg, strlen(cfg));
            wp = NULL;
            CHECK_OK(tc_wordpiece_open_vocab(vocab, path, &wp));
            if (wp) {
                snprintf(what, sizeof what, "variant %s, vocab.txt", VARIANTS[v].name);
                int bad = compare(wp, g, g, n, 64, what);
                CHECK_MSG(bad == 0, "%s: %d of %d texts differ", what, bad, n);
                tc_wordpiece_free(wp);
            }
        }
        free_golden(g, n);
    }
}

/* Special tokens are cut out of the raw text; their ids are vocab.txt's line numbers. */
static int line_of(const char *piece) {
    char *all = slurp(BERT "vocab/vocab.txt", NULL), *save = NULL;
    int id = 0, found = -1;
    for (char *line = strtok_r(all, "\n", &save); line && found < 0; line = strtok_r(NULL, "\n", &save), id++)
        if (strcmp(line, piece) == 0) found = id;
    free(all);
    return found;
}

static void test_special(void) {
    tc_wordpiece *wp = NULL;
    CHECK_OK(tc_wordpiece_open(BERT "bert-mean-norm/model", &wp));
    if (!wp) return;
    int32_t ids[64];
    int a = line_of("a"), b = line_of("b"), mask = line_of("[MASK]"), cls = line_of("[CLS]"), sep = line_of("[SEP]");
    int open = line_of("["), close = line_of("]"), m = line_of("mask");
    CHECK(a > 4 && b > 4 && mask == 4 && open > 4 && m > 4);
    const char *t1 = "a [MASK] b";
    int n = tc_wordpiece_encode(wp, t1, strlen(t1), 64, ids);
    CHECK(n == 5 && ids[0] == cls && ids[1] == a && ids[2] == mask && ids[3] == b && ids[4] == sep);
    const char *t2 = "a[MASK]b";  /* no spaces needed */
    n = tc_wordpiece_encode(wp, t2, strlen(t2), 64, ids);
    CHECK(n == 5 && ids[1] == a && ids[2] == mask && ids[3] == b);
    const char *t3 = "[mask]";     /* matched before lower-casing: not the token */
    n = tc_wordpiece_encode(wp, t3, strlen(t3), 64, ids);
    CHECK(n == 5 && ids[1] == open && ids[2] == m && ids[3] == close);
    const char *t4 = "[MASK][SEP]\0[CLS]";  /* a NUL inside the text is dropped, not the end */
    n = tc_wordpiece_encode(wp, t4, 17, 64, ids);
    CHECK(n == 5 && ids[1] == mask && ids[2] == sep && ids[3] == cls);
    /* truncation keeps max_len - 2 pieces, special tokens among them */
    n = tc_wordpiece_encode(wp, t1, strlen(t1), 4, ids);
    CHECK(n == 4 && ids[1] == a && ids[2] == mask && ids[3] == sep);
    n = tc_wordpiece_encode(wp, t1, strlen(t1), 2, ids);
    CHECK(n == 2 && ids[0] == cls && ids[1] == sep);
    CHECK(tc_wordpiece_encode(wp, t1, strlen(t1), 1, ids) == TC_EINVAL);
    CHECK(tc_wordpiece_encode(wp, "", 0, 8, ids) == 2);
    tc_wordpiece_free(wp);
}

/* ---------------------------------------------------------------- reading only what is needed */

/* A text of size bytes whose bytes after the first `readable` fault when touched. */
static char *guarded(size_t size, size_t readable, char **base, size_t *map_len) {
    long page = sysconf(_SC_PAGESIZE);
    size_t lead = (readable + (size_t)page - 1) / (size_t)page * (size_t)page;
    *map_len = lead + size + (size_t)page;
    *base = mmap(NULL, *map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (*base == MAP_FAILED) { perror("mmap"); exit(2); }
    char *text = *base + lead - readable;  /* so the readable part ends on a page boundary */
    if (mprotect(*base + lead, *map_len - lead, PROT_NONE) != 0) { perror("mprotect"); exit(2); }
    return text;
}

static void test_bounded(void) {
    tc_wordpiece *wp = NULL;
    CHECK_OK(tc_wordpiece_open(BERT "bert-max-long/model", &wp));
    if (!wp) return;
    const char *para = "Real-time strategy game of ancient warfare. 0 A.D. (pronounced \"zero ey-dee\") is a free, "
                       "open-source, cross-platform game; Caf\xc3\xa9 na\xc3\xafve [MASK] \xe6\x97\xa5\xe6\x9c\xac. ";
    size_t plen = strlen(para), keep = 16 * 4096, big = 10u << 20;
    char *base, *text;
    size_t map_len;
    int32_t ids[300], want[300];

    /* 10 MB of text of which only 64 KB can be read: 256 ids need about 1.5 KB */
    text = guarded(big, keep, &base, &map_len);
    for (size_t i = 0; i < keep; i++) text[i] = para[i % plen];
    int n = tc_wordpiece_encode(wp, text, big, 256, ids);
    int k = tc_wordpiece_encode(wp, text, keep, 256, want);
    CHECK(n == 256 && k == 256 && memcmp(ids, want, sizeof ids[0] * 256) == 0);
    /* max_len 2 reads nothing */
    CHECK(tc_wordpiece_encode(wp, text + keep, big, 2, ids) == 2);
    /* an over-long word that is the last piece kept: its end is not looked for */
    memset(text, 'x', keep);
    n = tc_wordpiece_encode(wp, text, big, 3, ids);
    CHECK(n == 3 && ids[1] == 1);
    munmap(base, map_len);

    /* the tail after 4 KB is invalid UTF-8: the ids are those of the first 4 KB */
    char *t = malloc(big);
    for (size_t i = 0; i < big; i++) t[i] = i < 4096 ? para[i % plen] : (char)0xff;
    n = tc_wordpiece_encode(wp, t, big, 256, ids);
    k = tc_wordpiece_encode(wp, t, 4096, 256, want);
    CHECK(n == 256 && k == 256 && memcmp(ids, want, sizeof ids[0] * 256) == 0);
    free(t);
    tc_wordpiece_free(wp);
}

/* ---------------------------------------------------------------- errors */

/* tokenizer.json of bert-mean-norm with one field replaced by JSON value. */
static int open_edited(const char *tmp, const char *field, const char *value, tc_wordpiece **wp) {
    cJSON *t = parse_file(BERT "bert-mean-norm/model/tokenizer.json");
    cJSON *v = cJSON_Parse(value), *obj = t;
    char key[64], *dot;
    snprintf(key, sizeof key, "%s", field);
    char *k = key;
    while ((dot = strchr(k, '.'))) { *dot = 0; obj = cJSON_GetObjectItem(obj, k); k = dot + 1; }
    cJSON_ReplaceItemInObject(obj, k, v);
    char *text = cJSON_PrintUnformatted(t), path[600];
    snprintf(path, sizeof path, "%s/edited.json", tmp);
    spit(path, text, strlen(text));
    free(text);
    cJSON_Delete(t);
    return tc_wordpiece_open_json(path, wp);
}

/* Added tokens are numbered as the library's AddedVocabulary does: a piece of
 * the vocabulary keeps its id, a new one gets the next, the same content again
 * the id it has; the ids written in tokenizer.json do not count. */
static void test_added_ids(const char *tmp) {
    tc_wordpiece *wp = NULL;
    int32_t ids[16];
    const char *tokens = "[{\"id\": 0, \"content\": \"[PAD]\", \"special\": true},"
                         " {\"id\": 1, \"content\": \"[UNK]\", \"special\": true},"
                         " {\"id\": 2, \"content\": \"[CLS]\", \"special\": true},"
                         " {\"id\": 3, \"content\": \"[SEP]\", \"special\": true},"
                         " {\"id\": 7, \"content\": \"[MASK]\", \"special\": true},"
                         " {\"id\": 9, \"content\": \"[NEW]\", \"special\": true},"
                         " {\"id\": 9, \"content\": \"[NEW]\", \"special\": true},"
                         " {\"id\": 5, \"content\": \"[TWO]\", \"special\": true}]";
    CHECK_OK(open_edited(tmp, "added_tokens", tokens, &wp));
    if (!wp) return;
    const char *t = "[TWO] [MASK] [NEW]";
    int n = tc_wordpiece_encode(wp, t, strlen(t), 16, ids);
    CHECK(n == 5 && ids[1] == 8001 && ids[2] == 4 && ids[3] == 8000);
    CHECK(tc_wordpiece_vocab_size(wp) == 8002);
    tc_wordpiece_free(wp);
}

/* A tokenizer that allows words longer than the encoder's stack buffer. */
static void test_long_words(const char *tmp) {
    tc_wordpiece *wp = NULL;
    CHECK_OK(open_edited(tmp, "model.max_input_chars_per_word", "1000", &wp));
    if (!wp) return;
    char word[1002];
    int32_t ids[1100];
    memset(word, 'x', sizeof word);
    int x = line_of("x"), xx = line_of("##x"), unk = line_of("[UNK]");
    CHECK(x > 4 && xx > 4);
    /* 1000 chars: pieces ("x" then "##x", and longer runs where the vocabulary has them) */
    int n = tc_wordpiece_encode(wp, word, 1000, 1100, ids), unks = 0;
    for (int i = 1; i < n - 1; i++) unks += ids[i] == unk;
    CHECK(n > 2 && ids[1] != unk && unks == 0);
    /* 1001 chars: [UNK] */
    n = tc_wordpiece_encode(wp, word, 1001, 1100, ids);
    CHECK(n == 3 && ids[1] == unk);
    tc_wordpiece_free(wp);
}

static void test_errors(const char *tmp) {
    static const struct { const char *field, *value, *named; } cases[] = {
        {"model.type", "\"BPE\"", "\"BPE\""},
        {"model.type", "\"Unigram\"", "\"Unigram\""},
        {"normalizer", "{\"type\": \"Sequence\", \"normalizers\": []}", "normalizer: \"Sequence\""},
        {"pre_tokenizer", "{\"type\": \"Metaspace\", \"replacement\": \"_\"}", "pre_tokenizer: \"Metaspace\""},
        {"post_processor", "{\"type\": \"RobertaProcessing\"}", "post_processor: \"RobertaProcessing\""},
        {"version", "\"2.0\"", "version"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tc_wordpiece *wp = (tc_wordpiece *)1;
        int rc = open_edited(tmp, cases[i].field, cases[i].value, &wp);
        const char *msg = tc_last_error();
        CHECK_MSG(rc == TC_EUNSUPPORTED && wp == NULL, "%s: rc %d", cases[i].field, rc);
        CHECK_MSG(strstr(msg, cases[i].named) != NULL, "%s: \"%s\" does not name %s", cases[i].field, msg, cases[i].named);
        if (i < 5) CHECK_MSG(strstr(msg, "BERT WordPiece") != NULL, "\"%s\" does not say what is supported", msg);
    }
    static const struct { const char *field, *value, *named; } bad[] = {
        {"model.vocab", "[\"a\", \"b\"]", "model.vocab"},
        {"model.vocab", "{\"[UNK]\": -1}", "model.vocab"},
        {"model.vocab", "{\"a\": 0}", "unk_token"},
        {"model.unk_token", "7", "model.unk_token"},
        {"added_tokens", "[{\"id\": 1}]", "added_tokens[0]"},
        {"normalizer.lowercase", "\"yes\"", "normalizer.lowercase"},
        {"post_processor.special_tokens", "{}", "post_processor.special_tokens"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tc_wordpiece *wp = (tc_wordpiece *)1;
        int rc = open_edited(tmp, bad[i].field, bad[i].value, &wp);
        CHECK_MSG(rc == TC_EFORMAT && wp == NULL, "%s = %s: rc %d", bad[i].field, bad[i].value, rc);
        CHECK_MSG(strstr(tc_last_error(), bad[i].named) != NULL, "\"%s\" does not name %s", tc_last_error(), bad[i].named);
    }

    /* cut short anywhere, or garbage: an error, never a crash */
    size_t len;
    char *json = slurp(BERT "bert-mean-norm/model/tokenizer.json", &len), path[600];
    snprintf(path, sizeof path, "%s/cut.json", tmp);
    int errors = 0, tries = 0;
    for (size_t cut = 0; cut < len; cut += len / 37 + 1, tries++) {
        spit(path, json, cut);
        tc_wordpiece *wp = (tc_wordpiece *)1;
        int rc = tc_wordpiece_open_json(path, &wp);
        errors += rc == TC_EFORMAT && wp == NULL && strstr(tc_last_error(), path) != NULL;
        tc_wordpiece_free(rc ? NULL : wp);
    }
    CHECK_MSG(errors == tries, "%d of %d cut files gave a clear error", errors, tries);
    for (size_t i = 0; i < len; i++) json[i] = (char)(json[i] * 31 + (char)i);
    spit(path, json, len);
    tc_wordpiece *wp = (tc_wordpiece *)1;
    CHECK(tc_wordpiece_open_json(path, &wp) == TC_EFORMAT && wp == NULL);
    free(json);
    CHECK(tc_wordpiece_open("tests/data/bert", &wp) == TC_ENOTFOUND && wp == NULL);
    CHECK(tc_wordpiece_open_json("tests/data/bert/no-such.json", &wp) == TC_ENOTFOUND);
    tc_wordpiece_free(NULL);
}

/* ---------------------------------------------------------------- threads */

/* One tokenizer shared by all threads gives each text the ids it gives alone. */
static void test_threads(void) {
    tc_wordpiece *wp = NULL;
    CHECK_OK(tc_wordpiece_open(BERT "bert-mean-norm/model", &wp));
    if (!wp) return;
    int n, n_ids;
    golden *texts = read_golden(BERT "texts.jsonl", &n);
    golden *ids = read_golden(BERT "bert-mean-norm/token_ids.jsonl", &n_ids);
    int bad = 0;
#pragma omp parallel for num_threads(4) schedule(dynamic, 1) reduction(+ : bad)
    for (int r = 0; r < 8 * n; r++) {
        int32_t got[MAXIDS];
        int i = r % n, k = tc_wordpiece_encode(wp, texts[i].text, texts[i].len, 128, got);
        bad += k != ids[i].n_ids || memcmp(got, ids[i].ids, sizeof *got * (size_t)k) != 0;
    }
    CHECK_MSG(bad == 0, "%d encodes in threads differ", bad);
    free_golden(texts, n);
    free_golden(ids, n_ids);
    tc_wordpiece_free(wp);
}

int main(void) {
    char tmp[] = "/tmp/test_wordpiece.XXXXXX";
    if (!mkdtemp(tmp)) { perror("mkdtemp"); return 2; }
    test_models(tmp);
    test_variants(tmp);
    test_special();
    test_bounded();
    test_added_ids(tmp);
    test_long_words(tmp);
    test_errors(tmp);
    test_threads();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tmp);
    return check_report("test_wordpiece");
}
