/* wordpiece.c - the BERT WordPiece tokenizer of Hugging Face's `tokenizers`
 * (0.23), read from its Rust source (normalizers/bert.rs,
 * pre_tokenizers/bert.rs, models/wordpiece, tokenizer/added_vocabulary.rs,
 * processors/template.rs) and checked against the library itself.
 *
 * The library normalises the whole text, splits it, then tokenises every
 * word and truncates. Each of its steps is local to a character, so here the
 * text streams through them one code point at a time and stops as soon as the
 * pieces that truncation keeps are known:
 *
 *   raw text -- added tokens with normalized=false are cut out first,
 *               leftmost-longest, on the raw bytes
 *   -> BertNormalizer: clean_text (drop control/format/private-use, NUL and
 *      U+FFFD; whitespace -> ' '), spaces around CJK ideographs, NFD + drop
 *      nonspacing marks (strip_accents, by default when lower-casing), Rust's
 *      char::to_lowercase
 *   -> added tokens with normalized=true, on the normalised stream
 *   -> BertPreTokenizer: split on whitespace, every punctuation char a word
 *   -> WordPiece: greedy longest match, "##" on later pieces; a word that
 *      cannot be covered, or has more than max_input_chars_per_word chars, is
 *      one [UNK]
 *   -> truncation to max_len less the template's special tokens; template.
 *
 * The character classes are the library's own (wordpiece_unicode.c: its
 * categories are Unicode 8's, its lower-casing Rust's), so ids agree on every
 * code point, and NFD's canonical reordering of the combining marks that
 * strip_accents keeps is the reference's (Unicode 9 classes). */
#include "embed/wordpiece_int.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define FNV0 2166136261u
#define STACK_CHARS 256  /* a word of max_input_chars_per_word chars fits the stack */

static inline uint32_t fnv(uint32_t h, const void *p, size_t n) {
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 16777619u;
    return h;
}

/* ---------------------------------------------------------------- vocabulary */

tc_wordpiece *tc_wp_new(void) {
    tc_wordpiece *wp = calloc(1, sizeof *wp);
    if (!wp) return NULL;
    wp->unk_id = wp->pad_id = -1;
    wp->max_id = -1;
    strcpy(wp->unk, "[UNK]");
    wp->max_chars = 100;
    wp->clean = wp->cjk = wp->strip = wp->lower = wp->pre_split = 1;
    tc_wp_set_prefix(wp, "##", "");
    return wp;
}

int tc_wp_set_prefix(tc_wordpiece *wp, const char *prefix, const char *where) {
    size_t n = strlen(prefix);
    if (n >= TC_WP_MAX_PREFIX)
        return tc_error(TC_EUNSUPPORTED, "%s: continuing_subword_prefix: longer than %d bytes", where,
                        TC_WP_MAX_PREFIX - 1);
    memcpy(wp->prefix, prefix, n + 1);
    wp->prefix_len = (uint32_t)n;
    wp->prefix_hash = fnv(FNV0, prefix, n);
    return 0;
}

static int grow_table(tc_wordpiece *wp) {
    uint32_t cap = wp->slots ? (wp->mask + 1) * 2 : 1024;
    tc_wp_slot *s = malloc((size_t)cap * sizeof *s);
    if (!s) return tc_error(TC_ENOMEM, "tokenizer: out of memory");
    for (uint32_t i = 0; i < cap; i++) s[i].id = -1;
    if (wp->slots)
        for (uint32_t i = 0; i <= wp->mask; i++) {
            if (wp->slots[i].id < 0) continue;
            uint32_t j = wp->slots[i].hash & (cap - 1);
            while (s[j].id >= 0) j = (j + 1) & (cap - 1);
            s[j] = wp->slots[i];
        }
    free(wp->slots);
    wp->slots = s;
    wp->mask = cap - 1;
    return 0;
}

/* Copies n bytes into the pool; their offset, or -1 when out of memory. */
static long pool_add(tc_wordpiece *wp, const char *s, size_t n) {
    if (wp->pool_len + n > UINT32_MAX) return -1;
    if (!wp->pool || wp->pool_len + n > wp->pool_cap) {  /* never NULL once used: "" is a token too */
        size_t cap = wp->pool_cap ? wp->pool_cap : 1 << 16;
        while (cap < wp->pool_len + n) cap *= 2;
        char *p = realloc(wp->pool, cap);
        if (!p) return -1;
        wp->pool = p, wp->pool_cap = cap;
    }
    memcpy(wp->pool + wp->pool_len, s, n);
    wp->pool_len += n;
    return (long)(wp->pool_len - n);
}

