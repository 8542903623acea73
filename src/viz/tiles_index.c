/* tiles_index.c - the texts of the tiled map (map/) and its search index.
 *
 * texts/K.json   JSON array of the texts of points K*chunk .. K*chunk+chunk-1
 *                (cut to TEXT_CHARS characters), fetched when a hover or a
 *                search hit needs one of them.
 * search/S.bin   shard S of an inverted index token -> point ids. A token is
 *                a run of bytes that are ASCII letters or digits or >= 0x80
 *                (any UTF-8 sequence), ASCII folded to lower case, 2 to
 *                TOKEN_MAX bytes (longer runs are not indexed); a token lives
 *                in shard fnv1a32(token bytes) % n_shards. Little-endian:
 *                  "TCS1", u32 n_tokens, then per token (sorted by bytes):
 *                  u16 length, the bytes, u32 count, u32 n_bytes, and the
 *                  ascending ids as LEB128 varints of the gaps (the first
 *                  gap from -1, so every gap is >= 1, stored minus 1).
 * The page hashes a query's tokens the same way, fetches only their shards,
 * intersects the lists, and fetches text chunks only for hits it shows. */
#include "viz/tiles.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_CHARS 1024
#define TOKEN_MAX 48
#define SHARD_BYTES (256u << 10)  /* aimed size of a shard */

/* ---------------------------------------------------------------- tokens */

uint32_t tc_viz_fnv1a(const unsigned char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 16777619u;
    return h;
}

