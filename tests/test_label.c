/* test_label.c - tests of the cluster-naming stage (src/label/).
 *
 * Without arguments: unit tests of sampling, UTF-8 cutting, the tokenizer,
 * keyword labels (fast c-TF-IDF against the naive one, expected terms on a
 * fixture of Debian sections), prompts, answer parsing and the cache key.
 *
 * With "llm" and options: a driver for tests/label_llm_test.py, which runs
 * a stand-in LLM server: labels the clusters of a TSV file
 * ("<label>\t<text>" per line) through an endpoint and prints one JSON
 * object per cluster, then {"rc":..,"stats":{..}}, on stdout. */
#include "check.h"
#include "label/label.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- helpers */

typedef struct { char **text; int64_t *label; size_t n; } tsv;

static int tsv_read(const char *path, tsv *t) {
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char *line = NULL;
    size_t cap = 0, room = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n') line[--len] = 0;
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        if (t->n == room) {
            room = room ? room * 2 : 64;
            t->text = realloc(t->text, room * sizeof *t->text);
            t->label = realloc(t->label, room * sizeof *t->label);
        }
        *tab = 0;
        t->label[t->n] = strtoll(line, NULL, 10);
        t->text[t->n++] = strdup(tab + 1);
    }
    free(line);
    fclose(f);
    return 0;
}

static void tsv_free(tsv *t) {
    for (size_t i = 0; i < t->n; i++) free(t->text[i]);
    free(t->text);
    free(t->label);
}

/* 1 when comma-separated list s has an item containing word w */
static int has_word(const char *s, const char *w) {
    size_t n = strlen(w);
    for (const char *p = s; (p = strstr(p, w)); p++) {
        int left = p == s || p[-1] == ' ' || p[-1] == ',';
        int right = p[n] == 0 || p[n] == ' ' || p[n] == ',';
        if (left && right) return 1;
    }
    return 0;
}

