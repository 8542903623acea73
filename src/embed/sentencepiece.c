/* sentencepiece.c - SentencePiece unigram segmentation (Kudo, "Subword
 * Regularization", ACL 2018) exactly as the USE-lite JavaScript reference
 * (@energetic-ai/embeddings 0.2.0, itself a port of tfjs-models'
 * universal-sentence-encoder tokenizer) does it, so token ids agree:
 *
 *   1. NFKC-normalise the text (utf8proc; the reference uses
 *      String.prototype.normalize("NFKC")).
 *   2. If the result is not empty, prefix the word marker U+2581 and replace
 *      every U+0020 space (only that character) by U+2581.
 *   3. Split into code points. For each start position, every vocabulary
 *      piece (ids >= 6; 0..5 are control pieces) that matches there is a
 *      candidate; where none matches, the single code point is a candidate
 *      with id 0 (unknown) and score 0.
 *      A null score in vocab.json (some punctuation pieces) counts as 0,
 *      as null does in JavaScript arithmetic.
 *   4. Viterbi forward over positions: a candidate ending at e replaces the
 *      best one there when best[e] is still 0 (the reference's "unset") or
 *      its path score is >= best[e] (ties go to the later start).
 *   5. Walk back from the end, stepping by the UTF-16 length of each chosen
 *      piece's text (the reference's String.length; for the unknown piece
 *      U+FFFD that is 1), then merge runs of unknown ids into one.
 *
 * Pieces live in a trie whose edges sit in one open-addressing hash table
 * keyed by (parent node, code point). */
#include "embed/sentencepiece.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define WORD_MARKER 0x2581u
#define EMPTY_KEY UINT64_MAX

typedef struct {
    double score;
    int32_t index;
    uint8_t end;
} sp_node;

struct tc_sp {
    int n;                 /* vocabulary size */
    uint8_t *utf16_len;    /* (n) String.length of each piece, capped at 255 */
    sp_node *nodes;        /* (n_nodes) trie; node 0 is the root */
    int n_nodes;
    uint64_t *keys;        /* (mask + 1) parent << 21 | code point, or EMPTY_KEY */
    int32_t *child;        /* (mask + 1) */
    size_t mask;
};

/* ---------------------------------------------------------------- trie */

static size_t edge_slot(const tc_sp *sp, uint64_t key) {
    uint64_t h = key * 0x9e3779b97f4a7c15ULL;
    size_t i = (size_t)(h >> 20) & sp->mask;
    while (sp->keys[i] != EMPTY_KEY && sp->keys[i] != key) i = (i + 1) & sp->mask;
    return i;
}

static inline int edge_get(const tc_sp *sp, int parent, uint32_t cp) {
    size_t i = edge_slot(sp, (uint64_t)parent << 21 | cp);
    return sp->keys[i] == EMPTY_KEY ? -1 : sp->child[i];
}

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length, or 0
 * when the bytes are not valid UTF-8 (overlong, surrogate, > U+10FFFF). */