static int word_byte(unsigned char c) {
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

size_t tc_viz_next_token(const char *s, size_t *at, char tok[64]) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = *at;
    for (;;) {
        while (p[i] && !word_byte(p[i])) i++;
        if (!p[i]) { *at = i; return 0; }
        size_t start = i;
        while (p[i] && word_byte(p[i])) i++;
        size_t len = i - start;
        if (len < 2 || len > TOKEN_MAX) continue;
        for (size_t k = 0; k < len; k++) {
            unsigned char c = p[start + k];
            tok[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        tok[len] = 0;
        *at = i;
        return len;
    }
}

/* ---------------------------------------------------------------- postings */

typedef struct {
    uint32_t off, len, hash;  /* the token's bytes in the arena */
    uint32_t count;
    int64_t last;             /* last id added */
    tc_sb post;               /* varint gaps */
} term_t;

typedef struct {
    term_t *terms;
    size_t n, cap;
    uint32_t *slots;  /* open addressing: term index + 1, 0 = empty */
    size_t mask;
    tc_sb arena;
    int oom;
} dict_t;

static int dict_grow(dict_t *d) {
    size_t ns = d->slots ? (d->mask + 1) * 2 : 1u << 16;
    uint32_t *s = calloc(ns, sizeof *s);
    if (!s) return -1;
    for (size_t t = 0; t < d->n; t++) {
        size_t h = d->terms[t].hash & (ns - 1);
        while (s[h]) h = (h + 1) & (ns - 1);
        s[h] = (uint32_t)t + 1;
    }
    free(d->slots);
    d->slots = s;
    d->mask = ns - 1;
    return 0;
}

static void put_varint(tc_sb *b, uint64_t v) {
    char c[10];
    size_t k = 0;
    do {
        c[k] = (char)(v & 127);
        v >>= 7;
        if (v) c[k] |= (char)0x80;
        k++;
    } while (v);
    tc_sb_append(b, c, k);
}

static int dict_add(dict_t *d, const char *tok, size_t len, int64_t id) {
    uint32_t h = tc_viz_fnv1a((const unsigned char *)tok, len);
    if (!d->slots || (d->n + 1) * 2 > d->mask + 1)
        if (dict_grow(d)) return -1;
    size_t at = h & d->mask;
    term_t *t = NULL;
    for (; d->slots[at]; at = (at + 1) & d->mask) {
        term_t *u = &d->terms[d->slots[at] - 1];
        if (u->hash == h && u->len == len && !memcmp(d->arena.s + u->off, tok, len)) { t = u; break; }
    }
    if (!t) {
        if (d->n == d->cap) {
            size_t nc = d->cap ? d->cap * 2 : 4096;
            term_t *nt = realloc(d->terms, nc * sizeof *nt);
            if (!nt) return -1;
            d->terms = nt, d->cap = nc;
        }
        t = &d->terms[d->n];
        memset(t, 0, sizeof *t);
        t->off = (uint32_t)d->arena.len, t->len = (uint32_t)len, t->hash = h, t->last = -1;
        tc_sb_append(&d->arena, tok, len);
        if (d->arena.oom || d->arena.len > UINT32_MAX) return -1;
        d->slots[at] = (uint32_t)++d->n;
    }
    if (t->last == id) return 0;  /* once per text */
    put_varint(&t->post, (uint64_t)(id - t->last - 1));
    t->last = id;
    t->count++;
    return t->post.oom ? -1 : 0;
}

static void dict_free(dict_t *d) {
    for (size_t t = 0; t < d->n; t++) tc_sb_free(&d->terms[t].post);
    free(d->terms);
    free(d->slots);
    tc_sb_free(&d->arena);
}

static const dict_t *sort_dict;
static int cmp_term(const void *a, const void *b) {
    const term_t *x = &sort_dict->terms[*(const uint32_t *)a], *y = &sort_dict->terms[*(const uint32_t *)b];
    size_t m = x->len < y->len ? x->len : y->len;
    int c = memcmp(sort_dict->arena.s + x->off, sort_dict->arena.s + y->off, m);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void put_u32(tc_sb *b, uint32_t v) {
    char c[4] = {(char)(v & 255), (char)(v >> 8 & 255), (char)(v >> 16 & 255), (char)(v >> 24)};
    tc_sb_append(b, c, 4);
}

/* ---------------------------------------------------------------- writing */

int tc_viz_write_bytes(const char *dir, const char *name, const void *data, size_t len) {
    char path[4600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return tc_error(TC_EIO, "%s: cannot write: %s", path, strerror(errno));
    int ok = (!len || fwrite(data, 1, len, f) == len) && fflush(f) == 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok) return tc_error(TC_EIO, "%s: cannot write: %s", path, strerror(errno));
    return 0;
}

int tc_viz_write_text_chunks(const char *const *texts, size_t n, size_t chunk, const char *dir,
                             size_t *n_chunks, const tc_viz_meter *vm) {
    *n_chunks = 0;
    tc_sb b = {0};
    char name[64];
    int rc = 0;
    for (size_t k = 0; k * chunk < n && !rc && !(rc = tc_viz_tick(vm, 2, k * chunk)); k++) {
        b.len = 0;
        tc_sb_puts(&b, "[");
        for (size_t i = k * chunk; i < n && i < (k + 1) * chunk; i++) {
            const char *t = texts && texts[i] ? texts[i] : "";
            char *c = tc_viz_utf8_clean(t, TEXT_CHARS);
            if (!c) { b.oom = 1; break; }
            if (i > k * chunk) tc_sb_puts(&b, ",");
            tc_viz_json_string(&b, c);
            if (tc_utf8_chars(t, strlen(t), TEXT_CHARS) < strlen(t)) {
                b.len--;  /* reopen the literal: add "..." */
                tc_sb_puts(&b, "\xe2\x80\xa6\"");
            }
            free(c);
        }
        tc_sb_puts(&b, "]\n");
        if (b.oom) { rc = tc_error(TC_ENOMEM, "map/texts: out of memory"); break; }
        snprintf(name, sizeof name, "%zu.json", k);
        rc = tc_viz_write_bytes(dir, name, b.s, b.len);
        (*n_chunks)++;
    }
    tc_sb_free(&b);
    return rc;
}

int tc_viz_write_search_index(const char *const *texts, size_t n, const char *dir, size_t *n_shards,
                              const tc_viz_meter *vm) {
    dict_t d = {0};
    char tok[64];
    int rc = 0;
    *n_shards = 0;
    for (size_t i = 0; i < n && !rc && !(i % 1024 == 0 && (rc = tc_viz_tick(vm, 3, i))); i++) {
        const char *t = texts && texts[i] ? texts[i] : "";
        size_t at = 0, len;
        while ((len = tc_viz_next_token(t, &at, tok)))
            if (dict_add(&d, tok, len, (int64_t)i)) { rc = tc_error(TC_ENOMEM, "map/search: out of memory"); break; }
    }
    size_t total = 0;
    for (size_t t = 0; t < d.n; t++) total += d.terms[t].post.len + d.terms[t].len + 10;
    size_t shards = 1;
    while (shards < 4096 && total / shards > SHARD_BYTES) shards *= 2;
    uint32_t *order = malloc((d.n ? d.n : 1) * sizeof *order), *start = calloc(shards + 1, sizeof *start);
    uint32_t *fill = malloc(shards * sizeof *fill);
    if (!rc && (!order || !start || !fill)) rc = tc_error(TC_ENOMEM, "map/search: out of memory");
    if (!rc) {
        /* group the terms by shard, then sort each group by bytes */
        for (size_t t = 0; t < d.n; t++) start[d.terms[t].hash % shards + 1]++;
        for (size_t s = 0; s < shards; s++) start[s + 1] += start[s], fill[s] = start[s];
        for (size_t t = 0; t < d.n; t++) order[fill[d.terms[t].hash % shards]++] = (uint32_t)t;
        sort_dict = &d;
        for (size_t s = 0; s < shards; s++) qsort(order + start[s], start[s + 1] - start[s], sizeof *order, cmp_term);
    }
    tc_sb b = {0};
    char name[64];
    for (size_t s = 0; s < shards && !rc && !(rc = tc_viz_tick(vm, 3, n ? n - 1 : 0)); s++) {
        b.len = 0;
        tc_sb_append(&b, "TCS1", 4);
        put_u32(&b, start[s + 1] - start[s]);
        for (uint32_t o = start[s]; o < start[s + 1]; o++) {
            const term_t *t = &d.terms[order[o]];
            char l[2] = {(char)(t->len & 255), (char)(t->len >> 8)};
            tc_sb_append(&b, l, 2);
            tc_sb_append(&b, d.arena.s + t->off, t->len);
            put_u32(&b, t->count);
            put_u32(&b, (uint32_t)t->post.len);
            tc_sb_append(&b, t->post.s, t->post.len);
        }
        if (b.oom) { rc = tc_error(TC_ENOMEM, "map/search: out of memory"); break; }
        snprintf(name, sizeof name, "%zu.bin", s);
        rc = tc_viz_write_bytes(dir, name, b.s, b.len);
    }
    if (!rc) *n_shards = shards;
    tc_sb_free(&b);
    free(order);
    free(start);
    free(fill);
    dict_free(&d);
    return rc;
}