static int find_slot(const tc_wordpiece *wp, uint32_t h, const char *pre, size_t plen, const char *s, size_t n) {
    if (!wp->slots) return -1;
    for (uint32_t i = h & wp->mask;; i = (i + 1) & wp->mask) {
        const tc_wp_slot *e = &wp->slots[i];
        if (e->id < 0) return -1;
        if (e->hash == h && e->len == plen + n && memcmp(wp->pool + e->off, pre, plen) == 0 &&
            memcmp(wp->pool + e->off + plen, s, n) == 0)
            return (int)i;
    }
}

int tc_wp_put(tc_wordpiece *wp, const char *tok, size_t len, int id) {
    if (len > UINT32_MAX / 2) return tc_error(TC_EFORMAT, "tokenizer: a token of %zu bytes", len);
    uint32_t h = fnv(FNV0, tok, len);
    int at = find_slot(wp, h, "", 0, tok, len);
    if (at >= 0) {
        wp->slots[at].id = id;
    } else {
        if (!wp->slots || (uint32_t)(wp->n_tokens + 1) * 2 > wp->mask + 1) {
            int rc = grow_table(wp);
            if (rc) return rc;
        }
        long off = pool_add(wp, tok, len);
        if (off < 0) return tc_error(TC_ENOMEM, "tokenizer: out of memory");
        uint32_t i = h & wp->mask;
        while (wp->slots[i].id >= 0) i = (i + 1) & wp->mask;
        wp->slots[i] = (tc_wp_slot){h, (uint32_t)off, (uint32_t)len, id};
        wp->n_tokens++;
    }
    if (id > wp->max_id) wp->max_id = id;
    if (len > wp->max_first) wp->max_first = (uint32_t)len;
    if (len >= wp->prefix_len && memcmp(tok, wp->prefix, wp->prefix_len) == 0 && len - wp->prefix_len > wp->max_cont)
        wp->max_cont = (uint32_t)(len - wp->prefix_len);
    return 0;
}

int tc_wp_lookup(const tc_wordpiece *wp, const char *tok, size_t len) {
    int at = find_slot(wp, fnv(FNV0, tok, len), "", 0, tok, len);
    return at < 0 ? -1 : wp->slots[at].id;
}

/* The id of s (n bytes), with the continuing prefix before it when cont. */
static inline int32_t piece_id(const tc_wordpiece *wp, const char *s, size_t n, int cont) {
    uint32_t h = fnv(cont ? wp->prefix_hash : FNV0, s, n);
    int at = find_slot(wp, h, wp->prefix, cont ? wp->prefix_len : 0, s, n);
    return at < 0 ? -1 : wp->slots[at].id;
}

/* ---------------------------------------------------------------- characters */

enum { C_TEXT, C_REMOVED, C_SPACE, C_PUNCT };

static inline int is_space(uint32_t c) {
    return c < 0x80 ? c == ' ' || (c >= 9 && c <= 13) : tc_wp_in(tc_wp_space, tc_wp_space_n, c);
}

static inline int is_punct(uint32_t c) {
    if (c < 0x80) return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
    return tc_wp_in(tc_wp_punct, tc_wp_punct_n, c);
}

/* \w of Rust's regex crate, which single_word tokens test their neighbours with. */
static inline int is_word(uint32_t c) {
    if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    return tc_wp_in(tc_wp_word, tc_wp_word_n, c);
}

