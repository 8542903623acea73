/* sbert.c - sentence-transformers BERT models behind tc_encoder: WordPiece ids
 * (wordpiece.c) into the BERT forward pass (bert.c), in chunks of texts so
 * that memory stays bounded whatever n is. Rows come out of unit length, as
 * tc_encoder promises and the reference asks for (encode with
 * normalize_embeddings=True): a model without a Normalize module is
 * normalised here as torch's F.normalize does (|v| floored at 1e-12). */
#include "embed/bert.h"
#include "embed/encoder.h"
#include "embed/wordpiece.h"
#include "util/util.h"

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <utf8proc.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_TEXTS 4096   /* texts tokenised, then embedded, at a time */
#define LOWER_START 4096   /* bytes of a text lower-cased at first (do_lower_case) */

typedef struct sbert_impl {
    tc_wordpiece *wp;
    tc_bert *bert;
    int max_len;
} sbert_impl;

static int sbert_embed(tc_encoder *e, const char *const *texts, size_t n, float *out);
static void sbert_free(tc_encoder *e);
static const tc_encoder_vt sbert_vt = {sbert_embed, sbert_free};

int tc_sbert_open(const char *dir, const char *id, tc_encoder *e) {
    sbert_impl *s = calloc(1, sizeof *s);
    if (!s) return tc_error(TC_ENOMEM, "out of memory opening %s", id);
    int rc = tc_bert_load(dir, &s->bert);
    if (!rc) rc = tc_wordpiece_open(dir, &s->wp);
    if (!rc && tc_wordpiece_vocab_size(s->wp) > tc_bert_vocab_size(s->bert))
        rc = tc_error(TC_EFORMAT, "%s: the tokenizer has %d ids but the model only %d embeddings "
                      "(vocab_size in config.json)", dir, tc_wordpiece_vocab_size(s->wp),
                      tc_bert_vocab_size(s->bert));
    if (!rc) {
        if (e->p.max_length > 0 && (rc = tc_bert_set_max_len(s->bert, e->p.max_length)))
            rc = tc_error(rc, "--embed_max_length %d: %s takes 2 to %d tokens", e->p.max_length, id,
                          tc_bert_max_positions(s->bert));
        s->max_len = tc_bert_max_len(s->bert);
    }
    if (rc) {
        tc_wordpiece_free(s->wp);
        tc_bert_free(s->bert);
        free(s);
        return rc;
    }
    e->vt = &sbert_vt;
    e->impl = s;
    e->dim = tc_bert_dim(s->bert);
    snprintf(e->name, sizeof e->name, "%s", id);
    return 0;
}

static void sbert_free(tc_encoder *e) {
    sbert_impl *s = e->impl;
    if (!s) return;
    tc_wordpiece_free(s->wp);
    tc_bert_free(s->bert);
    free(s);
}

/* ------------------------------------------------------- do_lower_case */

/* Python's str.lower, which sentence-transformers applies when
 * sentence_bert_config.json says do_lower_case: the simple lower-case
 * mapping, U+0130 as "i" + U+0307 (its one unconditional special case), and
 * capital sigma as final sigma at the end of a word (after a cased letter,
 * not before one, case-ignorable marks skipped both ways). */
static int is_case_ignorable(utf8proc_int32_t c) {
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_SK: return 1;
    default: return c == '\'' || c == '.' || c == ':' || c == '^' || c == '`' || c == 0xB7 ||
                    c == 0x2018 || c == 0x2019 || c == 0x2024 || c == 0x2027;
    }
}

static int is_cased(utf8proc_int32_t c) {
    return utf8proc_tolower(c) != c || utf8proc_toupper(c) != c ||
           utf8proc_category(c) == UTF8PROC_CATEGORY_LT;
}

/* Code point before s + i (skipping case-ignorables) is cased / after. */
static int cased_before(const uint8_t *s, size_t i) {
    while (i > 0) {
        size_t j = i - 1;
        while (j > 0 && (s[j] & 0xC0) == 0x80) j--;
        utf8proc_int32_t c;
        if (utf8proc_iterate(s + j, (utf8proc_ssize_t)(i - j), &c) < 0) return 0;
        if (!is_case_ignorable(c)) return is_cased(c);
        i = j;
    }
    return 0;
}

static int cased_after(const uint8_t *s, size_t i, size_t n) {
    while (i < n) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &c);
        if (k <= 0) return 0;
        if (!is_case_ignorable(c)) return is_cased(c);
        i += (size_t)k;
    }
    return 0;
}

/* Lower-cases s[0..n) into out (cap >= 3 n / 2 + 4: no lower-case form is
 * more than 1.5 times longer in UTF-8); invalid bytes are copied as they
 * are (the tokenizer reads them as U+FFFD). Returns the bytes written. */
