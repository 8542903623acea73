/* tfidf_file.c - tfidf.bin, what a fitted tfidf encoder learned, in a save
 * folder. Little-endian, no padding:
 *   0   8  magic "TCTFIDF" 0x01
 *   8   4  u32 V, terms
 *   12  4  u32 k, SVD components
 *   16  4  f32 weight of the TF-IDF half in a hybrid (1 for tfidf alone)
 *   20  4  u32 0 (reserved)
 *   24  8  u64 B, bytes of the terms
 *   32  B  the V terms, each NUL-terminated, strictly ascending byte order
 *   .. 4V  f32 idf, one per term
 *   .. 4Vk f32 basis (V, k) row-major: term j's coordinates
 * The reader takes nothing on trust: every size is checked against the
 * length before anything is allocated, and every number must be finite. */
#include "embed/tfidf.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HEAD 32
#define MAX_DIM 65536
static const char MAGIC[8] = {'T', 'C', 'T', 'F', 'I', 'D', 'F', 1};

int tc_tfidf_model_write(const tc_tfidf_model *m, void **buf, size_t *len) {
    size_t v = m->n_terms, k = m->dim, b = 0;
    for (size_t j = 0; j < v; j++) b += strlen(m->term_bytes + m->term_off[j]) + 1;
    size_t n = HEAD + b + 4 * v + 4 * v * k;
    unsigned char *p = malloc(n);
    if (!p) return tc_error(TC_ENOMEM, "out of memory writing tfidf.bin");
    uint32_t u[4] = {(uint32_t)v, (uint32_t)k, 0, 0};
    uint64_t b64 = b;
    memcpy(p, MAGIC, 8);
    memcpy(p + 8, &u[0], 4);
    memcpy(p + 12, &u[1], 4);
    memcpy(p + 16, &m->weight, 4);
    memcpy(p + 20, &u[2], 4);
    memcpy(p + 24, &b64, 8);
    memcpy(p + HEAD, m->term_bytes, b);  /* the terms lie back to back, as fit laid them */
    memcpy(p + HEAD + b, m->idf, 4 * v);
    memcpy(p + HEAD + b + 4 * v, m->basis, 4 * v * k);
    *buf = p, *len = n;
    return 0;
}

static int all_finite(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float x;
        memcpy(&x, p + 4 * i, 4);
        if (!isfinite(x)) return 0;
    }
    return 1;
}

int tc_tfidf_model_read(const void *buf, size_t len, const char *what, tc_tfidf_model *m) {
    const unsigned char *p = buf;
    memset(m, 0, sizeof *m);
    if (len < HEAD || memcmp(p, MAGIC, 8) != 0)
        return tc_error(TC_EFORMAT, "%s: not a textclust tfidf file (magic)", what);
    uint32_t v, k, reserved;
    uint64_t b;
    float w;
    memcpy(&v, p + 8, 4);
    memcpy(&k, p + 12, 4);
    memcpy(&w, p + 16, 4);
    memcpy(&reserved, p + 20, 4);
    memcpy(&b, p + 24, 8);
    if (v == 0) return tc_error(TC_EFORMAT, "%s: terms: 0", what);
    if (k == 0 || k > MAX_DIM || k > v) return tc_error(TC_EFORMAT, "%s: dim: %u (1 to min(%d, terms %u))", what, k, MAX_DIM, v);
    if (!isfinite(w) || w < 0) return tc_error(TC_EFORMAT, "%s: weight: %g", what, (double)w);
    if (reserved) return tc_error(TC_EFORMAT, "%s: reserved field is %u, not 0", what, reserved);
    /* each term takes 2 bytes at least, each float 4: bound before multiplying */
    size_t rest = len - HEAD;
    if (b > rest || b >= UINT32_MAX || (uint64_t)v > b / 2)
        return tc_error(TC_EFORMAT, "%s: term bytes: %llu for %u terms in a file of %zu bytes", what,
                        (unsigned long long)b, v, len);
    size_t floats = (rest - (size_t)b) / 4;
    if ((rest - (size_t)b) % 4 || floats / ((size_t)k + 1) != v || floats % ((size_t)k + 1))
        return tc_error(TC_EFORMAT, "%s: %zu bytes, but %u terms of dim %u with %llu term bytes take %llu", what,
                        len, v, k, (unsigned long long)b,
                        (unsigned long long)(HEAD + b + 4ull * v * (k + 1ull)));
    const char *terms = (const char *)p + HEAD;
    if (b == 0 || terms[b - 1] != 0) return tc_error(TC_EFORMAT, "%s: terms: not NUL-terminated", what);
    m->term_bytes = malloc((size_t)b);
    m->term_off = malloc((size_t)v * sizeof *m->term_off);
    m->idf = malloc((size_t)v * sizeof *m->idf);
    m->basis = malloc((size_t)v * k * sizeof *m->basis);
    int rc = m->term_bytes && m->term_off && m->idf && m->basis ? 0 : tc_error(TC_ENOMEM, "%s: out of memory", what);
    size_t off = 0;
    for (uint32_t j = 0; !rc && j < v; j++) {
        if (off >= b) { rc = tc_error(TC_EFORMAT, "%s: terms: %u found, header says %u", what, j, v); break; }
        size_t n = strlen(terms + off);
        if (n == 0) rc = tc_error(TC_EFORMAT, "%s: term %u: empty", what, j);
        else if (j && strcmp(terms + m->term_off[j - 1], terms + off) >= 0)
            rc = tc_error(TC_EFORMAT, "%s: term %u: not after term %u in byte order (sorted, unique)", what, j, j - 1);
        m->term_off[j] = (uint32_t)off;
        off += n + 1;
    }
    if (!rc && off != b) rc = tc_error(TC_EFORMAT, "%s: terms: bytes left after %u terms", what, v);
    const unsigned char *f = p + HEAD + b;
    if (!rc && !all_finite(f, (size_t)v * (k + 1))) rc = tc_error(TC_EFORMAT, "%s: idf or basis: a value is not finite", what);
    if (!rc) {
        memcpy(m->term_bytes, terms, (size_t)b);
        memcpy(m->idf, f, 4 * (size_t)v);
        memcpy(m->basis, f + 4 * (size_t)v, 4 * (size_t)v * k);
        for (uint32_t j = 0; !rc && j < v; j++)
            if (m->idf[j] < 1) rc = tc_error(TC_EFORMAT, "%s: idf of term %u: %g (smoothed idf is at least 1)",
                                             what, j, (double)m->idf[j]);
    }
    if (!rc) {
        m->n_terms = v, m->dim = k, m->weight = w;
        rc = tc_tfidf_model_index(m);
    }
    if (rc) tc_tfidf_model_free(m);
    return rc;
}