static int utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (!len || c > 0xF4 || (size_t)len > n) return 0;
    uint32_t v = c & (0x7F >> len);
    for (int k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        v = v << 6 | (s[k] & 0x3F);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

int tc_sp_load(const char *path, int n_reserved, tc_sp **out) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return tc_error(TC_ENOTFOUND, "%s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(size > 0 ? (size_t)size + 1 : 1);
    if (!buf) { fclose(f); return tc_error(TC_ENOMEM, "%s: out of memory", path); }
    size_t got = size > 0 ? fread(buf, 1, (size_t)size, f) : 0;
    fclose(f);
    buf[got] = 0;
    cJSON *root = cJSON_Parse(buf);
    free(buf);
    if (!root || !cJSON_IsArray(root)) {
        cJSON_Delete(root);
        return tc_error(TC_EFORMAT, "%s: not a JSON array of [piece, score] pairs", path);
    }
    int n = cJSON_GetArraySize(root), rc = 0;
    tc_sp *sp = calloc(1, sizeof *sp);
    size_t total_cps = 1;
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, root) {
        const cJSON *p = cJSON_GetArrayItem(it, 0), *s = cJSON_GetArrayItem(it, 1);
        if (!cJSON_IsArray(it) || !cJSON_IsString(p) || !(cJSON_IsNumber(s) || cJSON_IsNull(s))) {
            rc = tc_error(TC_EFORMAT, "%s: entry %d is not a [piece, score] pair", path, i);
            break;
        }
        total_cps += strlen(p->valuestring);
        i++;
    }
    if (!rc && n <= n_reserved) rc = tc_error(TC_EFORMAT, "%s: only %d pieces", path, n);
    size_t cap = 16;
    while (cap < 2 * total_cps) cap <<= 1;
    if (!rc && sp) {
        sp->n = n;
        sp->mask = cap - 1;
        sp->utf16_len = calloc((size_t)n, 1);
        sp->nodes = calloc(total_cps + 1, sizeof *sp->nodes);
        sp->keys = malloc(cap * sizeof *sp->keys);
        sp->child = malloc(cap * sizeof *sp->child);
    }
    if (!rc && (!sp || !sp->utf16_len || !sp->nodes || !sp->keys || !sp->child))
        rc = tc_error(TC_ENOMEM, "%s: out of memory", path);
    if (!rc) {
        memset(sp->keys, 0xff, cap * sizeof *sp->keys);
        sp->n_nodes = 1;
        i = 0;
        cJSON_ArrayForEach(it, root) {
            const unsigned char *s = (const unsigned char *)cJSON_GetArrayItem(it, 0)->valuestring;
            const cJSON *sc = cJSON_GetArrayItem(it, 1);
            double score = cJSON_IsNumber(sc) ? sc->valuedouble : 0;   /* null adds as 0 in the reference */
            size_t len = strlen((const char *)s), u16 = 0;
            int node = 0, last = -1;
            for (size_t k = 0; k < len;) {
                uint32_t cp;
                int l = utf8_decode(s + k, len - k, &cp);
                if (!l) { rc = tc_error(TC_EFORMAT, "%s: piece %d is not valid UTF-8", path, i); break; }
                k += (size_t)l;
                u16 += cp >= 0x10000 ? 2 : 1;
                if (i < n_reserved) continue;
                size_t slot = edge_slot(sp, (uint64_t)node << 21 | cp);
                if (sp->keys[slot] == EMPTY_KEY) {
                    sp->keys[slot] = (uint64_t)node << 21 | cp;
                    sp->child[slot] = sp->n_nodes++;
                }
                node = last = sp->child[slot];
            }
            if (rc) break;
            sp->utf16_len[i] = (uint8_t)(u16 > 255 ? 255 : u16);
            if (last >= 0) {
                sp->nodes[last].end = 1;
                sp->nodes[last].score = score;
                sp->nodes[last].index = i;
            }
            i++;
        }
    }
    cJSON_Delete(root);
    if (rc) { tc_sp_free(sp); return rc; }
    *out = sp;
    return 0;
}

void tc_sp_free(tc_sp *sp) {
    if (!sp) return;
    free(sp->utf16_len);
    free(sp->nodes);
    free(sp->keys);
    free(sp->child);
    free(sp);
}

int tc_sp_size(const tc_sp *sp) { return sp->n; }

void tc_sp_scratch_free(tc_sp_scratch *s) {
    free(s->cps);
    free(s->words);
    free(s->best);
    free(s->ids);
    free(s->fixed);
    memset(s, 0, sizeof *s);
}

static int scratch_reserve(tc_sp_scratch *s, size_t n) {
    if (n <= s->cap) return 0;
    size_t cap = s->cap ? s->cap : 256;
    while (cap < n) cap *= 2;
    uint32_t *cps = realloc(s->cps, cap * sizeof *cps);
    if (cps) s->cps = cps;
    int32_t *words = realloc(s->words, (cap + 1) * sizeof *words);
    if (words) s->words = words;
    double *best = realloc(s->best, (cap + 1) * sizeof *best);
    if (best) s->best = best;
    int32_t *ids = realloc(s->ids, cap * sizeof *ids);
    if (ids) s->ids = ids;
    if (!cps || !words || !best || !ids) return tc_error(TC_ENOMEM, "tokenizer: out of memory");
    s->cap = cap;
    return 0;
}

/* ---------------------------------------------------------------- encode */

/* Fills s->cps[1..] with the NFKC code points of text; returns their count
 * or a negative code. */
