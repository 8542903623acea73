/* tfidf_vocab.c - the TF-IDF encoder's words: tokenising, counting document
 * frequencies under a memory cap, choosing the vocabulary, and the sparse
 * TF-IDF rows. The weights follow scikit-learn's TfidfVectorizer with
 * sublinear_tf=True, smooth_idf=True, norm="l2", ngram_range=(1, 2), so that
 * a user can check them against it: tf = 1 + ln(count), idf = ln((1 + n) /
 * (1 + df)) + 1, rows L2-normalised, the vocabulary in byte (code point)
 * order. Where the two differ: the vocabulary cap keeps the terms of
 * highest document frequency (scikit-learn's max_features: corpus count),
 * words over 100 bytes are dropped, and past count_cap distinct terms the
 * rarest so far are pruned while counting (exact below it). */
#include "embed/tfidf.h"
#include "label/label.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define LONG_WORD 100   /* bytes: longer "words" (hashes, URLs, base64) are dropped */

tc_tfidf_opts tc_tfidf_default_opts(void) {
    tc_tfidf_opts o = {TC_TFIDF_MIN_DF, TC_TFIDF_MAX_DF, TC_TFIDF_MAX_TERMS, TC_TFIDF_COUNT_CAP};
    return o;
}

static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    h ^= h >> 31;
    h *= 0x7fb5d329728ea185ULL;
    return h ^ (h >> 27);
}

/* ---------------------------------------------------------------- tokens */

static int is_word_char(utf8proc_int32_t c) {
    if (c == '_') return 1;
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO: return 1;
    default: return 0;
    }
}

/* NFKC + case fold; a text that is not valid UTF-8 is mapped with its bad
 * bytes read as spaces, so that one broken line costs words, not the run. */
static utf8proc_uint8_t *normalise(const char *text) {
    const int opt = UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD;
    utf8proc_uint8_t *out = NULL;
    if (utf8proc_map((const utf8proc_uint8_t *)text, 0, &out, opt) >= 0) return out;
    size_t n = strlen(text);
    char *clean = malloc(n + 1);
    if (!clean) return NULL;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text;
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &c);
        if (k <= 0) { clean[i++] = ' '; continue; }
        memcpy(clean + i, p + i, (size_t)k);
        i += (size_t)k;
    }
    clean[n] = 0;
    out = NULL;
    if (utf8proc_map((const utf8proc_uint8_t *)clean, 0, &out, opt) < 0) out = NULL;
    free(clean);
    return out;
}

int tc_tfidf_terms(const char *text, tc_tfidf_term_fn fn, void *ctx) {
    utf8proc_uint8_t *s = normalise(text);
    if (!s) return tc_error(TC_ENOMEM, "out of memory tokenising a text");
    char pair[2 * LONG_WORD + 2];
    size_t prev_n = 0;
    size_t i = 0, len = strlen((const char *)s);
    while (i < len) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &c);
        if (k <= 0) { i++; continue; }
        if (!is_word_char(c)) { i += (size_t)k; continue; }
        size_t start = i, chars = 0;
        while (i < len) {
            k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &c);
            if (k <= 0 || !is_word_char(c)) break;
            i += (size_t)k, chars++;
        }
        size_t n = i - start;
        const char *w = (const char *)s + start;
        if (chars < 2 || n > LONG_WORD || tc_stopword(w, n)) continue;
        fn(ctx, w, n);
        /* pairs of adjacent kept words, stop words skipped, as scikit-learn
         * forms n-grams after removing them */
        if (prev_n) {
            pair[prev_n] = ' ';
            memcpy(pair + prev_n + 1, w, n);
            fn(ctx, pair, prev_n + 1 + n);
        }
        memcpy(pair, w, n);
        prev_n = n;
    }
    free(s);
    return 0;
}

/* ---------------------------------------------------------------- counting */

typedef struct count_entry {
    uint64_t hash;
    uint32_t off, len;     /* in the arena */
    uint32_t df;
    uint32_t last_doc;     /* doc index + 1 that last counted it */
} count_entry;

typedef struct counter {
    count_entry *e;        /* (cap) open addressing; len 0 = empty */
    size_t cap, used;
    char *arena;
    size_t arena_len, arena_cap;
    uint32_t doc;          /* current doc index + 1 */
    int oom;
} counter;

static int counter_init(counter *t, size_t cap) {
    t->e = calloc(cap, sizeof *t->e);
    t->cap = cap;
    t->arena_cap = 1 << 20;
    t->arena = malloc(t->arena_cap);
    return t->e && t->arena ? 0 : -1;
}

