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
        if (tc_json_load_strings(path, &s, &n) == 0) {
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