static long normalize(const char *text, tc_sp_scratch *s) {
    const unsigned char *u = (const unsigned char *)text;
    size_t len = strlen(text), bad = 0;
    int ascii = 1;
    for (size_t k = 0; k < len;) {
        uint32_t cp;
        int l = utf8_decode(u + k, len - k, &cp);
        if (!l) { bad++; l = 1; }
        if (cp >= 0x80) ascii = 0;
        k += (size_t)l;
    }
    if (ascii && !bad) {    /* NFKC leaves ASCII as it is */
        if (scratch_reserve(s, len + 1)) return TC_ENOMEM;
        for (size_t k = 0; k < len; k++) s->cps[k + 1] = u[k];
        return (long)len;
    }
    if (bad) {              /* each invalid byte becomes U+FFFD (3 bytes) */
        if (s->fixed_cap < len + 2 * bad + 1) {
            char *f = realloc(s->fixed, len + 2 * bad + 1);
            if (!f) return tc_error(TC_ENOMEM, "tokenizer: out of memory");
            s->fixed = f;
            s->fixed_cap = len + 2 * bad + 1;
        }
        size_t o = 0;
        for (size_t k = 0; k < len;) {
            uint32_t cp;
            int l = utf8_decode(u + k, len - k, &cp);
            if (l) { memcpy(s->fixed + o, u + k, (size_t)l); o += (size_t)l; k += (size_t)l; }
            else { memcpy(s->fixed + o, "\xEF\xBF\xBD", 3); o += 3; k++; }
        }
        s->fixed[o] = 0;
        u = (const unsigned char *)s->fixed;
        len = o;
    }
    const utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
    for (;;) {
        if (scratch_reserve(s, len + 2)) return TC_ENOMEM;
        utf8proc_ssize_t n = utf8proc_decompose(u, (utf8proc_ssize_t)len, (utf8proc_int32_t *)s->cps + 1,
                                                (utf8proc_ssize_t)s->cap - 1, opt);
        if (n < 0) return tc_error(TC_EFORMAT, "tokenizer: %s", utf8proc_errmsg(n));
        if ((size_t)n > s->cap - 1) {
            if (scratch_reserve(s, (size_t)n + 2)) return TC_ENOMEM;
            continue;
        }
        n = utf8proc_normalize_utf32((utf8proc_int32_t *)s->cps + 1, n, opt);
        if (n < 0) return tc_error(TC_EFORMAT, "tokenizer: %s", utf8proc_errmsg(n));
        return (long)n;
    }
}

int tc_sp_encode(const tc_sp *sp, const char *text, tc_sp_scratch *s) {
    long m = normalize(text, s);
    if (m < 0) return (int)m;
    if (m == 0) return 0;
    size_t n = (size_t)m + 1;             /* symbols, with the leading marker */
    uint32_t *cps = s->cps;               /* (n) */
    cps[0] = WORD_MARKER;
    for (size_t i = 1; i < n; i++)
        if (cps[i] == 0x20) cps[i] = WORD_MARKER;
    double *best = s->best;               /* (n + 1) */
    int32_t *words = s->words;            /* (n + 1) */
    for (size_t i = 0; i <= n; i++) { best[i] = 0; words[i] = 0; }
    for (size_t i = 0; i < n; i++) {
        int node = 0, matched = 0;
        for (size_t j = i; j < n; j++) {
            node = edge_get(sp, node, cps[j]);
            if (node < 0) break;
            const sp_node *nd = &sp->nodes[node];
            if (!nd->end) continue;
            matched = 1;
            double score = nd->score + best[i];
            if (best[j + 1] == 0 || score >= best[j + 1]) { best[j + 1] = score; words[j + 1] = nd->index; }
        }
        if (!matched) {                   /* unknown: this code point alone, id 0, score 0 */
            double score = best[i];
            if (best[i + 1] == 0 || score >= best[i + 1]) { best[i + 1] = score; words[i + 1] = 0; }
        }
    }
    /* walk back (ids come out reversed), merging runs of unknowns */
    int32_t *ids = s->ids;
    size_t k = 0;
    int prev_unk = 0;
    for (long it = (long)n; it > 0;) {
        int32_t id = words[it];
        if (!(prev_unk && id == 0)) ids[k++] = id;
        prev_unk = id == 0;
        it -= sp->utf16_len[id];
        if (sp->utf16_len[id] == 0) break;   /* an empty piece cannot be chosen; guard anyway */
    }
    for (size_t a = 0, b = k ? k - 1 : 0; a < b; a++, b--) {
        int32_t t = ids[a]; ids[a] = ids[b]; ids[b] = t;
    }
    return (int)k;
}
