/* fuzz_llm_http.c - what becomes of an HTTP 200 body from an LLM endpoint
 * (src/label/llm_http.c, llm.c): the answer taken out of the API's JSON
 * (HF generate or OpenAI chat), checked, or the raw body cut to a summary,
 * then put into a cluster's label; plus the excerpt and the key removal
 * that error messages get. The first byte picks the API (bit 0) and the
 * topic mode (bit 1); the rest is the body. The same bytes also go, not
 * NUL-terminated as curl passes them, to the header callback (Retry-After)
 * and the body callback.
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
    char *raw = malloc(size - 1 ? size - 1 : 1);
    if (!raw) abort();
    memcpy(raw, data + 1, size - 1);
    xfer x = {.retry_after = -1};
    on_header(raw, 1, size - 1, &x);
    if (!(x.retry_after == -1 || x.retry_after >= 0)) abort();  /* never NaN or negative */
    for (size_t off = 0; off < size - 1; off += 7) on_body(raw + off, 1, size - 1 - off < 7 ? size - 1 - off : 7, &x);
    if (x.body.len != size - 1 || (size > 1 && memcmp(x.body.s, raw, size - 1))) abort();
    tc_sb_free(&x.body);
    free(raw);

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
