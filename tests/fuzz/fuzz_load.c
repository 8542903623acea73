/* fuzz_load.c - the JSON files of a save folder as load reads them
 * (src/core/load.c, src/io/json.c). The first byte picks the file:
 * 0 texts.json (a list of strings), 1 cluster_summaries.json, 2
 * textclust.json (read after the summaries of a fixed small folder, whose
 * names it amends), 3 both JSON files from the one input. The arrays of
 * the folder are not needed for these, so the files are read on their own.
 *
 * load.c is included, not linked, to reach its static readers. */
#include "fuzz.h"
#include "io/io.h"
#include "core/load.c"

#include <cjson/cJSON.h>

/* 1 when s holds a \u escape (an odd run of backslashes, then u) whose
 * four digits are not all hex. cJSON reads one as U+0000, ending its
 * string there; JSON, Python's json and ours reject it. */
static int bad_u_escape(const char *s, size_t len) {
    for (size_t i = 0, run = 0; i < len; i++) {
        if (s[i] == '\\') { run++; continue; }
        if (run % 2 && s[i] == 'u') {
            if (len - i < 5) return 1;
            for (int k = 1; k <= 4; k++)
                if (!strchr("0123456789abcdefABCDEF", s[i + k]) || !s[i + k]) return 1;
        }
        run = 0;
    }
    return 0;
}

/* texts.json as cJSON parses it after tc_json_fix_escapes: the count of
 * strings when the input is one array of strings with only blanks after
 * it and no bad \u escape, else -1 (*out then NULL). */
static long cjson_strings(const uint8_t *data, size_t size, char ***out) {
    *out = NULL;
    char *buf = fuzz_cstr(data, size);
    int bad = bad_u_escape(buf, size); /* before the fix, whose dropped \u0000 can join one up */
    size_t a = 0, b = 0, len = tc_json_fix_escapes(buf, size, &a, &b);
    const char *end = NULL;
    cJSON *root = bad ? NULL : cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    long n = root && cJSON_IsArray(root) ? cJSON_GetArraySize(root) : -1;
    for (const char *p = end; n >= 0 && p && p < buf + len; p++)
        if ((unsigned char)*p > ' ') n = -1;
    if (n >= 0) *out = calloc((size_t)n + 1, sizeof **out);
    long i = 0;
    for (cJSON *it = n >= 0 ? root->child : NULL; it; it = it->next, i++) {
        if (!cJSON_IsString(it)) { n = -1; break; }
        (*out)[i] = strdup(it->valuestring);
    }
    if (n < 0 && *out) {
        for (long k = 0; k < i; k++) free((*out)[k]);
        free(*out), *out = NULL;
    }
    cJSON_Delete(root);
    free(buf);
    return n;
}

static const char summaries[] = "{\"0\": \"alpha, beta, gamma\", \"1\": \"Cooking. Educational "
                                "score: 7\", \"-1\": \"noise\", \"5\": \"Topic. Educational score: x\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    if (size < 1) return 0;
    int which = data[0] & 3;
    const char *path = fuzz_memfile(0, data + 1, size - 1);
    if (which == 0) {
        char **s;
        size_t n;
        char **ref;
        long want = cjson_strings(data + 1, size - 1, &ref);
        int rc = tc_json_load_strings(path, &s, &n);
        /* the one-pass reader takes what cJSON takes, and reads it alike */
        if ((rc == 0) != (want >= 0) || (rc == 0 && (size_t)want != n)) abort();
        for (long i = 0; rc == 0 && i < want; i++)
            if (strcmp(s[i], ref[i]) != 0) abort();
        for (long i = 0; i < want; i++) free(ref[i]);
        free(ref);
        if (rc == 0) {
            for (size_t i = 0; i < n; i++)
                if (!s[i]) abort();
            tc_strings_free(s, n);
            /* the pre-parse count is exact on what parses: n passes, n - 1 not */
            size_t m;
            if (tc_json_load_strings_max(path, n, &s, &m) != 0 || m != n) abort();
            tc_strings_free(s, m);
            if (n && (tc_json_load_strings_max(path, n - 1, &s, &m) != TC_EMISMATCH || m != n)) abort();
        }
        return 0;
    }
    tc_params p = tc_default_params();
    tc_classifier *c;
    if (tc_classifier_new(&p, &c) != 0) abort();
    if (which == 1 || which == 3) load_summaries(c, path);
    else load_summaries(c, fuzz_memfile(1, summaries, sizeof summaries - 1));
    if (which >= 2) load_meta(c, path);
    for (size_t i = 0; i < c->n_names; i++) {
        const tc_cluster_label *l = &c->names[i];
        if (i && c->names[i - 1].label > l->label) abort();  /* ascending, as promised */
        if (l->score != -1 && (l->score < 1 || l->score > 10)) abort();  /* 1..10 or -1 */
        if (l->summary) (void)strlen(l->summary);
    }
    tc_classifier_free(c);
    return 0;
}