/* One code point at s (left > 0 bytes): its length; an invalid byte reads as U+FFFD. */
static inline size_t decode(const unsigned char *s, size_t left, uint32_t *cp) {
    unsigned c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    size_t n = tc_utf8_seq(s, left);
    if (n == 2) *cp = (c & 0x1Fu) << 6 | (s[1] & 0x3Fu);
    else if (n == 3) *cp = (c & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
    else if (n == 4) *cp = (c & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu);
    else { *cp = 0xFFFD; n = 1; }
    return n;
}

static inline size_t encode_utf8(uint32_t c, char *o) {
    if (c < 0x80) { o[0] = (char)c; return 1; }
    if (c < 0x800) { o[0] = (char)(0xC0 | c >> 6); o[1] = (char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | c >> 12); o[1] = (char)(0x80 | (c >> 6 & 0x3F)); o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | c >> 18); o[1] = (char)(0x80 | (c >> 12 & 0x3F));
    o[2] = (char)(0x80 | (c >> 6 & 0x3F)); o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* ---------------------------------------------------------------- encoder state */

typedef struct {
    const tc_wordpiece *wp;
    int32_t *out;        /* (limit) the pieces */
    int n, limit;
    /* the word being read: its first cap chars in UTF-8 and where each starts */
    char *wb;            /* (4 * cap) */
    uint32_t *co;        /* (cap + 1) */
    int32_t *tmp;        /* (cap) its pieces until the word is known to be good */
    int cap, nc, over;
    void *heap;          /* the word's buffers once it outgrew the stack */
    int oom;
    uint32_t nb;
    /* the normalised stream held back for the normalized added tokens */
    uint32_t q[TC_WP_MAX_NORM + 1];
    int qn;
    uint32_t qprev;      /* the char before q[0] in this stretch of text, 0 at its start */
    /* kept combining marks of the current NFD run, in canonical order (strip_accents) */
    uint32_t mk[16];
    int mkc[16], nmk;
    /* at load time: the normaliser's output goes here instead */
    uint32_t *capture;
    int n_capture, cap_capture;
} wp_enc;

static inline void emit(wp_enc *e, int32_t id) {
    if (e->n < e->limit) e->out[e->n++] = id;
}

static void word_pieces(wp_enc *e) {
    const tc_wordpiece *wp = e->wp;
    int np = 0;
    e->co[e->nc] = e->nb;
    for (int start = 0; start < e->nc;) {
        int cont = start > 0, end = e->nc;
        uint32_t maxb = cont ? wp->max_cont : wp->max_first;
        while (end > start && e->co[end] - e->co[start] > maxb) end--;
        int32_t id = -1;
        for (; end > start; end--)
            if ((id = piece_id(wp, e->wb + e->co[start], e->co[end] - e->co[start], cont)) >= 0) break;
        if (id < 0) { emit(e, wp->unk_id); return; }
        e->tmp[np++] = id;
        start = end;
    }
    for (int i = 0; i < np; i++) emit(e, e->tmp[i]);
}

static inline void word_end(wp_enc *e) {
    if (!e->nc) return;
    if (e->over) emit(e, e->wp->unk_id);
    else word_pieces(e);
    e->nc = 0, e->nb = 0, e->over = 0;
}

/* Room for twice the chars (at most max_input_chars_per_word), when a
 * tokenizer allows words longer than the stack holds; 0 or -1. */
static int word_grow(wp_enc *e) {
    int cap = e->cap * 2 > e->wp->max_chars ? e->wp->max_chars : e->cap * 2;
    char *h = malloc((size_t)cap * (4 + 4 + 4) + 4);
    if (!h) { e->oom = 1; return -1; }
    uint32_t *co = (uint32_t *)h;
    int32_t *tmp = (int32_t *)(co + cap + 1);
    char *wb = (char *)(tmp + cap);
    memcpy(co, e->co, (size_t)e->nc * sizeof *co);
    memcpy(wb, e->wb, e->nb);
    free(e->heap);
    e->heap = h, e->co = co, e->tmp = tmp, e->wb = wb, e->cap = cap;
    return 0;
}

static inline void word_add(wp_enc *e, uint32_t c) {
    if (e->n >= e->limit) return;
    if (e->nc == e->cap && e->cap < e->wp->max_chars) word_grow(e);
    if (e->nc < e->cap) {
        e->co[e->nc++] = e->nb;
        e->nb += (uint32_t)encode_utf8(c, e->wb + e->nb);
        return;
    }
    e->nc++;
    if (!e->over) {
        e->over = 1;
        /* whatever the rest of the word is, it is one [UNK]: when that is the
         * last piece kept, the text need not be read to the word's end */
        if (e->n + 1 >= e->limit) word_end(e);
    }
}

static void pre_feed(wp_enc *e, uint32_t c) {
    if (e->wp->pre_split) {
        if (is_space(c)) { word_end(e); return; }
        if (is_punct(c)) { word_end(e); word_add(e, c); word_end(e); return; }
    }
    word_add(e, c);
}

/* The normalized added token that starts the held-back stream, when its
 * end is known (final: nothing follows in this stretch). */
static void queue_step(wp_enc *e, int final) {
    const tc_wordpiece *wp = e->wp;
    const tc_wp_added *t = NULL;
    int lo = 0, hi = wp->n_norm;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (wp->norm[mid].first < e->q[0]) lo = mid + 1;
        else hi = mid;
    }
    for (int i = lo; i < wp->n_norm && wp->norm[i].first == e->q[0] && !t; i++)
        if ((int)wp->norm[i].n_cp <= e->qn &&
            memcmp(e->q, wp->cps + wp->norm[i].cp_off, wp->norm[i].n_cp * sizeof *e->q) == 0)
            t = &wp->norm[i];
    int used = t ? (int)t->n_cp : 1, keep = t != NULL;
    if (t && t->single_word)
        keep = !is_word(e->qprev) && (used < e->qn ? !is_word(e->q[used]) : final);
    if (keep) {
        word_end(e);
        emit(e, t->id);
    } else {
        /* a refused match is text, and no other match starts inside it */
        for (int i = 0; i < used; i++) pre_feed(e, e->q[i]);
    }
    e->qprev = e->q[used - 1];
    e->qn -= used;
    memmove(e->q, e->q + used, (size_t)e->qn * sizeof *e->q);
}

static inline void norm_out(wp_enc *e, uint32_t c) {
    if (e->capture) {
        if (e->n_capture < e->cap_capture) e->capture[e->n_capture] = c;
        e->n_capture++;
        return;
    }
    if (!e->wp->n_norm) { pre_feed(e, c); return; }
    e->q[e->qn++] = c;
    if (e->qn > e->wp->norm_max) queue_step(e, 0);
}

static inline void lower_out(wp_enc *e, uint32_t c) {
    if (!e->wp->lower) { norm_out(e, c); return; }
    if (c < 0x80) { norm_out(e, c >= 'A' && c <= 'Z' ? c + 32 : c); return; }
    const tc_wp_map *m = tc_wp_find(tc_wp_lower_exc, tc_wp_lower_exc_n, c);
    if (m) for (int i = 0; i < m->n; i++) norm_out(e, m->out[i]);
    else norm_out(e, (uint32_t)utf8proc_tolower((utf8proc_int32_t)c));
}

static inline void marks_flush(wp_enc *e) {
    int n = e->nmk;
    e->nmk = 0;
    for (int i = 0; i < n; i++) lower_out(e, e->mk[i]);
}

static int kept_ccc(uint32_t c) {
    int lo = 0, hi = tc_wp_kept_ccc_n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (c < tc_wp_kept_ccc[mid].cp) hi = mid - 1;
        else if (c > tc_wp_kept_ccc[mid].cp) lo = mid + 1;
        else return tc_wp_kept_ccc[mid].ccc;
    }
    return 0;
}

