/* fuzz_llm_answer.c - the LLM answer parsers (src/label/parse.c): the
 * multiple_topics and single_topic readings and the raw fallback, each on
 * the same answer, as a C string and as the bytes the server sent. What they return is checked against their contracts. */
#include "fuzz.h"
#include "label/label.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    char *a = fuzz_cstr(data, size);
    char *s = tc_parse_multiple(a);
    if (s && (!*s || strlen(s) > TC_SUMMARY_MAX)) abort();
    free(s);
    char *topic = NULL;
    int score = 0;
    int rc = tc_parse_single(a, &topic, &score);
    if (rc == 0 && (!topic || !*topic || strlen(topic) > TC_SUMMARY_MAX ||
                    !(score == -1 || (score >= 1 && score <= 10))))
        abort();
    if (rc != 0 && topic) abort();
    free(topic);
    s = tc_parse_raw(a);
    if (s && strlen(s) > TC_SUMMARY_MAX) abort();
    free(s);
    free(a);
    /* the byte-level entry points take the answer as sent, NULs included */
    if (tc_parse_answer_multiple((const char *)data, size, &s) == 0) free(s);
    topic = NULL;
    if (tc_parse_answer_single((const char *)data, size, &topic, &score) == 0) free(topic);
    return 0;
}
