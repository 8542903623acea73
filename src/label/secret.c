/* secret.c - keeps the bearer token and the secrets of an endpoint URL out
 * of every message, answer and saved file.
 *
 * A server may send a secret back in any form: raw, inside a JSON string
 * with escapes ("sk\u002dabc", "a\/b"), percent-encoded ("sk%2Dabc"), or
 * a mix and a second level of these (JSON of a URL). tc_secret_mask
 * decodes the text up to three times, keeping for every decoded byte the
 * range of source bytes it came from, and hides in the source every range
 * whose decoded bytes match the secret: any 8 bytes of it (so a key cut by
 * the server, or at our own cut, still hides what is left), and 4 to 7
 * bytes at the very start or end of the text (a key cut at an edge).
 * Secrets shorter than 4 bytes are not masked (they would hide everything).
 *
 * URLs: tc_url_split parses scheme://userinfo@host/path?query#fragment
 * (RFC 3986 section 3, no normalisation); tc_url_redact shows a URL with
 * its password and every query value as "***". */
#include "label/label.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRAM 8          /* a match of this many bytes of a secret is hidden */
#define EDGE_MIN 4      /* shortest piece of a secret hidden at a text's edge */
#define DECODE_LEVELS 3

/* ---------------------------------------------------------------- decoded views */

/* bytes s[0..n), byte i decoded from source bytes [lo[i], hi[i]) */
typedef struct {
    unsigned char *s;
    size_t *lo, *hi;
    size_t n;
} view;

static void view_free(view *v) {
    free(v->s);
    free(v->lo);
    free(v->hi);
    memset(v, 0, sizeof *v);
}

static int view_alloc(view *v, size_t n) {
    v->s = malloc(n + 1);
    v->lo = malloc((n + 1) * sizeof *v->lo);
    v->hi = malloc((n + 1) * sizeof *v->hi);
    v->n = 0;
    if (v->s && v->lo && v->hi) return 0;
    view_free(v);
    return -1;
}