/* One char of the NFD stream: nonspacing marks go; NFD sorts each run of
 * combining marks by class (stably), which matters for the marks that stay,
 * so those wait until the run ends at a char of class 0. */
static void nfd_out(wp_enc *e, uint32_t d) {
    if (d < 0x300) {
        if (e->nmk) marks_flush(e);
        lower_out(e, d);
        return;
    }
    if (tc_wp_in(tc_wp_mark, tc_wp_mark_n, d)) {
        if (e->nmk && utf8proc_get_property((utf8proc_int32_t)d)->combining_class == 0) marks_flush(e);
        return;
    }
    int cc = kept_ccc(d);
    if (!cc) {
        if (e->nmk) marks_flush(e);
        lower_out(e, d);
        return;
    }
    if (e->nmk == (int)(sizeof e->mk / sizeof *e->mk)) marks_flush(e);  /* runs this long are not text */
    int i = e->nmk++;
    for (; i > 0 && e->mkc[i - 1] > cc; i--) e->mk[i] = e->mk[i - 1], e->mkc[i] = e->mkc[i - 1];
    e->mk[i] = d, e->mkc[i] = cc;
}

static inline void strip_out(wp_enc *e, uint32_t c) {
    if (!e->wp->strip) { lower_out(e, c); return; }
    if (c < 0x80) { nfd_out(e, c); return; }
    const tc_wp_map *m = tc_wp_find(tc_wp_strip_exc, tc_wp_strip_exc_n, c);
    if (m) {
        for (int i = 0; i < m->n; i++) nfd_out(e, m->out[i]);
        return;
    }
    utf8proc_int32_t d[8];
    int last = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char((utf8proc_int32_t)c, d, 8, UTF8PROC_DECOMPOSE, &last);
    if (n < 1 || n > 8) d[0] = (utf8proc_int32_t)c, n = 1;
    for (utf8proc_ssize_t i = 0; i < n; i++) nfd_out(e, (uint32_t)d[i]);
}