static void counter_free(counter *t) {
    free(t->e);
    free(t->arena);
}

static count_entry *counter_find(counter *t, const char *w, size_t n, uint64_t h) {
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        count_entry *e = &t->e[i];
        if (!e->len || (e->hash == h && e->len == n && memcmp(t->arena + e->off, w, n) == 0)) return e;
    }
}

static void counter_add(void *ctx, const char *w, size_t n) {
    counter *t = ctx;
    uint64_t h = hash_bytes(w, n);
    count_entry *e = counter_find(t, w, n, h);
    if (e->len) {
        if (e->last_doc != t->doc) e->df++, e->last_doc = t->doc;
        return;
    }
    if (t->arena_len + n > t->arena_cap) {
        size_t cap = t->arena_cap * 2 + n;
        char *a = realloc(t->arena, cap);
        if (!a) { t->oom = 1; return; }
        t->arena = a, t->arena_cap = cap;
    }
    memcpy(t->arena + t->arena_len, w, n);
    e->hash = h, e->off = (uint32_t)t->arena_len, e->len = (uint32_t)n, e->df = 1, e->last_doc = t->doc;
    t->arena_len += n;
    t->used++;
}

/* Keeps the entries with df >= keep_df, in a fresh table and arena. */
static int counter_prune(counter *t, uint32_t keep_df) {
    counter u = {0};
    if (counter_init(&u, t->cap)) { counter_free(&u); return -1; }
    u.doc = t->doc;
    for (size_t i = 0; i < t->cap; i++) {
        count_entry *e = &t->e[i];
        if (!e->len || e->df < keep_df) continue;
        counter_add(&u, t->arena + e->off, e->len);
        count_entry *f = counter_find(&u, t->arena + e->off, e->len, e->hash);
        f->df = e->df, f->last_doc = e->last_doc;
    }
    if (u.oom) { counter_free(&u); return -1; }
    counter_free(t);
    *t = u;
    return 0;
}

/* Past the cap, the smallest df threshold that halves the table: terms
 * still rare after many texts rarely reach min_df, and those that do come
 * back with a lower count. */
static int counter_shrink(counter *t, size_t target) {
    for (uint32_t keep = 2;; keep++) {
        size_t left = 0;
        for (size_t i = 0; i < t->cap; i++) left += t->e[i].len && t->e[i].df >= keep;
        if (left <= target) return counter_prune(t, keep);
    }
}

/* ---------------------------------------------------------------- vocabulary */

typedef struct pick { const char *s; uint32_t len, df; } pick;

