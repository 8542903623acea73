/* fuzz_tree.c - the topic tree of textclust.json as load reads it
 * (tc_topic_tree_parse in src/core/tree.c): any JSON, checked against a
 * folder of 64 texts. What parses must be a tree the printers can walk:
 * node 0 the root, parents before children, every child listed once,
 * representatives inside the folder. */
#include "fuzz.h"
#include "core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    tc_topic_node *t;
    size_t n;
    if (tc_topic_tree_parse_text((const char *)data, size, 64, &t, &n) != 0) return 0;
    size_t listed = 0;
    for (size_t u = 0; u < n; u++) {
        if ((u == 0) != (t[u].parent == -1) || t[u].parent >= (int64_t)u) abort();
        for (size_t c = 0; c < t[u].n_children; c++) {
            int64_t v = t[u].children[c];
            if (v <= (int64_t)u || v >= (int64_t)n || t[v].parent != (int64_t)u) abort();
            listed++;
        }
        for (size_t r = 0; r < t[u].n_repr; r++)
            if (t[u].repr[r] < 0 || t[u].repr[r] >= 64) abort();
    }
    if (n && listed != n - 1) abort();
    tc_topic_nodes_free(t, n);
    return 0;
}