/* The end of a stretch of text between two raw added tokens. */
static void stretch_end(wp_enc *e) {
    if (e->nmk) marks_flush(e);
    while (e->qn && e->n < e->limit) queue_step(e, 1);
    e->qn = 0, e->qprev = 0;
    word_end(e);
}

/* One raw code point through the normaliser. */
static void norm_feed(wp_enc *e, uint32_t c) {
    const tc_wordpiece *wp = e->wp;
    if (wp->clean) {
        if (tc_wp_in(tc_wp_removed, tc_wp_removed_n, c)) return;  /* NUL and U+FFFD among them */
        if (is_space(c)) c = ' ';
    }
    if (wp->cjk && c >= 0x3400 && tc_wp_in(tc_wp_cjk, tc_wp_cjk_n, c)) {
        strip_out(e, ' ');
        strip_out(e, c);
        strip_out(e, ' ');
        return;
    }
    strip_out(e, c);
}

/* The longest raw added token at s (left bytes), or NULL. */
static const tc_wp_added *raw_match(const tc_wordpiece *wp, const unsigned char *s, size_t left) {
    for (int i = wp->raw_first[s[0]]; i < wp->raw_first[s[0] + 1]; i++) {
        const tc_wp_added *t = &wp->raw[i];
        if (t->len <= left && memcmp(wp->pool + t->off, s, t->len) == 0) return t;
    }
    return NULL;
}

/* ---------------------------------------------------------------- encode */

int tc_wordpiece_encode(const tc_wordpiece *wp, const char *text, size_t len, int max_len, int32_t *ids) {
    if (!wp || !ids || (!text && len)) return tc_error(TC_EINVAL, "tokenizer: no tokenizer, text or ids");
    int limit = max_len - wp->n_pre - wp->n_post;
    if (limit < 0)
        return tc_error(TC_EINVAL, "tokenizer: max_len %d leaves no room for the %d special tokens", max_len,
                        wp->n_pre + wp->n_post);
    char wb_stack[4 * STACK_CHARS];
    uint32_t co_stack[STACK_CHARS + 1];
    int32_t tmp_stack[STACK_CHARS];
    wp_enc e;
    e.wp = wp, e.out = ids + wp->n_pre, e.n = 0, e.limit = limit;
    e.nc = e.over = 0, e.nb = 0, e.qn = 0, e.qprev = 0, e.nmk = 0, e.capture = NULL;
    e.cap = wp->max_chars < STACK_CHARS ? wp->max_chars : STACK_CHARS;
    e.wb = wb_stack, e.co = co_stack, e.tmp = tmp_stack, e.heap = NULL, e.oom = 0;

    const unsigned char *s = (const unsigned char *)text;
    uint32_t prev = 0;  /* the raw char before pos, for single_word */
    for (size_t pos = 0; pos < len && e.n < e.limit;) {
        unsigned b = s[pos];
        if (wp->raw_first[b] < wp->raw_first[b + 1]) {
            const tc_wp_added *t = raw_match(wp, s + pos, len - pos);
            if (t) {
                size_t end = pos + t->len;
                int keep = 1;
                if (t->single_word) {
                    uint32_t next = 0;
                    if (end < len) decode(s + end, len - end, &next);
                    keep = !is_word(prev) && !(end < len && is_word(next));
                }
                if (keep) {
                    stretch_end(&e);
                    emit(&e, t->id);
                    pos = end;
                } else {
                    while (pos < end) {
                        pos += decode(s + pos, len - pos, &prev);
                        norm_feed(&e, prev);
                    }
                }
                prev = t->last;
                continue;
            }
        }
        if (b < 0x80 && !wp->n_norm) {
            pos++, prev = b;
            if (e.nmk) marks_flush(&e);
            switch (wp->ascii_cls[b]) {
            case C_REMOVED: break;
            case C_SPACE: word_end(&e); break;
            case C_PUNCT: word_end(&e); word_add(&e, b); word_end(&e); break;
            default: word_add(&e, wp->ascii_map[b]);
            }
            continue;
        }
        pos += decode(s + pos, len - pos, &prev);
        norm_feed(&e, prev);
    }
    if (e.n < e.limit) stretch_end(&e);
    free(e.heap);
    if (e.oom) return tc_error(TC_ENOMEM, "tokenizer: out of memory for a word of over %d chars", e.cap);

    memcpy(ids, wp->pre, (size_t)wp->n_pre * sizeof *ids);
    memcpy(ids + wp->n_pre + e.n, wp->post, (size_t)wp->n_post * sizeof *ids);
    return wp->n_pre + e.n + wp->n_post;
}