/* 1 when comma-separated list s has exactly the item it */
static int has_item(const char *s, const char *it) {
    size_t n = strlen(it);
    for (const char *p = s; (p = strstr(p, it)); p++) {
        int left = p == s || (p >= s + 2 && p[-1] == ' ' && p[-2] == ',');
        if (left && (p[n] == 0 || p[n] == ',')) return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- sampling */

static void test_groups_and_sampling(void) {
    /* odd numbering, no noise first, then noise */
    int64_t lab[] = {7, 3, 7, 100, 3, 7, 7, 3, 7, 7, 7, 7, 7, 100};
    size_t n = sizeof lab / sizeof *lab;
    tc_label_groups g;
    CHECK_OK(tc_label_groups_build(lab, n, &g));
    CHECK(g.n_clusters == 3);
    CHECK(g.label[0] == 3 && g.label[1] == 7 && g.label[2] == 100);
    CHECK(g.start[1] - g.start[0] == 3 && g.start[3] - g.start[2] == 2);
    CHECK(g.n_noise == 0);
    size_t out[16], out2[16];
    /* cluster 7 has 9 members; 5 drawn: distinct members of cluster 7 */
    size_t k = tc_label_sample(&g, 1, 5, 42, out);
    CHECK(k == 5);
    for (size_t i = 0; i < k; i++) {
        CHECK(lab[out[i]] == 7);
        for (size_t j = 0; j < i; j++) CHECK(out[i] != out[j]);
    }
    /* deterministic */
    CHECK(tc_label_sample(&g, 1, 5, 42, out2) == 5 && memcmp(out, out2, sizeof(size_t) * 5) == 0);
    /* a different seed gives another sample (for this seed pair) */
    tc_label_sample(&g, 1, 5, 43, out2);
    CHECK(memcmp(out, out2, sizeof(size_t) * 5) != 0);
    /* small cluster: all its texts */
    CHECK(tc_label_sample(&g, 2, 10, 42, out) == 2 && out[0] == 3 && out[1] == 13);
    tc_label_groups_free(&g);

    /* with noise, no cluster at all, and a large cluster */
    int64_t none[] = {-1, -1};
    CHECK_OK(tc_label_groups_build(none, 2, &g));
    CHECK(g.n_clusters == 0 && g.n_noise == 2);
    tc_label_groups_free(&g);

    size_t big = 5000;
    int64_t *bl = malloc(big * sizeof *bl);
    for (size_t i = 0; i < big; i++) bl[i] = i % 5 == 0 ? -1 : (int64_t)(i % 3);
    CHECK_OK(tc_label_groups_build(bl, big, &g));
    CHECK(g.n_clusters == 3 && g.n_noise == 1000);
    /* the swap-list path (k <= 64) and the shuffled-copy path (k > 64) are
     * the same Fisher-Yates draw: the first 64 of 65 equal the 64 */
    size_t a[64], b[65];
    for (size_t c = 0; c < 3; c++) {
        CHECK(tc_label_sample(&g, c, 64, 9, a) == 64);
        CHECK(tc_label_sample(&g, c, 65, 9, b) == 65);
        CHECK(memcmp(a, b, sizeof a) == 0);
        int distinct = 1;
        for (size_t i = 0; i < 65; i++) {
            if (bl[b[i]] != g.label[c]) distinct = 0;
            for (size_t j = 0; j < i; j++) distinct &= b[i] != b[j];
        }
        CHECK(distinct);
    }
    /* roughly uniform: every member drawn about as often over many seeds */
    size_t c0 = g.start[1] - g.start[0];
    int *hits = calloc(big, sizeof *hits);
    for (uint64_t s = 0; s < 400; s++) {
        size_t o[10];
        tc_label_sample(&g, 0, 10, s, o);
        for (int i = 0; i < 10; i++) hits[o[i]]++;
    }
    int lo = 1 << 30, hi = 0;
    for (size_t i = g.start[0]; i < g.start[1]; i++) {
        int h = hits[g.member[i]];
        lo = h < lo ? h : lo;
        hi = h > hi ? h : hi;
    }
    CHECK_MSG(hi < 20 && c0 > 1000, "max hits %d over %zu members", hi, c0);
    (void)lo;
    free(hits);
    free(bl);
    tc_label_groups_free(&g);
}

static void test_utf8_cut(void) {
    const char *s = "ab\xc3\xa9" "c\xe2\x82\xac" "d\xf0\x9f\x98\x80";  /* ab é c € d 😀 */
    size_t n = strlen(s);  /* 2 + 2 + 1 + 3 + 1 + 4 = 13 */
    CHECK(n == 13);
    CHECK(tc_utf8_cut(s, n, 100) == 13);
    CHECK(tc_utf8_cut(s, n, 2) == 2);
    CHECK(tc_utf8_cut(s, n, 3) == 2);   /* inside é */
    CHECK(tc_utf8_cut(s, n, 4) == 4);
    CHECK(tc_utf8_cut(s, n, 6) == 5);   /* inside € */
    CHECK(tc_utf8_cut(s, n, 7) == 5);
    CHECK(tc_utf8_cut(s, n, 8) == 8);
    CHECK(tc_utf8_cut(s, n, 12) == 9);  /* inside 😀 */
    CHECK(tc_utf8_cut(s, n, 0) == 0);
    /* a run of stray continuation bytes is not backed off to the start */
    CHECK(tc_utf8_cut("o\x80\x80\x80\x80\x80\x80", 7, 5) == 2);
}

/* ---------------------------------------------------------------- keywords */

static void test_stopwords(void) {
    size_t n;
    const char *const *w = tc_stopword_list(&n);
    int sorted = 1;
    for (size_t i = 1; i < n; i++) sorted &= strcmp(w[i - 1], w[i]) < 0;
    CHECK(sorted);
    CHECK(tc_stopword("the", 3) && tc_stopword("which", 5) && tc_stopword("don", 3));
    CHECK(!tc_stopword("galaxy", 6) && !tc_stopword("th", 2));
}

typedef struct { char out[512]; } tokbuf;

static void tok_cb(void *ctx, const char *t, size_t n, int brk) {
    tokbuf *b = ctx;
    size_t l = strlen(b->out);
    snprintf(b->out + l, sizeof b->out - l, "%s%.*s", brk ? "|" : " ", (int)n, t);
}

static void test_tokenizer(void) {
    tokbuf b = {{0}};
    tc_keywords_tokenize("The Black Hole, of the GALAXY: x 2024 black-hole Ångström's "
                         "café\xe2\x80\x99s NEW\xc2\xa0York", tok_cb, &b);
    /* stop words and punctuation break bigrams; numbers and 1-letter words
     * dropped; Unicode lower-cased; hyphen and apostrophes join nothing */
    CHECK_STR(b.out, "|black hole|galaxy|black hole ångström café|york");
}

static void test_keywords_synthetic(void) {
    /* three clusters of known topics over a shared background vocabulary */
    static const char *topic[3][6] = {
        {"telescope", "galaxy", "planet", "orbit", "nebula", "comet"},
        {"flour", "oven", "dough", "yeast", "butter", "bread"},
        {"referee", "striker", "league", "goalkeeper", "stadium", "penalty"}};
    static const char *common[8] = {"people", "time", "world", "year", "information",
                                    "system", "number", "example"};
    size_t n = 300;
    char **texts = malloc(n * sizeof *texts);
    int64_t *lab = malloc(n * sizeof *lab);
    tc_rng r = tc_rng_seed(5);
    for (size_t i = 0; i < n; i++) {
        int t = (int)(i % 3);
        lab[i] = i % 10 == 9 ? -1 : 10 * t + 1;
        tc_sb s = {0};
        for (int w = 0; w < 12; w++) {
            if (w % 3 == 0) tc_sb_printf(&s, "%s ", common[tc_rng_below(&r, 8)]);
            else tc_sb_printf(&s, "%s the ", topic[t][tc_rng_below(&r, 6)]);
        }
        if (t == 0) tc_sb_puts(&s, "A black hole.");  /* a bigram of cluster 1 */
        texts[i] = s.s;
    }
    tc_label_params p = tc_label_default_params();
    tc_cluster_label *l;
    size_t k;
    CHECK_OK(tc_label_clusters((const char *const *)texts, n, lab, &p, &l, &k));
    CHECK(k == 3);
    for (size_t c = 0; c < k && c < 3; c++) {
        CHECK(l[c].label == (int64_t)(10 * c + 1));
        CHECK(l[c].score == -1 && l[c].topic == NULL);
        /* three terms, each from the cluster's topic vocabulary */
        int n_terms = 1, ok = 1;
        for (const char *q = l[c].summary; *q; q++) n_terms += *q == ',';
        for (int j = 0; j < 8; j++) ok &= !has_word(l[c].summary, common[j]);
        CHECK_MSG(n_terms == 3 && ok, "cluster %zu: \"%s\"", c, l[c].summary);
        CHECK(strncmp(l[c].keywords, l[c].summary, strlen(l[c].summary)) == 0);
    }
    if (k == 3) {
        CHECK_MSG(has_word(l[0].keywords, "black hole"), "%s", l[0].keywords);
        CHECK_MSG(has_item(l[0].keywords, "black hole") && !has_item(l[0].keywords, "black") &&
                      !has_item(l[0].keywords, "hole"),
                  "%s", l[0].keywords);
    }
    tc_cluster_labels_free(l, k);

    /* fast and naive c-TF-IDF agree exactly */
    tc_label_groups g;
    CHECK_OK(tc_label_groups_build(lab, n, &g));
    char *kw1[3], *sm1[3], *kw2[3], *sm2[3];
    CHECK_OK(tc_keywords_ctfidf((const char *const *)texts, &g, 10, NULL, kw1, sm1));
    CHECK_OK(tc_keywords_ctfidf_naive((const char *const *)texts, &g, 10, kw2, sm2));
    for (int c = 0; c < 3; c++) {
        CHECK_STR(kw1[c], kw2[c]);
        CHECK_STR(sm1[c], sm2[c]);
        free(kw1[c]); free(sm1[c]); free(kw2[c]); free(sm2[c]);
    }
    tc_label_groups_free(&g);
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts);
    free(lab);
}

static void test_keywords_debian(void) {
    tsv t;
    if (tsv_read("tests/data/label/debian-sections.tsv", &t)) {
        CHECK_MSG(0, "cannot read tests/data/label/debian-sections.tsv (run from the repo root)");
        return;
    }
    /* fonts, haskell, rust, perl, mail, games (label_make_fixture.py) */
    static const char *expect[6] = {"font", "haskell", "rust", "perl", "mail", "game"};
    tc_label_params p = tc_label_default_params();
    tc_cluster_label *l;
    size_t k;
    CHECK_OK(tc_label_clusters((const char *const *)t.text, t.n, t.label, &p, &l, &k));
    CHECK(k == 6);
    for (size_t c = 0; c < k && c < 6; c++) {
        /* the section's word, or its plural, among the top three terms */
        char pl[32];
        snprintf(pl, sizeof pl, "%ss", expect[c]);
        int hit = 0;
        const char *s = l[c].summary;
        for (const char *q = s; *q; q++) {
            int start = q == s || q[-1] == ' ';
            if (!start) continue;
            size_t m = strcspn(q, " ,");
            if ((m == strlen(expect[c]) && !strncmp(q, expect[c], m)) ||
                (m == strlen(pl) && !strncmp(q, pl, m)))
                hit = 1;
        }
        CHECK_MSG(hit, "section %s labelled \"%s\"", expect[c], s);
        if (getenv("TC_TEST_VERBOSE")) fprintf(stderr, "%s: %s | %s\n", expect[c], s, l[c].keywords);
    }
    tc_label_groups g;
    CHECK_OK(tc_label_groups_build(t.label, t.n, &g));
    char *kw1[6], *sm1[6], *kw2[6], *sm2[6];
    CHECK_OK(tc_keywords_ctfidf((const char *const *)t.text, &g, 10, NULL, kw1, sm1));
    CHECK_OK(tc_keywords_ctfidf_naive((const char *const *)t.text, &g, 10, kw2, sm2));
    for (int c = 0; c < 6; c++) {
        CHECK_STR(kw1[c], kw2[c]);
        free(kw1[c]); free(sm1[c]); free(kw2[c]); free(sm2[c]);
    }
    tc_label_groups_free(&g);
    tc_cluster_labels_free(l, k);
    tsv_free(&t);
}

static void test_label_edge_cases(void) {
    tc_label_params p = tc_label_default_params();
    tc_cluster_label *l = (tc_cluster_label *)1;
    size_t k = 99;
    /* nothing but noise: no clusters, not an error */
    const char *tx[] = {"alpha beta", "gamma delta", "the of and", ""};
    int64_t noise[] = {-1, -1, -1, -1};
    CHECK_OK(tc_label_clusters(tx, 4, noise, &p, &l, &k));
    CHECK(k == 0);
    tc_cluster_labels_free(l, k);
    /* a cluster of stop words only still gets a name */
    int64_t lab[] = {0, 0, 5, 5};
    CHECK_OK(tc_label_clusters(tx, 4, lab, &p, &l, &k));
    CHECK(k == 2);
    if (k == 2) {
        CHECK_STR(l[1].summary, "cluster 5");
        CHECK_STR(l[1].keywords, "");
        CHECK(l[0].label == 0 && l[1].label == 5);
    }
    tc_cluster_labels_free(l, k);
    tc_cluster_labels_free(NULL, 3);
    p.topic_mode = 7;
    CHECK(tc_label_clusters(tx, 4, lab, &p, &l, &k) == TC_EINVAL);
    CHECK(strstr(tc_last_error(), "topic_mode") != NULL);
}

/* ---------------------------------------------------------------- parsing */

static void check_multi(const char *answer, const char *want, int line) {
    char *s = tc_parse_multiple(answer);
    CHECK_MSG(want ? s && strcmp(s, want) == 0 : s == NULL, "line %d: \"%s\" -> \"%s\", want \"%s\"",
              line, answer, s ? s : "(null)", want ? want : "(null)");
    free(s);
}
#define MULTI(a, w) check_multi(a, w, __LINE__)

static void check_single_(const char *answer, const char *topic, int score, int line) {
    char *t = (char *)1;
    int sc = 99;
    int rc = tc_parse_single(answer, &t, &sc);
    if (!topic) CHECK_MSG(rc == TC_EFORMAT && t == NULL && sc == -1, "line %d: \"%s\"", line, answer);
    else
        CHECK_MSG(rc == 0 && t && strcmp(t, topic) == 0 && sc == score,
                  "line %d: \"%s\" -> rc %d \"%s\" %d, want \"%s\" %d", line, answer, rc,
                  t ? t : "(null)", sc, topic, score);
    free(t);
}
#define SINGLE(a, t, sc) check_single_(a, t, sc, __LINE__)

static void test_parse(void) {
    /* the reference's rules */
    MULTI("Tree, Cat, Fireman", "Tree, Cat, Fireman");
    MULTI("Tree, Cat, Fireman\nThese texts are about...", "Tree, Cat, Fireman");
    MULTI("Astronomy, Space, Physics. The examples discuss", "Astronomy, Space, Physics");
    MULTI("Cooking (recipes), Baking, Bread", "Cooking");
    MULTI("Cooking, , Baking,,Bread,", "Cooking, Baking, Bread");
    /* variants */
    MULTI("**Astronomy**, **Space**, **Physics**", "Astronomy, Space, Physics");
    MULTI("\"Astronomy, Space, Physics\"", "Astronomy, Space, Physics");
    MULTI("\xe2\x80\x9c" "Astronomy, Space, Physics" "\xe2\x80\x9d", "Astronomy, Space, Physics");
    MULTI("Here are three topics:\nAstronomy, Space, Physics", "Astronomy, Space, Physics");
    MULTI("Sure! Here you go\nAstronomy, Space, Physics\n", "Astronomy, Space, Physics");
    MULTI("Topics: Astronomy, Space, Physics", "Astronomy, Space, Physics");
    MULTI("  \n\n  Astronomy, Space, Physics  ", "Astronomy, Space, Physics");
    MULTI("- Astronomy, Space, Physics", "Astronomy, Space, Physics");
    MULTI("`Astronomy`, `Space`, `Physics`\r\n", "Astronomy, Space, Physics");
    MULTI("", NULL);
    MULTI("   \n  ", NULL);
    MULTI(". , (", NULL);
    /* an over-long answer is cut to TC_SUMMARY_MAX bytes, on a UTF-8 boundary */
    {
        char big[1200];
        for (int i = 0; i < 1000; i += 2) { big[i] = '\xc3'; big[i + 1] = '\xa9'; }
        big[1000] = 0;
        char *s = tc_parse_multiple(big);
        CHECK(s && strlen(s) == TC_SUMMARY_MAX);
        free(s);
        big[1] = 0;
    }

    SINGLE("Topic: Linear algebra, Educational value rating: 8", "Linear algebra", 8);
    SINGLE("Topic: Linear algebra (matrices), Educational value rating: 8.", "Linear algebra", 8);
    SINGLE("Topic: Cooking, Educational value rating: 3. The texts are recipes.", "Cooking", 3);
    SINGLE("topic: cooking, educational value rating: 3", "cooking", 3);
    SINGLE("**Topic:** Linear algebra, **Educational value rating:** 8/10", "Linear algebra", 8);
    SINGLE("Topic: Linear algebra\nEducational value rating: 9/10", "Linear algebra", 9);
    SINGLE("Sure, here is my assessment:\nTopic: Economics, Educational value rating: 7",
           "Economics", 7);
    SINGLE("\"Topic: Economics, Educational value rating: 7\"", "Economics", 7);
    SINGLE("Topic: \"Economics\", Educational value rating: \"7\"", "Economics", 7);
    SINGLE("Topic: Economics Educational value rating: 6", "Economics", 6);
    SINGLE("Topic: Economics. Educational value rating: 10", "Economics", 10);
    SINGLE("Topic: Gambling, Educational value rating: 0", "Gambling", -1);   /* out of range */
    SINGLE("Topic: Gambling, Educational value rating: 11", "Gambling", -1);
    SINGLE("Topic: Gambling", "Gambling", -1);                                /* no score */
    SINGLE("Topic: Gambling, Educational value rating: high", "Gambling", -1);
    SINGLE("Economics, Educational value rating: 5", "Economics", 5);        /* no Topic: */
    SINGLE("Economics", NULL, -1);
    SINGLE("", NULL, -1);
    SINGLE("Topic: , Educational value rating: 5", NULL, -1);

    char *r = tc_parse_raw("\n  I cannot help with that.  \nSecond line");
    CHECK_STR(r, "I cannot help with that.");
    free(r);
    CHECK(tc_parse_raw(" \n ") == NULL);
}

/* ---------------------------------------------------------------- prompts */

static void test_prompt(void) {
    const char *texts[] = {"first text", "second \xc3\xa9t\xc3\xa9 text", "third"};
    size_t idx[] = {1, 0};
    char *ex = tc_prompt_examples(texts, idx, 2, 8);  /* 8 characters, as Python's text[:8] */
    CHECK_STR(ex, "Example 1:\nsecond \xc3\xa9\n\nExample 2:\nfirst te");
    char *pr = tc_prompt_format("A {examples} B {instruction} {other} {examples}", "E", "I");
    CHECK_STR(pr, "A E B I {other} E");
    free(pr);
    pr = tc_prompt_format(tc_prompt_template(TC_LLM_OPENAI), ex, tc_prompt_instruction(TC_TOPIC_SINGLE));
    CHECK(pr && strstr(pr, ex) && strstr(pr, "Topic: <topic>, Educational value rating:"));
    CHECK(pr && !strstr(pr, "[INST]") && !strstr(pr, "{"));
    free(pr);
    pr = tc_prompt_format(tc_prompt_template(TC_LLM_HF), ex, tc_prompt_instruction(TC_TOPIC_MULTIPLE));
    CHECK(pr && strncmp(pr, "[INST]", 6) == 0 && strstr(pr, "[/INST]") && strstr(pr, "three"));
    free(pr);
    free(ex);
}

/* ---------------------------------------------------------------- cache, secrets */

static void test_cache(void) {
    char k1[33], k2[33], k3[33], k4[33], k5[33];
    tc_cache_key("http://a/generate", "m", 64, 0, "prompt", k1);
    tc_cache_key("http://a/generate", "m", 64, 0, "prompt", k2);
    CHECK_STR(k1, k2);
    CHECK(strlen(k1) == 32 && strspn(k1, "0123456789abcdef") == 32);
    tc_cache_key("http://b/generate", "m", 64, 0, "prompt", k3);
    tc_cache_key("http://a/generate", "m", 65, 0, "prompt", k4);
    tc_cache_key("http://a/generate", "m", 64, 0.5f, "prompt", k5);
    CHECK(strcmp(k1, k3) && strcmp(k1, k4) && strcmp(k1, k5));
    tc_cache_key("http://a/generate", "mp", 64, 0, "rompt", k3);  /* field boundaries count */
    tc_cache_key("http://a/generate", NULL, 64, 0, "prompt", k4);
    CHECK(strcmp(k1, k3) && strcmp(k1, k4));

    char dir[] = "/tmp/test_label_cacheXXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char sub[96];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    CHECK(tc_cache_get(sub, k1) == NULL);
    CHECK_OK(tc_cache_put(sub, k1, "Tree, \"Cat\"\n\xc3\xa9"));
    char *a = tc_cache_get(sub, k1);
    CHECK_STR(a, "Tree, \"Cat\"\n\xc3\xa9");
    free(a);
    CHECK_OK(tc_cache_put(sub, k1, "second"));
    a = tc_cache_get(sub, k1);
    CHECK_STR(a, "second");
    free(a);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 1 && rm -r %s", sub, dir);
    CHECK(system(cmd) == 0);  /* no temporary file left behind */

    char out[64];
    const char *one[] = {"sk-SECRET-1", NULL};
    tc_redact(out, sizeof out, "Bearer sk-SECRET-1 and sk-SECRET-1!", one);
    CHECK_STR(out, "Bearer [hidden] and [hidden]!");
    tc_redact(out, 8, "abcdefghijkl", NULL);
    CHECK_STR(out, "abcdefg");
}

/* ---------------------------------------------------------------- secrets */

/* 1 when no 6 consecutive bytes of secret appear in s */
static int no_piece(const char *s, const char *secret) {
    size_t n = strlen(secret);
    for (size_t i = 0; i + 6 <= n; i++)
        if (memmem(s, strlen(s), secret + i, 6)) return 0;
    return 1;
}

static void test_secrets(void) {
    /* a long key, as hosted APIs issue them */
    char key[200];
    strcpy(key, "sk-proj-");
    for (size_t i = 8; i < 164; i++) key[i] = "Ab3-x9_QmZ"[i * 7 % 10];
    key[164] = 0;
    const char *ks[] = {key, NULL};
    char msg[4096], out[256];

    /* the mask comes before the cut: an echoed key is hidden whole even
     * when the message is cut in its middle */
    snprintf(msg, sizeof msg, "{\"error\": {\"message\": \"Incorrect API key provided: %s. "
             "You can find your API key at https://example.com.\"}}", key);
    tc_redact(out, 160, msg, ks);
    CHECK_MSG(no_piece(out, key), "cut message: %s", out);
    CHECK(strstr(out, "[hidden]") != NULL);
    char *m = tc_secret_mask(msg, strlen(msg), ks);
    CHECK(m && strstr(m, "provided: [hidden]. You can") && no_piece(m, key));
    free(m);

    /* JSON escapes: \u002d for every '-', \/ and \u0041 mixed in */
    tc_sb b = {0};
    tc_sb_puts(&b, "{\"error\": \"bad key ");
    for (const char *q = key; *q; q++) {
        if (*q == '-') tc_sb_puts(&b, "\\u002d");
        else if (*q == 'A') tc_sb_puts(&b, "\\u0041");
        else tc_sb_append(&b, q, 1);
    }
    tc_sb_puts(&b, "\"}");
    m = tc_secret_mask(b.s, b.len, ks);
    CHECK_MSG(m && !strstr(m, "u002d") && strstr(m, "bad key [hidden]\"}"), "%s", m);
    free(m);
    tc_sb_free(&b);

    /* percent-encoded, upper and lower case hex, and JSON of that */
    tc_sb_puts(&b, "GET /?k=");
    for (const char *q = key; *q; q++) {
        if (*q == '-' || *q == '_') tc_sb_printf(&b, (q - key) % 2 ? "%%%02X" : "%%%02x", *q);
        else tc_sb_append(&b, q, 1);
    }
    tc_sb_puts(&b, " end");
    m = tc_secret_mask(b.s, b.len, ks);
    CHECK_MSG(m && !strcmp(m, "GET /?k=[hidden] end"), "%s", m);
    free(m);
    tc_sb_free(&b);
    tc_sb_puts(&b, "x ");
    for (const char *q = key; *q; q++) {
        if (*q == '-') tc_sb_puts(&b, "\\u00252D");  /* JSON-escaped '%' then 2D */
        else tc_sb_append(&b, q, 1);
    }
    m = tc_secret_mask(b.s, b.len, ks);
    CHECK_MSG(m && !strcmp(m, "x [hidden]"), "%s", m);
    free(m);
    tc_sb_free(&b);

    /* a key the server cut: what is left is hidden, at the cut edge too */
    snprintf(msg, sizeof msg, "token %.40s... rejected", key);
    m = tc_secret_mask(msg, strlen(msg), ks);
    CHECK_MSG(m && !strcmp(m, "token [hidden]... rejected"), "%s", m);
    free(m);
    snprintf(msg, sizeof msg, "key=%.6s", key + 3);  /* "proj-" + 1: a 6-byte start at the end */
    snprintf(msg, sizeof msg, "key=%.6s", key);
    m = tc_secret_mask(msg, strlen(msg), ks);
    CHECK_MSG(m && !strcmp(m, "key=[hidden]"), "%s", m);
    free(m);
    /* short secrets are never masked, ordinary text is left alone */
    const char *shorty[] = {"abc", NULL};
    m = tc_secret_mask("abcabc", 6, shorty);
    CHECK_STR(m, "abcabc");
    free(m);
    m = tc_secret_mask("Astronomy, Space, Physics", 25, ks);
    CHECK_STR(m, "Astronomy, Space, Physics");
    free(m);

    /* URLs */
    char *u = tc_url_redact("http://user:PASS@host:8/v1?api-key=SECRET&v=2#frag");
    CHECK_STR(u, "http://user:***@host:8/v1?api-key=***&v=***#***");
    free(u);
    u = tc_url_redact("https://h/v1");
    CHECK_STR(u, "https://h/v1");
    free(u);
    u = tc_url_redact("http://user@h/?flag&x=");
    CHECK_STR(u, "http://user@h/?flag&x=***");
    free(u);
    u = tc_url_redact("not a url with s3cr3t");
    CHECK_STR(u, "***");
    free(u);
    char **sec = tc_url_secrets("http://me:pa%24%24word@h/v1?api-key=SECRET-123456&v=1", "tok-4567");
    int has[4] = {0};
    for (char **q = sec; q && *q; q++) {
        has[0] |= !strcmp(*q, "tok-4567");
        has[1] |= !strcmp(*q, "pa$$word");
        has[2] |= !strcmp(*q, "SECRET-123456");
        has[3] |= !strcmp(*q, "1");
    }
    CHECK(sec && has[0] && has[1] && has[2] && !has[3]);
    tc_secrets_free(sec);
}

/* ---------------------------------------------------------------- replies */

static void test_replies(void) {
    char *a = (char *)1;
    const char ok[] = "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"A, B\"}}]}";
    CHECK(tc_llm_answer_openai(ok, sizeof ok - 1, &a) == 0 && a && !strcmp(a, "A, B"));
    free(a);
    const char ws[] = "{\"choices\":[{\"text\":\"T\"}]}  \n";
    CHECK(tc_llm_answer_openai(ws, sizeof ws - 1, &a) == 0 &&
          a && !strcmp(a, "T"));
    free(a);
    /* not the API's shape: never an answer */
    const char *bad[] = {"{\"choices\":\"nope\"}", "{\"choices\":[]}", "{\"choices\":[1]}",
                         "{\"choices\":[{\"message\":{\"content\":null}}]}",
                         "{\"choices\":[{\"message\":\"x\"}]}", "[{\"generated_text\":\"x\"}]",
                         "xxxxxxxx", "", "{\"choices\":[{\"text\":\"T\"}]} trailing",
                         "{\"error\":\"overloaded\"}", "null", "\"A, B\""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        a = (char *)1;
        int rc = tc_llm_answer_openai(bad[i], strlen(bad[i]), &a);
        CHECK_MSG(rc == TC_EFORMAT && a == NULL, "openai %s -> %d", bad[i], rc);
    }
    /* the length is what counts: no terminator read, a NUL inside is refused */
    char cut[] = "{\"choices\":[{\"text\":\"T\"}]}XYZ";
    CHECK(tc_llm_answer_openai(cut, sizeof cut - 4, &a) == 0 && a && !strcmp(a, "T"));
    free(a);
    CHECK(tc_llm_answer_openai(cut, 10, &a) == TC_EFORMAT && !a);
    const char nul[] = "{\"choices\":[{\"text\":\"T\"}]}\0{}";
    CHECK(tc_llm_answer_openai(nul, sizeof nul - 1, &a) == TC_EFORMAT && !a);

    const char hf[] = "[{\"generated_text\":\"PROMPT Topic: X\"}]";
    CHECK(tc_llm_answer_hf(hf, sizeof hf - 1, "PROMPT", &a) == 0 && a && !strcmp(a, " Topic: X"));
    free(a);
    CHECK(tc_llm_answer_hf(hf, sizeof hf - 1, NULL, &a) == 0 && a && !strcmp(a, "PROMPT Topic: X"));
    free(a);
    CHECK(tc_llm_answer_hf("{\"generated_text\":\"Y\"}", 22, "", &a) == 0 && a && !strcmp(a, "Y"));
    free(a);
    /* an echo of the prompt's second half only: its "Topic: <topic>" is no answer */
    const char prompt[] = "[INST] Examples... Reply in this form:\nTopic: <topic>, Educational value rating: <1-10> [/INST]";
    const char half[] = "{\"generated_text\":\"this form:\\nTopic: <topic>, Educational value rating: <1-10> [/INST] Topic: Fonts, Educational value rating: 7\"}";
    CHECK(tc_llm_answer_hf(half, sizeof half - 1, prompt, &a) == 0 && a);
    CHECK_STR(a, " Topic: Fonts, Educational value rating: 7");
    free(a);
    /* an answer that merely quotes the prompt's end later on is kept whole */
    const char later[] = "{\"generated_text\":\"Topic: X <1-10> [/INST] ok\"}";
    CHECK(tc_llm_answer_hf(later, sizeof later - 1, "[INST] Examples: <1-10> [/INST]", &a) == 0 && a);
    CHECK_STR(a, "Topic: X <1-10> [/INST] ok");
    free(a);
    const char *hbad[] = {"[]", "[1]", "{\"generated_text\":5}", "{\"error\":\"loading\"}",
                          "{\"choices\":[{\"text\":\"T\"}]}", "[{\"generated_text\": \"Astro"};
    for (size_t i = 0; i < sizeof hbad / sizeof *hbad; i++) {
        a = (char *)1;
        int rc = tc_llm_answer_hf(hbad[i], strlen(hbad[i]), "p", &a);
        CHECK_MSG(rc == TC_EFORMAT && a == NULL, "hf %s -> %d", hbad[i], rc);
    }

    /* the answer parsers on bytes */
    char *t;
    int sc;
    CHECK(tc_parse_answer_multiple("A, B\0, C", 9, &t) == 0 && t && !strcmp(t, "A, B, C"));
    free(t);
    CHECK(tc_parse_answer_multiple("A, BXX", 4, &t) == 0 && t && !strcmp(t, "A, B"));
    free(t);
    CHECK(tc_parse_answer_multiple(" \n", 2, &t) == TC_EFORMAT && !t);
    CHECK(tc_parse_answer_single("Topic: X, Educational value rating: 7", 37, &t, &sc) == 0 &&
          t && !strcmp(t, "X") && sc == 7);
    free(t);
    CHECK(tc_parse_answer_single("nothing", 7, &t, &sc) == TC_EFORMAT && !t && sc == -1);

    /* names: one printable line */
    char *c = tc_label_clean("\x1b]52;c;aGk=\x07" "Astro\tnomy,\r\n  Space\xc2\x9b" "31m \xe2\x80\xae\x7f");
    CHECK_STR(c, "]52;c;aGk=Astro nomy, Space31m");
    free(c);
    c = tc_label_clean("\x01\x02 \n\t");
    CHECK_STR(c, "");
    free(c);
    c = tc_label_clean("ok\xff");
    CHECK_STR(c, "ok\xef\xbf\xbd");
    free(c);
    char big[700];
    for (int i = 0; i < 699; i += 3) memcpy(big + i, "\xe2\x82\xac", 3);
    big[699] = 0;
    c = tc_label_clean(big);
    CHECK(c && strlen(c) == 198);  /* 66 euro signs: 200 bytes would split the 67th */
    free(c);
    c = tc_label_clean_answer("Here:\r\nA,\x1b[2J B\n");
    CHECK_STR(c, "Here:\nA,[2J B\n");
    free(c);
}

static void test_endpoint(void) {
    tc_label_params p = tc_label_default_params();
    char *u;
    p.api = TC_LLM_HF;
    CHECK(tc_llm_endpoint(&p) == NULL);  /* no model, no URL */
    p.llm_model = "org/model";
    u = tc_llm_endpoint(&p);
    CHECK_STR(u, "https://api-inference.huggingface.co/models/org/model");
    free(u);
    p.llm_url = "http://127.0.0.1:8080/";
    u = tc_llm_endpoint(&p);
    CHECK_STR(u, "http://127.0.0.1:8080/generate");
    free(u);
    p.llm_url = "http://h/generate";
    u = tc_llm_endpoint(&p);
    CHECK_STR(u, "http://h/generate");
    free(u);
    p.api = TC_LLM_OPENAI;
    p.llm_url = NULL;
    u = tc_llm_endpoint(&p);
    CHECK_STR(u, "https://api.openai.com/v1/chat/completions");
    free(u);
    p.llm_url = "http://localhost:11434/v1";
    u = tc_llm_endpoint(&p);
    CHECK_STR(u, "http://localhost:11434/v1/chat/completions");
    free(u);
    p.llm_url = "http://h/x/chat/completions";
    u = tc_llm_endpoint(&p);
    CHECK_STR(u, "http://h/x/chat/completions");
    free(u);
    p.llm_url = "ftp://h";
    CHECK(tc_llm_endpoint(&p) == NULL);
    /* the API path goes before the query string; secrets stay out of errors */
    p.llm_url = "http://user:PASS@host:9/v1/?api-key=SECRET#x";
    u = tc_llm_endpoint(&p);
    CHECK_STR(u, "http://user:PASS@host:9/v1/chat/completions?api-key=SECRET");
    free(u);
    p.llm_url = "https://h/openai/deployments/d/chat/completions?api-version=2024";
    u = tc_llm_endpoint(&p);
    CHECK_STR(u, "https://h/openai/deployments/d/chat/completions?api-version=2024");
    free(u);
    p.api = TC_LLM_HF;
    p.llm_url = "http://h:80?token=SECRET";
    u = tc_llm_endpoint(&p);
    CHECK_STR(u, "http://h:80/generate?token=SECRET");
    free(u);
    p.api = TC_LLM_OPENAI;
    p.llm_url = "gopher://u:PASS@h/?k=SECRET";
    CHECK(tc_llm_endpoint(&p) == NULL && !strstr(tc_last_error(), "PASS") &&
          !strstr(tc_last_error(), "SECRET"));

    /* where the token comes from */
    p.api = TC_LLM_OPENAI;
    p.llm_api_key = "k-param";
    setenv("OPENAI_API_KEY", "k-env", 1);
    u = tc_llm_token(&p);
    CHECK_STR(u, "k-param");
    free(u);
    p.llm_api_key = NULL;
    u = tc_llm_token(&p);
    CHECK_STR(u, "k-env");
    free(u);
    unsetenv("OPENAI_API_KEY");
    CHECK(tc_llm_token(&p) == NULL);
    p.api = TC_LLM_HF;
    char dir[] = "/tmp/test_label_hfXXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/token", dir);
    FILE *f = fopen(path, "w");
    fputs("  hf_file_token \n", f);
    fclose(f);
    unsetenv("HF_TOKEN");
    unsetenv("HUGGING_FACE_HUB_TOKEN");
    setenv("HF_HOME", dir, 1);
    u = tc_llm_token(&p);
    CHECK_STR(u, "hf_file_token");
    free(u);
    char path2[160];                          /* $HF_TOKEN_PATH wins over $HF_HOME/token */
    snprintf(path2, sizeof path2, "%s/other-token", dir);
    f = fopen(path2, "w");
    fputs("hf_path_token\n", f);
    fclose(f);
    setenv("HF_TOKEN_PATH", path2, 1);
    u = tc_llm_token(&p);
    CHECK_STR(u, "hf_path_token");
    free(u);
    unsetenv("HF_TOKEN_PATH");
    setenv("HF_TOKEN", "hf_env", 1);
    u = tc_llm_token(&p);
    CHECK_STR(u, "hf_env");
    free(u);
    unsetenv("HF_TOKEN");
    unsetenv("HF_HOME");
    remove(path);
    remove(path2);
    rmdir(dir);
}

