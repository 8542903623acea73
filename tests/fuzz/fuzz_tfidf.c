/* fuzz_tfidf.c - the reader of tfidf.bin (src/embed/tfidf_file.c), what a
 * save folder gives the tfidf encoder: a file it accepts must write back to
 * the same bytes and embed a text (every term looked up, the basis read to
 * its last row) without a fault. */
#include "fuzz.h"
#include "embed/tfidf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    tc_tfidf_model m;
    if (tc_tfidf_model_read(data, size, "tfidf.bin", &m) != 0) return 0;
    void *back;
    size_t len;
    if (tc_tfidf_model_write(&m, &back, &len) == 0) {
        if (len != size || memcmp(back, data, size) != 0) abort();
        free(back);
    }
    /* the last term and some text through the lookup and the projection */
    const char *texts[2] = {m.term_bytes + m.term_off[m.n_terms - 1], "word pair words Straße"};
    tc_tfidf_rows x;
    if (tc_tfidf_transform(&m, texts, 2, 1, NULL, &x) == 0) {
        float *out = malloc(2 * (size_t)m.dim * sizeof *out);
        if (out) tc_tfidf_project(&x, m.basis, (int)m.dim, 1, out);
        free(out);
        tc_tfidf_rows_free(&x);
    }
    tc_tfidf_model_free(&m);
    return 0;
}