/* ---------------------------------------------------------------- finishing */

int tc_wp_add_token(tc_wordpiece *wp, const char *content, int id, int single_word, int normalized) {
    size_t len = strlen(content);
    if (!len) return 0;  /* the library ignores empty added tokens */
    int max_added = -1;
    for (int i = 0; i < wp->n_added; i++) {
        tc_wp_added *a = &wp->added[i];
        if (a->len == len && memcmp(wp->pool + a->off, content, len) == 0) {
            /* the same content again: new flags, the id it has (unless given) */
            if (id >= 0) a->id = id;
            a->single_word = (uint8_t)single_word, a->normalized = (uint8_t)normalized;
            if (a->id > wp->max_id) wp->max_id = a->id;
            return 0;
        }
        if (a->id > max_added) max_added = a->id;
    }
    /* as AddedVocabulary::add_tokens numbers them (tokenizer.json's ids are
     * only compared with these by the library, with a warning) */
    if (id < 0) id = tc_wp_lookup(wp, content, len);
    if (id < 0) id = max_added >= wp->n_tokens ? max_added + 1 : wp->n_tokens;
    if (id >= TC_WP_MAX_ID) return tc_error(TC_EFORMAT, "tokenizer: added token id %d is too large", id);
    if (wp->n_added == wp->cap_added) {
        int cap = wp->cap_added ? 2 * wp->cap_added : 16;
        tc_wp_added *a = realloc(wp->added, (size_t)cap * sizeof *a);
        if (!a) return tc_error(TC_ENOMEM, "tokenizer: out of memory");
        wp->added = a, wp->cap_added = cap;
    }
    long off = pool_add(wp, content, len);
    if (off < 0) return tc_error(TC_ENOMEM, "tokenizer: out of memory");
    uint32_t last = 0;
    for (size_t i = 0; i < len;) i += decode((const unsigned char *)content + i, len - i, &last);
    wp->added[wp->n_added++] = (tc_wp_added){(uint32_t)off, (uint32_t)len, id, (uint8_t)single_word,
                                             (uint8_t)normalized, last, 0, 0, 0};
    if (id > wp->max_id) wp->max_id = id;
    return 0;
}

static int cmp_raw(const void *pa, const void *pb, void *ctx) {
    const tc_wp_added *a = pa, *b = pb;
    const char *pool = ctx;
    unsigned char fa = (unsigned char)pool[a->off], fb = (unsigned char)pool[b->off];
    if (fa != fb) return fa < fb ? -1 : 1;
    return a->len != b->len ? (a->len > b->len ? -1 : 1) : 0;
}

static int cmp_norm(const void *pa, const void *pb) {
    const tc_wp_added *a = pa, *b = pb;
    if (a->first != b->first) return a->first < b->first ? -1 : 1;
    return a->n_cp != b->n_cp ? (a->n_cp > b->n_cp ? -1 : 1) : 0;
}

/* Runs the normaliser over s (len bytes) into out (cap code points); the count. */
static int normalize_into(const tc_wordpiece *wp, const char *s, size_t len, uint32_t *out, int cap) {
    wp_enc e;
    memset(&e, 0, sizeof e);
    e.wp = wp, e.capture = out, e.cap_capture = cap;
    uint32_t c;
    for (size_t i = 0; i < len;) {
        i += decode((const unsigned char *)s + i, len - i, &c);
        norm_feed(&e, c);
    }
    marks_flush(&e);
    return e.n_capture;
}

