/* llm.c - LLM cluster names: prompts, cache, requests, parsing. */
#include "label/label.h"

int tc_llm_label(const char *const *texts, const tc_label_groups *g, const tc_label_params *p,
                 tc_cluster_label *out) {
    (void)texts; (void)g; (void)p; (void)out;
    return tc_error(TC_EUNSUPPORTED, "label: LLM endpoints are not built in yet");
}