static void test_single_offline(void) {
    const char *tx[] = {"galaxy telescope", "galaxy orbit", "bread oven", "bread flour"};
    int64_t lab[] = {1, 1, 2, 2};
    tc_label_params p = tc_label_default_params();
    p.topic_mode = TC_TOPIC_SINGLE;
    tc_cluster_label *l;
    size_t k;
    CHECK_OK(tc_label_clusters(tx, 4, lab, &p, &l, &k));
    CHECK(k == 2);
    if (k == 2) {
        CHECK(l[0].topic && strstr(l[0].topic, "galaxy") && l[0].score == -1);
        char want[256];
        snprintf(want, sizeof want, "%s. Educational score: None", l[0].topic);
        CHECK_STR(l[0].summary, want);
    }
    tc_cluster_labels_free(l, k);
}

/* ---------------------------------------------------------------- driver */

static void log_all(void *ctx, int level, const char *msg) {
    (void)ctx;
    static const char *const name[] = {"debug", "info", "warning", "error"};
    fprintf(stderr, "textclust: %s: %s\n", name[level & 3], msg);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    tc_sb b = {0};
    char buf[4096];
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0) tc_sb_append(&b, buf, r);
    fclose(f);
    return b.s;
}

static int driver(int argc, char **argv) {
    tc_label_params p = tc_label_default_params();
    tc_label_stats st;
    p.stats = &st;
    const char *input = NULL;
    char *tpl = NULL, *ins = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-' || a[1] != '-') { input = a; continue; }
        if (!v) { fprintf(stderr, "%s needs a value\n", a); return 2; }
        i++;
        if (!strcmp(a, "--api"))
            p.api = !strcmp(v, "hf") ? TC_LLM_HF : !strcmp(v, "openai") ? TC_LLM_OPENAI : TC_LLM_NONE;
        else if (!strcmp(a, "--mode")) p.topic_mode = !strcmp(v, "single") ? TC_TOPIC_SINGLE : TC_TOPIC_MULTIPLE;
        else if (!strcmp(a, "--url")) p.llm_url = v;
        else if (!strcmp(a, "--model")) p.llm_model = v;
        else if (!strcmp(a, "--key")) p.llm_api_key = v;
        else if (!strcmp(a, "--token-file")) p.llm_token_file = v;
        else if (!strcmp(a, "--cache")) p.cache_dir = v;
        else if (!strcmp(a, "--concurrency")) p.concurrency = atoi(v);
        else if (!strcmp(a, "--timeout")) p.timeout_s = atof(v);
        else if (!strcmp(a, "--retries")) p.max_retries = atoi(v);
        else if (!strcmp(a, "--retry-delay")) p.retry_delay_s = atof(v);
        else if (!strcmp(a, "--examples")) p.n_examples = atoi(v);
        else if (!strcmp(a, "--chunk")) p.chunk_size = atoi(v);
        else if (!strcmp(a, "--max-new-tokens")) p.max_new_tokens = atoi(v);
        else if (!strcmp(a, "--temperature")) p.temperature = (float)atof(v);
        else if (!strcmp(a, "--seed")) p.seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--template")) p.template_text = tpl = slurp(v);
        else if (!strcmp(a, "--instruction")) p.instruction = ins = slurp(v);
        else { fprintf(stderr, "unknown option %s\n", a); return 2; }
    }
    tsv t;
    if (!input || tsv_read(input, &t)) { fprintf(stderr, "cannot read input %s\n", input ? input : "(none)"); return 2; }
    tc_set_logger(log_all, NULL);
    tc_cluster_label *l = NULL;
    size_t k = 0;
    int rc = tc_label_clusters((const char *const *)t.text, t.n, t.label, &p, &l, &k);
    for (size_t c = 0; c < k; c++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "label", (double)l[c].label);
        cJSON_AddStringToObject(j, "summary", l[c].summary);
        if (l[c].topic) cJSON_AddStringToObject(j, "topic", l[c].topic);
        else cJSON_AddNullToObject(j, "topic");
        cJSON_AddNumberToObject(j, "score", l[c].score);
        cJSON_AddStringToObject(j, "keywords", l[c].keywords);
        char *s = cJSON_PrintUnformatted(j);
        printf("%s\n", s);
        free(s);
        cJSON_Delete(j);
    }
    cJSON *j = cJSON_CreateObject(), *js = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "rc", rc);
    cJSON_AddStringToObject(j, "error", rc ? tc_last_error() : "");
    cJSON_AddNumberToObject(js, "n_requests", (double)st.n_requests);
    cJSON_AddNumberToObject(js, "n_retries", (double)st.n_retries);
    cJSON_AddNumberToObject(js, "n_cache_hits", (double)st.n_cache_hits);
    cJSON_AddNumberToObject(js, "n_failed", (double)st.n_failed);
    cJSON_AddNumberToObject(js, "n_malformed", (double)st.n_malformed);
    cJSON_AddItemToObject(j, "stats", js);
    char *s = cJSON_PrintUnformatted(j);
    printf("%s\n", s);
    free(s);
    cJSON_Delete(j);
    tc_cluster_labels_free(l, k);
    tsv_free(&t);
    free(tpl);
    free(ins);
    return rc ? 1 : 0;
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "llm")) return driver(argc, argv);
    test_groups_and_sampling();
    test_utf8_cut();
    test_stopwords();
    test_tokenizer();
    test_keywords_synthetic();
    test_keywords_debian();
    test_label_edge_cases();
    test_parse();
    test_prompt();
    test_cache();
    test_secrets();
    test_replies();
    test_endpoint();
    test_single_offline();
    return check_report("test_label");
}