static int hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static long hex_n(const unsigned char *s, size_t left, int n) {
    if (left < (size_t)n) return -1;
    long v = 0;
    for (int i = 0; i < n; i++) {
        int h = hexval(s[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

static void put(view *w, unsigned char c, size_t lo, size_t hi) {
    w->s[w->n] = c;
    w->lo[w->n] = lo;
    w->hi[w->n] = hi;
    w->n++;
}

/* One level of JSON string escapes and percent-encoding undone; every
 * decoded byte is at most as long as its source, so w needs v->n bytes.
 * Returns 1 when anything was decoded, 0 when w equals v, -1 out of memory. */
static int view_decode(const view *v, view *w) {
    if (view_alloc(w, v->n)) return -1;
    int changed = 0;
    const unsigned char *s = v->s;
    for (size_t i = 0; i < v->n;) {
        size_t left = v->n - i, used = 1;
        long cp = -1;
        if (s[i] == '\\' && left >= 2) {
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            const char *e = memchr(from, s[i + 1], sizeof from - 1);
            if (e) {
                cp = (unsigned char)to[e - from];
                used = 2;
            } else if (s[i + 1] == 'u' && (cp = hex_n(s + i + 2, left - 2, 4)) >= 0) {
                used = 6;
                long lo2;
                if (cp >= 0xD800 && cp < 0xDC00 && left >= 12 && s[i + 6] == '\\' &&
                    s[i + 7] == 'u' && (lo2 = hex_n(s + i + 8, left - 8, 4)) >= 0xDC00 &&
                    lo2 < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo2 - 0xDC00);
                    used = 12;
                }
            }
        } else if (s[i] == '%' && (cp = hex_n(s + i + 1, left - 1, 2)) >= 0) {
            used = 3;
        }
        if (cp < 0) {
            put(w, s[i], v->lo[i], v->hi[i]);
            i++;
            continue;
        }
        changed = 1;
        size_t lo = v->lo[i], hi = v->hi[i + used - 1];
        /* UTF-8 of the code point; never longer than its escape */
        if (cp < 0x80) {
            put(w, (unsigned char)cp, lo, hi);
        } else if (cp < 0x800) {
            put(w, (unsigned char)(0xC0 | cp >> 6), lo, hi);
            put(w, (unsigned char)(0x80 | (cp & 0x3F)), lo, hi);
        } else if (cp < 0x10000) {
            put(w, (unsigned char)(0xE0 | cp >> 12), lo, hi);
            put(w, (unsigned char)(0x80 | (cp >> 6 & 0x3F)), lo, hi);
            put(w, (unsigned char)(0x80 | (cp & 0x3F)), lo, hi);
        } else {
            put(w, (unsigned char)(0xF0 | cp >> 18), lo, hi);
            put(w, (unsigned char)(0x80 | (cp >> 12 & 0x3F)), lo, hi);
            put(w, (unsigned char)(0x80 | (cp >> 6 & 0x3F)), lo, hi);
            put(w, (unsigned char)(0x80 | (cp & 0x3F)), lo, hi);
        }
        i += used;
    }
    return changed;
}

/* ---------------------------------------------------------------- matching */

static uint64_t pack(const unsigned char *s, size_t m) {
    uint64_t x = 0;
    for (size_t i = 0; i < m; i++) x = x << 8 | s[i];
    return x;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void hide(unsigned char *hidden, size_t lo, size_t hi) {
    memset(hidden + lo, 1, hi - lo);
}

/* marks in hidden (one flag per source byte) every piece of sec found in v */
static int mark(const view *v, const char *sec, unsigned char *hidden) {
    size_t sl = strlen(sec), m = sl < GRAM ? sl : GRAM;
    size_t ng = sl - m + 1;
    uint64_t *g = malloc(ng * sizeof *g);  /* (ng) sorted m-byte pieces of sec */
    if (!g) return -1;
    for (size_t j = 0; j < ng; j++) g[j] = pack((const unsigned char *)sec + j, m);
    qsort(g, ng, sizeof *g, cmp_u64);
    for (size_t i = 0; i + m <= v->n; i++) {
        uint64_t x = pack(v->s + i, m);
        if (bsearch(&x, g, ng, sizeof *g, cmp_u64)) hide(hidden, v->lo[i], v->hi[i + m - 1]);
    }
    free(g);
    /* the edges: a text that ends in the start of sec or starts with its end */
    for (size_t k = m - 1; k >= EDGE_MIN && k < sl; k--) {
        if (k > v->n) continue;
        if (!memcmp(v->s + v->n - k, sec, k)) hide(hidden, v->lo[v->n - k], v->hi[v->n - 1]);
        if (!memcmp(v->s, sec + sl - k, k)) hide(hidden, v->lo[0], v->hi[k - 1]);
    }
    return 0;
}

char *tc_secret_mask(const char *src, size_t len, const char *const *secrets) {
    unsigned char *hidden = calloc(len + 1, 1);
    view v = {0}, w = {0};
    char *out = NULL;
    if (!hidden || view_alloc(&v, len)) goto done;
    memcpy(v.s, src, len);
    for (size_t i = 0; i < len; i++) { v.lo[i] = i; v.hi[i] = i + 1; }
    v.n = len;
    for (int level = 0; secrets && level < DECODE_LEVELS; level++) {
        for (const char *const *s = secrets; *s; s++)
            if (strlen(*s) >= EDGE_MIN && mark(&v, *s, hidden)) goto done;
        int r = view_decode(&v, &w);
        if (r < 0) goto done;
        view_free(&v);
        v = w;
        memset(&w, 0, sizeof w);
        if (r == 0) break;
    }
    tc_sb b = {0};
    tc_sb_puts(&b, "");
    for (size_t i = 0; i < len;) {
        if (!hidden[i]) {
            size_t j = i;
            while (j < len && !hidden[j]) j++;
            tc_sb_append(&b, src + i, j - i);
            i = j;
        } else {
            /* no markdown characters: answers are parsed after this */
            tc_sb_puts(&b, "[hidden]");
            while (i < len && hidden[i]) i++;
        }
    }
    if (b.oom) tc_sb_free(&b);
    out = b.s;
done:
    view_free(&v);
    view_free(&w);
    free(hidden);
    return out;
}

void tc_redact(char *dst, size_t cap, const char *src, const char *const *secrets) {
    if (cap == 0) return;
    char *m = tc_secret_mask(src, strlen(src), secrets);
    const char *s = m ? m : "[message hidden: out of memory]";
    size_t n = tc_utf8_cut(s, strlen(s), cap - 1);
    memcpy(dst, s, n);
    dst[n] = 0;
    free(m);
}

/* ---------------------------------------------------------------- URLs */

int tc_url_split(const char *url, tc_url *u) {
    memset(u, 0, sizeof *u);
    const char *p = strstr(url, "://");
    if (!p) return TC_EINVAL;
    u->scheme = url;
    u->scheme_len = (size_t)(p - url);
    const char *a = p + 3;
    size_t al = strcspn(a, "/?#");
    /* userinfo ends at the last '@' of the authority */
    const char *at = NULL;
    for (const char *q = a; q < a + al; q++)
        if (*q == '@') at = q;
    if (at) {
        u->user = a;
        const char *colon = memchr(a, ':', (size_t)(at - a));
        u->user_len = (size_t)((colon ? colon : at) - a);
        if (colon) {
            u->password = colon + 1;
            u->password_len = (size_t)(at - colon - 1);
        }
        u->host = at + 1;
        u->host_len = (size_t)(a + al - at - 1);
    } else {
        u->host = a;
        u->host_len = al;
    }
    u->path = a + al;
    u->path_len = strcspn(u->path, "?#");
    const char *r = u->path + u->path_len;
    if (*r == '?') {
        u->query = r + 1;
        u->query_len = strcspn(u->query, "#");
        r = u->query + u->query_len;
    }
    if (*r == '#') {
        u->fragment = r + 1;
        u->fragment_len = strlen(u->fragment);
    }
    return 0;
}

/* query with every value as "***": "a=***&b=***", a bare name kept */
static void redact_query(tc_sb *b, const char *q, size_t n) {
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && q[j] != '&') j++;
        const char *eq = memchr(q + i, '=', j - i);
        if (eq) {
            tc_sb_append(b, q + i, (size_t)(eq - (q + i)) + 1);
            tc_sb_puts(b, "***");
        } else if (j - i) {
            tc_sb_append(b, q + i, j - i);
        }
        if (j < n) tc_sb_puts(b, "&");
        i = j + 1;
    }
}

char *tc_url_redact(const char *url) {
    if (!url) return NULL;
    tc_url u;
    tc_sb b = {0};
    tc_sb_puts(&b, "");
    if (tc_url_split(url, &u)) {
        /* not a URL we understand: show none of it past a possible scheme */
        tc_sb_puts(&b, "***");
    } else {
        tc_sb_append(&b, u.scheme, u.scheme_len);
        tc_sb_puts(&b, "://");
        if (u.user) {
            tc_sb_append(&b, u.user, u.user_len);
            if (u.password) tc_sb_puts(&b, ":***");
            tc_sb_puts(&b, "@");
        }
        tc_sb_append(&b, u.host, u.host_len);
        tc_sb_append(&b, u.path, u.path_len);
        if (u.query) {
            tc_sb_puts(&b, "?");
            redact_query(&b, u.query, u.query_len);
        }
        if (u.fragment) tc_sb_puts(&b, "#***");
    }
    if (b.oom) tc_sb_free(&b);
    return b.s;
}

/* percent-decoded copy of s[0..n) (malloc'd) */
static char *pct_decode(const char *s, size_t n) {
    char *o = malloc(n + 1);
    if (!o) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        long c = s[i] == '%' ? hex_n((const unsigned char *)s + i + 1, n - i - 1, 2) : -1;
        if (c > 0) { o[k++] = (char)c; i += 2; }
        else o[k++] = s[i];
    }
    o[k] = 0;
    return o;
}

/* appends the raw and the decoded form of s[0..n) to the list */
static int add_secret(char ***list, size_t *n, size_t *cap, const char *s, size_t len) {
    for (int form = 0; form < 2; form++) {
        char *c = form ? pct_decode(s, len) : strndup(s, len);
        if (!c) return -1;
        if (*n + 2 > *cap) {
            size_t nc = *cap ? 2 * *cap : 8;
            char **l = realloc(*list, nc * sizeof *l);
            if (!l) { tc_llm_token_free(c); return -1; }
            *list = l;
            *cap = nc;
        }
        (*list)[(*n)++] = c;
        (*list)[*n] = NULL;
    }
    return 0;
}

char **tc_url_secrets(const char *url, const char *token) {
    size_t n = 0, cap = 0;
    char **list = NULL;
    int bad = 0;
    if (token) bad |= add_secret(&list, &n, &cap, token, strlen(token));
    tc_url u;
    if (url && !tc_url_split(url, &u)) {
        if (u.password) bad |= add_secret(&list, &n, &cap, u.password, u.password_len);
        for (size_t i = 0; u.query && i < u.query_len;) {
            size_t j = i;
            while (j < u.query_len && u.query[j] != '&') j++;
            const char *eq = memchr(u.query + i, '=', j - i);
            size_t vl = eq ? (size_t)(u.query + j - eq - 1) : 0;
            /* short values (api-version=1) are no keys, and masking them
             * would cut holes in ordinary text */
            if (vl >= GRAM) bad |= add_secret(&list, &n, &cap, eq + 1, vl);
            i = j + 1;
        }
        if (u.fragment_len >= GRAM) bad |= add_secret(&list, &n, &cap, u.fragment, u.fragment_len);
    }
    if (!list && !bad) list = calloc(1, sizeof *list);
    if (bad || !list) {
        tc_secrets_free(list);
        return NULL;
    }
    return list;
}

void tc_secrets_free(char **list) {
    if (!list) return;
    for (char **s = list; *s; s++) tc_llm_token_free(*s);
    free(list);
}

char *tc_secret_read_file(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char buf[1024];
    char *t = fgets(buf, sizeof buf, f) ? buf : NULL;
    fclose(f);
    if (!t) return NULL;
    size_t n = strlen(t);
    while (n && isspace((unsigned char)t[n - 1])) t[--n] = 0;
    while (*t && isspace((unsigned char)*t)) t++;
    char *out = *t ? strdup(t) : NULL;
    for (volatile char *q = buf; q < buf + sizeof buf; q++) *q = 0;
    return out;
}