int tc_wp_finish(tc_wordpiece *wp, const char *where) {
    wp->unk_id = tc_wp_lookup(wp, wp->unk, strlen(wp->unk));
    if (wp->unk_id < 0)
        return tc_error(TC_EFORMAT, "%s: unk_token \"%s\" is not in the vocabulary", where, wp->unk);
    if (wp->max_chars < 0) wp->max_chars = 0;
    int n_norm = 0;
    size_t n_cps = 1;
    for (int i = 0; i < wp->n_added; i++) {
        const tc_wp_added *a = &wp->added[i];
        if (!a->normalized) continue;
        uint32_t none;
        int n = normalize_into(wp, wp->pool + a->off, a->len, &none, 0);
        if (n > TC_WP_MAX_NORM)
            return tc_error(TC_EUNSUPPORTED, "%s: added_tokens: \"%.40s\": a normalized token of over %d chars",
                            where, wp->pool + a->off, TC_WP_MAX_NORM);
        n_norm++, n_cps += (size_t)n;
    }
    wp->raw = malloc((size_t)(wp->n_added - n_norm + 1) * sizeof *wp->raw);
    wp->norm = malloc((size_t)(n_norm + 1) * sizeof *wp->norm);
    wp->cps = malloc(n_cps * sizeof *wp->cps);
    if (!wp->raw || !wp->norm || !wp->cps) return tc_error(TC_ENOMEM, "%s: out of memory", where);
    wp->n_raw = wp->n_norm = 0;
    uint32_t used = 0;
    for (int i = 0; i < wp->n_added; i++) {
        tc_wp_added a = wp->added[i];
        if (!a.normalized) { wp->raw[wp->n_raw++] = a; continue; }
        int n = normalize_into(wp, wp->pool + a.off, a.len, wp->cps + used, TC_WP_MAX_NORM);
        if (!n) continue;  /* normalises to nothing: never matches */
        a.cp_off = used, a.n_cp = (uint32_t)n, a.first = wp->cps[used];
        used += (uint32_t)n;
        wp->norm[wp->n_norm++] = a;
        if (n > wp->norm_max) wp->norm_max = n;
    }
    qsort_r(wp->raw, (size_t)wp->n_raw, sizeof *wp->raw, cmp_raw, wp->pool);
    qsort(wp->norm, (size_t)wp->n_norm, sizeof *wp->norm, cmp_norm);
    memset(wp->raw_first, 0, sizeof wp->raw_first);
    for (int i = 0; i < wp->n_raw; i++) wp->raw_first[(unsigned char)wp->pool[wp->raw[i].off] + 1]++;
    for (int b = 0; b < 256; b++) wp->raw_first[b + 1] += wp->raw_first[b];

    /* the ASCII fast path: what the normaliser and pre-tokeniser make of each byte */
    for (uint32_t b = 0; b < 128; b++) {
        uint32_t o[4];
        int n = normalize_into(wp, (const char *)&(char){(char)b}, 1, o, 4);
        wp->ascii_map[b] = n == 1 ? (uint8_t)o[0] : (uint8_t)b;
        if (n == 0) wp->ascii_cls[b] = C_REMOVED;
        else if (n > 1 || o[0] >= 0x80) return tc_error(TC_EINVAL, "%s: internal: ASCII %u normalises oddly", where, b);
        else if (wp->pre_split && is_space(o[0])) wp->ascii_cls[b] = C_SPACE;
        else if (wp->pre_split && is_punct(o[0])) wp->ascii_cls[b] = C_PUNCT;
        else wp->ascii_cls[b] = C_TEXT;
    }
    if (wp->pad_id < 0) wp->pad_id = tc_wp_lookup(wp, "[PAD]", 5);
    if (wp->pad_id < 0) wp->pad_id = 0;
    return 0;
}

/* ---------------------------------------------------------------- queries */

int tc_wordpiece_vocab_size(const tc_wordpiece *wp) { return wp ? wp->max_id + 1 : 0; }

int tc_wordpiece_pad_id(const tc_wordpiece *wp) { return wp ? wp->pad_id : 0; }

void tc_wordpiece_free(tc_wordpiece *wp) {
    if (!wp) return;
    free(wp->pool);
    free(wp->slots);
    free(wp->added);
    free(wp->raw);
    free(wp->norm);
    free(wp->cps);
    free(wp);
}
