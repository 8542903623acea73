/* fuzz_llm_http.c - what becomes of an HTTP body from an LLM endpoint
 * (src/label/llm_http.c, llm.c, secret.c): the header and body callbacks
 * as curl calls them (bytes not NUL-terminated, in pieces), the answer
 * taken out of the API's JSON (OpenAI chat or HF generate), checked and
 * put into a cluster's label, and the masking and excerpt that error
 * messages get. The first byte picks the API (bit 0) and the topic mode
 * (bit 1); the rest is the body, which also serves as a URL to redact.
 *
 * The two files are included, not linked, to reach their static
 * functions; the steps after a 200 follow finish() in llm_http.c. */
#include "fuzz.h"
#include "label/llm_http.c"
#include "label/llm.c"

static const char *const secrets[] = {"sk-fuzz-secret-0123", "hunter22-pass", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    if (size < 1) return 0;
    tc_label_params p = tc_label_default_params();
    p.api = data[0] & 1 ? TC_LLM_OPENAI : TC_LLM_HF;
    p.topic_mode = data[0] & 2 ? TC_TOPIC_SINGLE : TC_TOPIC_MULTIPLE;
    size_t n = size - 1;
    char *raw = malloc(n ? n : 1);
    if (!raw) abort();
    memcpy(raw, data + 1, n);

    xfer x = {.retry_after = -1};
    on_header(raw, 1, n, &x);
    if (!(x.retry_after == -1 || (x.retry_after >= 0 && isfinite(x.retry_after)))) abort();
    for (size_t off = 0; off < n; off += 7) on_body(raw + off, 1, n - off < 7 ? n - off : 7, &x);
    if (x.body.len != n || (n && memcmp(x.body.s, raw, n))) abort();
    tc_sb_free(&x.body);

    /* the answer, as finish() takes it from a 200 */
    const char *prompt = "[INST] Name the topic of: {examples} [/INST]";
    char *t = NULL;
    int shape = p.api == TC_LLM_HF ? tc_llm_answer_hf(raw, n, prompt, &t)
                                   : tc_llm_answer_openai(raw, n, &t);
    if ((shape == 0) != (t != NULL)) abort();
    if (t) {
        (p.topic_mode == TC_TOPIC_SINGLE ? check_single : check_multiple)(NULL, t);
        tc_cluster_label l = {.label = 3, .score = -1};
        l.summary = strdup("alpha, beta, gamma");
        l.keywords = strdup("alpha, beta, gamma, delta");
        apply(&p, &l, t);
        /* a name is capped; single_topic adds ". Educational score: N" to the topic */
        if (l.topic && strlen(l.topic) > TC_SUMMARY_MAX) abort();
        if (l.summary && strlen(l.summary) > TC_SUMMARY_MAX + (l.topic ? 32 : 0)) abort();
        free(l.summary), free(l.topic), free(l.keywords), free(t);
    }

    /* what error messages show of a reply */
    run_ctx r = {.p = &p, .secrets = secrets};
    char ex[160], red[256];
    excerpt(raw, n, &r, ex, sizeof ex);
    if (strlen(ex) >= sizeof ex) abort();
    char *body = fuzz_cstr(data + 1, n);
    tc_redact(red, sizeof red, body, secrets);
    if (strstr(red, secrets[0])) abort();
    char *m = tc_secret_mask(body, strlen(body), secrets);
    if (m && (strstr(m, secrets[0]) || strstr(m, secrets[1]))) abort();
    free(m);
    free(tc_url_redact(body));
    free(tc_label_clean(body));
    free(body);
    free(raw);
    return 0;
}