static size_t py_lower(const char *str, size_t n, char *out) {
    const uint8_t *s = (const uint8_t *)str;
    uint8_t *o = (uint8_t *)out;
    size_t i = 0, w = 0;
    while (i < n) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &c);
        if (k <= 0) { o[w++] = s[i++]; continue; }
        if (c == 0x130) {
            w += (size_t)utf8proc_encode_char('i', o + w);
            w += (size_t)utf8proc_encode_char(0x307, o + w);
        } else if (c == 0x3A3) {
            const int final = cased_before(s, i) && !cased_after(s, i + (size_t)k, n);
            w += (size_t)utf8proc_encode_char(final ? 0x3C2 : 0x3C3, o + w);
        } else {
            w += (size_t)utf8proc_encode_char(utf8proc_tolower(c), o + w);
        }
        i += (size_t)k;
    }
    return w;
}

/* Tokenises text lower-cased, reading no more of it than needed: a prefix
 * ending at a space is lowered and tokenised; when its ids do not fill
 * max_len and there is more text, a prefix twice as long is tried. A word
 * is never cut, so a full prefix gives the ids of the whole text. buf
 * (*cap bytes) grows as needed. */
static int encode_lower(const tc_wordpiece *wp, const char *t, size_t n, int max_len, int32_t *ids,
                        char **buf, size_t *cap) {
    for (size_t want = LOWER_START;; want *= 2) {
        size_t len = want < n ? want : n;
        while (len < n && t[len] != ' ') len++;
        if (3 * len / 2 + 4 > *cap) {
            size_t c = 3 * len / 2 + 4;
            char *b = realloc(*buf, c);
            if (!b) return TC_ENOMEM;
            *buf = b, *cap = c;
        }
        const size_t m = py_lower(t, len, *buf);
        int k = tc_wordpiece_encode(wp, *buf, m, max_len, ids);
        if (k < 0 || k >= max_len || len == n) return k;
    }
}

static void normalize_rows(float *v, size_t n, int dim) {
    for (size_t i = 0; i < n; i++, v += dim) {
        double ss = 0;
        for (int j = 0; j < dim; j++) ss += (double)v[j] * v[j];
        const float inv = (float)(1.0 / fmax(sqrt(ss), 1e-12));
        for (int j = 0; j < dim; j++) v[j] *= inv;
    }
}

static int sbert_embed(tc_encoder *e, const char *const *texts, size_t n, float *out) {
    const sbert_impl *s = e->impl;
    const int threads = e->p.n_threads, max_len = s->max_len, dim = e->dim;
    const size_t chunk = n < CHUNK_TEXTS ? n : CHUNK_TEXTS;
    int32_t *ids = malloc(chunk * (size_t)max_len * sizeof *ids);
    const int32_t **rows = malloc(chunk * sizeof *rows);
    int *len = malloc(chunk * sizeof *len);
    tc_meter meter;
    int rc = tc_meter_start(&meter, e->p.progress, e->p.progress_ctx, "embed", n);
    if (!rc && (!ids || !rows || !len))
        rc = tc_error(TC_ENOMEM, "%s: out of memory for %zu texts' token ids", e->name, chunk);
    for (size_t c0 = 0; !rc && c0 < n; c0 += chunk) {
        const int cn = (int)(n - c0 < chunk ? n - c0 : chunk);
        int tok_rc = 0, bad = 0;
        const int lower = tc_bert_lowercases(s->bert);
#pragma omp parallel num_threads(threads)
        {
            char *buf = NULL;   /* this thread's lower-cased prefix */
            size_t cap = 0;
#pragma omp for schedule(dynamic, 16)
            for (int i = 0; i < cn; i++) {
                const char *t = texts[c0 + (size_t)i];
                int32_t *row = ids + (size_t)i * max_len;
                int k = lower ? encode_lower(s->wp, t, strlen(t), max_len, row, &buf, &cap)
                              : tc_wordpiece_encode(s->wp, t, strlen(t), max_len, row);
                if (k < 0) {
#pragma omp critical
                    if (!tok_rc) tok_rc = k, bad = i;
                    k = 0;
                }
                rows[i] = row;
                len[i] = k;
            }
            free(buf);
        }
        if (tok_rc) {   /* the worker's message stays on its thread */
            rc = tc_error(tok_rc, "%s: tokenizing text %zu failed (%s)", e->name, c0 + (size_t)bad,
                          tc_strerror(tok_rc));
            break;
        }
        float *v = out + c0 * (size_t)dim;
        rc = tc_bert_embed_ids_metered(s->bert, rows, len, (size_t)cn, threads, &meter, v);
        if (!rc && !tc_bert_normalizes(s->bert)) normalize_rows(v, (size_t)cn, dim);
        if (!rc) rc = tc_meter_report(&meter, c0 + (size_t)cn); /* empty texts counted too */
    }
    free(ids); free(rows); free(len);
    return rc;
}