static int cmp_df_desc(const void *a, const void *b) {
    const pick *x = a, *y = b;
    if (x->df != y->df) return x->df > y->df ? -1 : 1;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int cmp_bytes(const void *a, const void *b) {
    const pick *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static size_t select_terms(const counter *t, pick *p, size_t n_docs, int min_df, double max_df) {
    double max_count = max_df * (double)n_docs;
    size_t m = 0;
    for (size_t i = 0; i < t->cap; i++) {
        const count_entry *e = &t->e[i];
        if (e->len && e->df >= (uint32_t)min_df && e->df <= max_count)
            p[m++] = (pick){t->arena + e->off, e->len, e->df};
    }
    return m;
}

int tc_tfidf_vocab_fit(const char *const *texts, size_t n, const tc_tfidf_opts *o, int n_threads,
                       tc_meter *meter, tc_tfidf_model *m) {
    (void)n_threads;  /* counting is serial: a pruned count must not depend on thread timing */
    if (n >= UINT32_MAX) return tc_error(TC_EINVAL, "tfidf: more than %u texts", UINT32_MAX - 1);
    size_t cap_terms = o->count_cap < 1024 ? 1024 : o->count_cap;
    size_t slots = 1;
    while (slots < 2 * cap_terms) slots <<= 1;
    counter t = {0};
    if (counter_init(&t, slots)) { counter_free(&t); return tc_error(TC_ENOMEM, "out of memory counting terms"); }
    int rc = 0;
    for (size_t d = 0; d < n && !rc; d++) {
        if (d % 1024 == 0 && (rc = tc_meter_tick(meter))) break;
        t.doc = (uint32_t)d + 1;
        rc = tc_tfidf_terms(texts[d], counter_add, &t);
        if (!rc && t.oom) rc = tc_error(TC_ENOMEM, "out of memory counting terms");
        if (!rc && t.used > cap_terms && counter_shrink(&t, cap_terms / 2))
            rc = tc_error(TC_ENOMEM, "out of memory counting terms");
    }
    pick *p = rc ? NULL : malloc((t.used ? t.used : 1) * sizeof *p);
    if (!rc && !p) rc = tc_error(TC_ENOMEM, "out of memory choosing the vocabulary");
    size_t v = 0;
    if (!rc) {
        v = select_terms(&t, p, n, o->min_df, o->max_df);
        /* a handful of texts shares too few words for min_df / max_df */
        if (v == 0) v = select_terms(&t, p, n, 1, 1.0);
        if (v == 0)
            rc = tc_error(TC_EINVAL, "tfidf: the texts hold no word of two letters or more that is not a "
                          "stop word");
    }
    if (!rc && v > o->max_terms) {
        qsort(p, v, sizeof *p, cmp_df_desc);
        v = o->max_terms;
    }
    size_t bytes = 0;
    if (!rc) {
        qsort(p, v, sizeof *p, cmp_bytes);
        for (size_t j = 0; j < v; j++) bytes += p[j].len + 1;
        m->term_bytes = malloc(bytes);
        m->term_off = malloc(v * sizeof *m->term_off);
        m->idf = malloc(v * sizeof *m->idf);
        if (!m->term_bytes || !m->term_off || !m->idf) rc = tc_error(TC_ENOMEM, "out of memory for the vocabulary");
    }
    if (!rc) {
        size_t off = 0;
        for (size_t j = 0; j < v; j++) {
            memcpy(m->term_bytes + off, p[j].s, p[j].len);
            m->term_bytes[off + p[j].len] = 0;
            m->term_off[j] = (uint32_t)off;
            off += p[j].len + 1;
            m->idf[j] = (float)(log((1.0 + (double)n) / (1.0 + p[j].df)) + 1.0);
        }
        m->n_terms = (uint32_t)v;
        rc = tc_tfidf_model_index(m);
    }
    free(p);
    counter_free(&t);
    return rc;
}

/* ---------------------------------------------------------------- lookup */

int tc_tfidf_model_index(tc_tfidf_model *m) {
    size_t slots = 16;
    while (slots < 2 * (size_t)m->n_terms) slots <<= 1;
    free(m->slot);
    m->slot = calloc(slots, sizeof *m->slot);
    if (!m->slot) return tc_error(TC_ENOMEM, "out of memory indexing the vocabulary");
    m->n_slots = slots;
    for (uint32_t j = 0; j < m->n_terms; j++) {
        const char *s = m->term_bytes + m->term_off[j];
        for (size_t i = hash_bytes(s, strlen(s)) & (slots - 1);; i = (i + 1) & (slots - 1))
            if (!m->slot[i]) { m->slot[i] = (uint64_t)j + 1; break; }
    }
    return 0;
}

int64_t tc_tfidf_lookup(const tc_tfidf_model *m, const char *term, size_t len) {
    size_t mask = m->n_slots - 1;
    for (size_t i = hash_bytes(term, len) & mask;; i = (i + 1) & mask) {
        uint64_t s = m->slot[i];
        if (!s) return -1;
        const char *t = m->term_bytes + m->term_off[s - 1];
        if (strncmp(t, term, len) == 0 && t[len] == 0) return (int64_t)s - 1;
    }
}

void tc_tfidf_model_free(tc_tfidf_model *m) {
    if (!m) return;
    free(m->term_bytes);
    free(m->term_off);
    free(m->idf);
    free(m->basis);
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* ---------------------------------------------------------------- rows */

typedef struct row_buf {
    const tc_tfidf_model *m;
    uint32_t *ids;
    size_t n, cap;
    int oom;
} row_buf;

static void row_add(void *ctx, const char *w, size_t n) {
    row_buf *r = ctx;
    int64_t j = tc_tfidf_lookup(r->m, w, n);
    if (j < 0) return;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        uint32_t *ids = realloc(r->ids, cap * sizeof *ids);
        if (!ids) { r->oom = 1; return; }
        r->ids = ids, r->cap = cap;
    }
    r->ids[r->n++] = (uint32_t)j;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* One text's row, in place in r->ids (columns) and val: returns its nnz. */
static size_t row_weights(const tc_tfidf_model *m, row_buf *r, float *val) {
    if (r->n) qsort(r->ids, r->n, sizeof *r->ids, cmp_u32);  /* ids is NULL for a text of no known term */
    size_t k = 0;
    double ss = 0;
    for (size_t i = 0; i < r->n;) {
        size_t j = i;
        while (j < r->n && r->ids[j] == r->ids[i]) j++;
        double w = (1.0 + log((double)(j - i))) * m->idf[r->ids[i]];
        r->ids[k] = r->ids[i];
        val[k++] = (float)w;
        ss += w * w;
        i = j;
    }
    float inv = ss > 0 ? (float)(1.0 / sqrt(ss)) : 0;
    for (size_t i = 0; i < k; i++) val[i] *= inv;
    return k;
}

void tc_tfidf_rows_free(tc_tfidf_rows *x) {
    if (!x) return;
    free(x->row);
    free(x->col);
    free(x->val);
    memset(x, 0, sizeof *x);
}

/* Each thread fills its contiguous range of rows into its own arrays; they
 * are joined in order, so the matrix does not depend on the thread count. */
typedef struct part {
    uint32_t *col;
    float *val;
    size_t nnz, cap;
    int rc;
} part;

int tc_tfidf_transform(const tc_tfidf_model *m, const char *const *texts, size_t n, int n_threads,
                       tc_meter *meter, tc_tfidf_rows *out) {
    memset(out, 0, sizeof *out);
    out->n_rows = n, out->n_cols = m->n_terms;
    if (n_threads < 1) n_threads = 1;
    if ((size_t)n_threads > n) n_threads = n ? (int)n : 1;
    out->row = calloc(n + 1, sizeof *out->row);
    part *pt = calloc((size_t)n_threads, sizeof *pt);
    if (!out->row || !pt) { free(pt); tc_tfidf_rows_free(out); return tc_error(TC_ENOMEM, "out of memory"); }
#pragma omp parallel num_threads(n_threads)
    {
#ifdef _OPENMP
        int t = omp_get_thread_num();
#else
        int t = 0;
#endif
        part *q = &pt[t];
        size_t lo = n * (size_t)t / (size_t)n_threads, hi = n * (size_t)(t + 1) / (size_t)n_threads;
        row_buf r = {m, NULL, 0, 0, 0};
        float *val = NULL;
        size_t val_cap = 0;
        for (size_t i = lo; i < hi && !q->rc; i++) {
            if (tc_meter_poll(meter, i - lo)) { q->rc = TC_ECANCELED; break; }
            r.n = 0;
            if ((q->rc = tc_tfidf_terms(texts[i], row_add, &r))) break;
            if (r.oom) { q->rc = TC_ENOMEM; break; }
            if (r.n > val_cap) {
                float *v = realloc(val, r.n * sizeof *v);
                if (!v) { q->rc = TC_ENOMEM; break; }
                val = v, val_cap = r.n;
            }
            size_t k = row_weights(m, &r, val);
            if (q->nnz + k > q->cap) {
                size_t cap = 2 * q->cap + k + 1024;
                uint32_t *c = realloc(q->col, cap * sizeof *c);
                if (c) q->col = c;
                float *v = c ? realloc(q->val, cap * sizeof *v) : NULL;
                if (v) q->val = v;
                if (!c || !v) { q->rc = TC_ENOMEM; break; }
                q->cap = cap;
            }
            if (k) {
                memcpy(q->col + q->nnz, r.ids, k * sizeof *r.ids);
                memcpy(q->val + q->nnz, val, k * sizeof *val);
            }
            q->nnz += k;
            out->row[i + 1] = k;
        }
        free(r.ids);
        free(val);
    }
    int rc = tc_meter_tick(meter);  /* TC_ECANCELED, with its message, once stopped */
    size_t nnz = 0;
    for (int t = 0; t < n_threads; t++) {
        if (pt[t].rc && !rc) rc = pt[t].rc;
        nnz += pt[t].nnz;
    }
    if (!rc) {
        out->col = malloc((nnz ? nnz : 1) * sizeof *out->col);
        out->val = malloc((nnz ? nnz : 1) * sizeof *out->val);
        if (!out->col || !out->val) rc = TC_ENOMEM;
    }
    if (!rc) {
        size_t off = 0;
        for (int t = 0; t < n_threads; t++) {
            if (!pt[t].nnz) continue;
            memcpy(out->col + off, pt[t].col, pt[t].nnz * sizeof *out->col);
            memcpy(out->val + off, pt[t].val, pt[t].nnz * sizeof *out->val);
            off += pt[t].nnz;
        }
        for (size_t i = 0; i < n; i++) out->row[i + 1] += out->row[i];
    }
    for (int t = 0; t < n_threads; t++) free(pt[t].col), free(pt[t].val);
    free(pt);
    if (rc) {
        tc_tfidf_rows_free(out);
        return rc == TC_ENOMEM ? tc_error(TC_ENOMEM, "out of memory for the TF-IDF rows") : rc;
    }
    return 0;
}
