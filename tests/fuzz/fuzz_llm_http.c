/* fuzz_llm_http.c - what becomes of an HTTP 200 body from an LLM endpoint
 * (src/label/llm_http.c, llm.c): the answer taken out of the API's JSON
 * (HF generate or OpenAI chat), checked, or the raw body cut to a summary,
 * then put into a cluster's label; plus the excerpt and the key removal
 * that error messages get. The first byte picks the API (bit 0) and the
 * topic mode (bit 1); the rest is the body.
 *
 * The two files are included, not linked, to reach their static
 * functions; the steps after a 200 follow finish() in llm_http.c. */
#include "fuzz.h"
#include "label/llm_http.c"
#include "label/llm.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    if (size < 1) return 0;
    tc_label_params p = tc_label_default_params();
    p.api = data[0] & 1 ? TC_LLM_OPENAI : TC_LLM_HF;
    p.topic_mode = data[0] & 2 ? TC_TOPIC_SINGLE : TC_TOPIC_MULTIPLE;
    char *body = fuzz_cstr(data + 1, size - 1);
    const char *prompt = "[INST] Name the topic of: {examples} [/INST]";

    char *t = answer_text(&p, body, prompt);
    if (t) (p.topic_mode == TC_TOPIC_SINGLE ? check_single : check_multiple)(NULL, t);
    char *answer = t;
    if (!t) {
        size_t n = tc_utf8_cut(body, strlen(body), TC_SUMMARY_MAX);
        if (!(answer = malloc(n + 1))) abort();
        memcpy(answer, body, n);
        answer[n] = 0;
    }
    char *clean = scrub(answer, "sk-fuzz-secret-0123");
    tc_cluster_label l = {.label = 3, .score = -1};
    l.summary = strdup("alpha, beta, gamma");
    l.keywords = strdup("alpha, beta, gamma, delta");
    if (clean) apply(&p, &l, clean, !t);
    free(clean);
    free(answer);
    free(l.summary);
    free(l.topic);
    free(l.keywords);

    char ex[160], red[256];
    excerpt(body, ex, sizeof ex);
    if (strlen(ex) >= sizeof ex) abort();
    tc_redact(red, sizeof red, body, "sk-fuzz-secret-0123");
    free(body);
    return 0;
}
