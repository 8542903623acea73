/* json.c - JSON files of strings (texts.json, cluster_summaries.json,
 * RFC 8259), written byte for byte as Python's json.dump writes them by
 * default (ensure_ascii=True, separators ", " and ": "): ASCII only, so the
 * reference reads them under any locale (cp1252, or Python's UTF-8 mode
 * off). Every byte outside printable ASCII is an escape: \" \\ \b \f \n \r
 * \t, else \u00XX for control characters and DEL, \uXXXX for the rest, a
 * surrogate pair above U+FFFF, hex in lower case as Python writes it.
 * Invalid UTF-8 is repaired to U+FFFD first. Read in one pass, raw UTF-8
 * (our older files) and escapes alike. */
#include "io/io.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- writing */

/* Bytes copied as they are: printable ASCII except " and \. */
static inline int json_plain(unsigned c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

/* An output buffer in front of a FILE: texts are escaped span by span, and
 * stdio calls per span would cost more than the copying. */
typedef struct {
    tc_atomic *a;
    char *buf; /* (JSON_BUF) */
    size_t len;
    int failed; /* tc_atomic_put's code (its message set), 0 = none */
} json_out;

#define JSON_BUF (1u << 20)

static void out_flush(json_out *o) {
    if (o->len && !o->failed) o->failed = tc_atomic_put(o->a, o->buf, o->len, NULL);
    o->len = 0;
}

static void out_put(json_out *o, const void *p, size_t n) {
    if (o->len + n > JSON_BUF) {
        out_flush(o);
        if (n > JSON_BUF) {
            if (!o->failed) o->failed = tc_atomic_put(o->a, p, n, NULL);
            return;
        }
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void out_u(json_out *o, unsigned cp) {
    static const char hex[] = "0123456789abcdef";
    char esc[6] = {'\\', 'u', hex[cp >> 12 & 15], hex[cp >> 8 & 15], hex[cp >> 4 & 15], hex[cp & 15]};
    out_put(o, esc, 6);
}

/* Appends str (valid UTF-8) quoted and escaped. */
static void json_put_string(json_out *o, const char *str) {
    const unsigned char *s = (const unsigned char *)str;
    out_put(o, "\"", 1);
    for (;;) {
        const unsigned char *start = s;
        while (json_plain(*s)) s++;
        if (s > start) out_put(o, start, (size_t)(s - start));
        unsigned c = *s;
        if (c == 0) break;
        s++;
        switch (c) {
        case '"': out_put(o, "\\\"", 2); continue;
        case '\\': out_put(o, "\\\\", 2); continue;
        case '\b': out_put(o, "\\b", 2); continue;
        case '\f': out_put(o, "\\f", 2); continue;
        case '\n': out_put(o, "\\n", 2); continue;
        case '\r': out_put(o, "\\r", 2); continue;
        case '\t': out_put(o, "\\t", 2); continue;
        }
        if (c < 0x80) { out_u(o, c); continue; } /* other controls and DEL */
        int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
        unsigned cp = c & (0x3f >> more);
        for (int k = 0; k < more && (*s & 0xc0) == 0x80; k++) cp = cp << 6 | (*s++ & 0x3f);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out_u(o, 0xd800 | cp >> 10);
            out_u(o, 0xdc00 | (cp & 0x3ff));
        } else {
            out_u(o, cp);
        }
    }
    out_put(o, "\"", 1);
}

/* Appends s escaped, repairing invalid UTF-8 first; 0 or TC_ENOMEM. */
static int json_put_text(json_out *o, const char *s) {
    if (!s) s = "";
    size_t len = strlen(s);
    if (!tc_utf8_invalid(s, len)) {
        json_put_string(o, s);
        return 0;
    }
    char *fixed = tc_utf8_repair(s, len);
    if (!fixed) return TC_ENOMEM;
    json_put_string(o, fixed);
    free(fixed);
    return 0;
}

/* Opens path through the atomic writer (a temporary, renamed at close). */
static int out_open(json_out *o, tc_atomic *a, const char *path) {
    memset(o, 0, sizeof *o);
    if (!(o->buf = malloc(JSON_BUF))) return tc_error(TC_ENOMEM, "%s: out of memory", path);
    int rc = tc_atomic_open(a, path);
    if (rc) {
        free(o->buf);
        return rc;
    }
    o->a = a;
    return 0;
}

/* Flushes and commits, or drops the temporary when rc (an error met while
 * writing: TC_ENOMEM, TC_ECANCELED with its message set, or 0) or a write
 * failed. */
static int out_close(json_out *o, tc_atomic *a, const char *path, int rc) {
    if (!rc) out_flush(o);
    free(o->buf);
    if (rc == TC_ENOMEM) rc = tc_error(rc, "%s: out of memory", path);
    else if (!rc) rc = o->failed;
    if (rc) {
        tc_atomic_abort(a);
        return rc;
    }
    return tc_atomic_commit(a);
}

int tc_json_save_strings_meter(const char *path, const char *const *s, size_t n, tc_meter *m) {
    json_out o;
    tc_atomic a;
    int rc = out_open(&o, &a, path);
    if (rc) return rc;
    out_put(&o, "[", 1);
    for (size_t i = 0; i < n && !o.failed && !rc; i++) {
        if (i) out_put(&o, ", ", 2);
        rc = json_put_text(&o, s[i]);
        tc_meter_add(m, s[i] ? strlen(s[i]) : 0);
        if (!rc && i % 1024 == 1023) rc = tc_meter_tick(m);
    }
    out_put(&o, "]", 1);
    return out_close(&o, &a, path, rc);
}

int tc_json_save_strings(const char *path, const char *const *s, size_t n) {
    return tc_json_save_strings_meter(path, s, n, NULL);
}

int tc_json_save_map(const char *path, const char *const *keys, const char *const *values,
                     size_t n) {
    json_out o;
    tc_atomic a;
    int rc = out_open(&o, &a, path);
    if (rc) return rc;
    out_put(&o, "{", 1);
    for (size_t i = 0; i < n && !o.failed && !rc; i++) {
        if (i) out_put(&o, ", ", 2);
        if (!(rc = json_put_text(&o, keys[i]))) {
            out_put(&o, ": ", 2);
            rc = json_put_text(&o, values[i]);
        }
    }
    out_put(&o, "}", 1);
    return out_close(&o, &a, path, rc);
}

/* ---------------------------------------------------------------- escapes */

static int hex4(const char *s, size_t left, unsigned *v) {
    if (left < 4) return 0;
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;
        if (d == 16) return 0;
        *v = *v << 4 | d;
    }
    return 1;
}

size_t tc_json_fix_escapes(char *s, size_t len, size_t *n_nul, size_t *n_surrogates) {
    size_t i = 0, o = 0;
    int in_string = 0;
    while (i < len) {
        char c = s[i];
        size_t keep = 1; /* bytes copied as they are */
        unsigned v, w;
        if (c == '"') in_string = !in_string;
        else if (c == '\\' && in_string && i + 1 < len) {
            keep = 2;
            if (s[i + 1] == 'u' && hex4(s + i + 2, len - i - 2, &v)) {
                keep = 6;
                if (v == 0) { /* dropped, as the reference drops NUL */
                    ++*n_nul, i += 6;
                    continue;
                }
                if (v >= 0xd800 && v <= 0xdbff && i + 12 <= len && s[i + 6] == '\\' &&
                    s[i + 7] == 'u' && hex4(s + i + 8, 4, &w) && w >= 0xdc00 && w <= 0xdfff) {
                    keep = 12; /* a proper pair */
                } else if (v >= 0xd800 && v <= 0xdfff) {
                    ++*n_surrogates, i += 6;
                    memcpy(s + o, "\\ufffd", 6), o += 6;
                    continue;
                }
            }
        }
        for (size_t k = 0; k < keep; k++) s[o++] = s[i++];
    }
    if (o < len) s[o] = 0;
    return o;
}

/* ---------------------------------------------------------------- reading */

/* Items of the top-level array of s[0..len), counted without building a
 * tree: cJSON takes about 40 bytes per item, so a 30 MB texts.json of ten
 * million "" would cost 1.2 GB before its count could be checked. Exact
 * for valid JSON; an upper bound otherwise. */
/* 3 when s starts with a UTF-8 byte order mark (skipped as cJSON skips it), else 0. */
static size_t bom_len(const char *s, size_t len) { return len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3) ? 3 : 0; }

static size_t json_count_items(const char *s, size_t len) {
    size_t commas = 0, depth = 0;
    int in_str = 0, any = 0;
    size_t i = bom_len(s, len);
    /* "blank" as cJSON skips it: every byte up to the space, NUL included */
#define BLANK(c) ((unsigned char)(c) <= ' ')
    while (i < len && BLANK(s[i])) i++;
    if (i == len || s[i] != '[') return 0; /* not an array: the parse says so */
    for (; i < len; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\') i++;
            else if (ch == '"') in_str = 0;
            continue;
        }
        if (ch == '"') in_str = 1;
        else if (ch == '[' || ch == '{') depth++;
        else if (ch == ']' || ch == '}') { if (depth-- <= 1) break; }
        else if (ch == ',' && depth == 1) commas++;
        if (depth == 1 && ch != '[' && !BLANK(ch)) any = 1;
        if (depth > 1) any = 1;
    }
#undef BLANK
    return any ? commas + 1 : 0;
}

/* Appends code point v as UTF-8 at o; returns the bytes written. */
static size_t put_utf8(char *o, unsigned v) {
    if (v < 0x80) return o[0] = (char)v, 1;
    if (v < 0x800) return o[0] = (char)(0xc0 | v >> 6), o[1] = (char)(0x80 | (v & 0x3f)), 2;
    if (v < 0x10000)
        return o[0] = (char)(0xe0 | v >> 12), o[1] = (char)(0x80 | (v >> 6 & 0x3f)),
               o[2] = (char)(0x80 | (v & 0x3f)), 3;
    return o[0] = (char)(0xf0 | v >> 18), o[1] = (char)(0x80 | (v >> 12 & 0x3f)),
           o[2] = (char)(0x80 | (v >> 6 & 0x3f)), o[3] = (char)(0x80 | (v & 0x3f)), 4;
}

/* The string whose opening quote is s[*at]: decoded into a malloc'd *out,
 * *at moved past its closing quote. The escapes are JSON's; \u0000 is
 * dropped and a surrogate that is not half of a pair becomes U+FFFD, as
 * tc_json_fix_escapes makes them; other bytes are kept as they are (a raw
 * NUL ends the C string there, as it does in cJSON's). 0, TC_EFORMAT with
 * *at at the offending byte, 1 (no closing quote: *at unchanged) or
 * TC_ENOMEM. */
static int parse_string(const char *s, size_t len, size_t *at, char **out) {
    size_t i = *at + 1, end = i;
    for (;;) {
        while (end < len && s[end] != '"' && s[end] != '\\') end++;
        if (end >= len) return 1;
        if (s[end] == '"') break;
        end += 2; /* a backslash and the byte it escapes */
    }
    char *o = malloc(end - i + 1); /* the decoded text is never longer */
    if (!o) return TC_ENOMEM;
    size_t k = 0;
    while (i < end) {
        const char *bs = memchr(s + i, '\\', end - i);
        size_t plain = (bs ? (size_t)(bs - s) : end) - i;
        memcpy(o + k, s + i, plain), k += plain, i += plain;
        if (i == end) break;
        char e = s[i + 1], c = e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r'
                             : e == 't' ? '\t' : e == '"' || e == '\\' || e == '/' ? e : 0;
        if (c) {
            o[k++] = c, i += 2;
            continue;
        }
        unsigned v, w;
        if (e != 'u' || !hex4(s + i + 2, end - i - 2, &v)) {
            free(o);
            return *at = i, TC_EFORMAT;
        }
        i += 6;
        if (v == 0) continue;
        if (v >= 0xd800 && v <= 0xdbff && i + 6 <= end && s[i] == '\\' && s[i + 1] == 'u' &&
            hex4(s + i + 2, 4, &w) && w >= 0xdc00 && w <= 0xdfff) {
            v = 0x10000 + ((v - 0xd800) << 10) + (w - 0xdc00);
            i += 6;
        } else if (v >= 0xd800 && v <= 0xdfff) {
            v = 0xfffd;
        }
        k += put_utf8(o + k, v);
    }
    o[k] = 0;
    *out = o, *at = end + 1;
    return 0;
}

int tc_json_load_strings(const char *path, char ***s, size_t *n) {
    return tc_json_load_strings_meter(path, SIZE_MAX, s, n, NULL);
}

int tc_json_load_strings_max(const char *path, size_t max_n, char ***s, size_t *n) {
    return tc_json_load_strings_meter(path, max_n, s, n, NULL);
}

/* One pass over the file, as cJSON parses it after tc_json_fix_escapes
 * (blanks are every byte up to the space, a UTF-8 byte order mark first is
 * skipped), but without its tree: 3 times faster, and a report every
 * 1,024 strings. Unlike cJSON, text after the array is an error. */
int tc_json_load_strings_meter(const char *path, size_t max_n, char ***s, size_t *n, tc_meter *m) {
    *s = NULL, *n = 0;
    char *data;
    size_t len;
    int rc = tc_read_regular_file(path, &data, &len);
    if (rc) return rc;
    size_t items = max_n == SIZE_MAX ? 0 : json_count_items(data, len);
    if (items > max_n) {
        free(data);
        *n = items;
        return tc_error(TC_EMISMATCH, "%s has %zu items, more than the %zu expected", path, items, max_n);
    }
#define BLANKS() while (at < len && (unsigned char)data[at] <= ' ') at++
    size_t at = bom_len(data, len), cap = 0, k = 0, counted = 0;
    char **out = NULL;
    enum { MALFORMED, NOT_ARRAY, NOT_STRING, UNTERMINATED, TRAILING } what = MALFORMED;
    BLANKS();
    if (at == len || data[at] != '[') {
        rc = TC_EFORMAT;
        if (at < len && strchr("\"-0123456789tfn{", data[at])) what = NOT_ARRAY;
    } else {
        at++;
    }
    BLANKS();
    int first = 1;
    while (!rc) {
        if (first && at < len && data[at] == ']') break;
        first = 0;
        if (at == len || data[at] != '"') { /* a value that is not a string, or no value */
            rc = TC_EFORMAT;
            if (at < len && strchr("-0123456789tfn[{", data[at])) what = NOT_STRING;
            break;
        }
        if (k == cap) {
            char **g = realloc(out, (cap = cap ? 2 * cap : 1024) * sizeof *out);
            if (!g) { rc = TC_ENOMEM; break; }
            out = g;
        }
        if ((rc = parse_string(data, len, &at, &out[k]))) {
            if (rc == 1) rc = TC_EFORMAT, what = UNTERMINATED;
            break;
        }
        if (++k % 1024 == 0) {
            tc_meter_add(m, at - counted), counted = at;
            if ((rc = tc_meter_tick(m))) break;
        }
        BLANKS();
        if (at < len && data[at] == ',') { at++; BLANKS(); continue; }
        if (at < len && data[at] == ']') break;
        rc = TC_EFORMAT;
    }
    if (!rc) {
        at++;
        BLANKS();
        if (at < len) rc = TC_EFORMAT, what = TRAILING;
    }
#undef BLANKS
    size_t line = 1;
    if (rc == TC_EFORMAT)
        for (size_t i = 0; i < at && i < len; i++) line += data[i] == '\n';
    free(data);
    if (rc) {
        tc_strings_free(out, k);
        if (rc == TC_ENOMEM) return tc_error(rc, "%s: out of memory", path);
        if (rc != TC_EFORMAT) return rc; /* canceled: the meter said so */
        if (what == NOT_STRING) return tc_error(rc, "%s: element %zu is not a string", path, k);
        if (what == NOT_ARRAY) return tc_error(rc, "%s: expected a JSON array of strings", path);
        return tc_error(rc, "%s:%zu: %s (byte %zu)", path, line,
                        what == UNTERMINATED ? "unterminated string"
                        : what == TRAILING   ? "text after the array" : "malformed JSON", at);
    }
    tc_meter_add(m, len - counted);
    if (!out && !(out = malloc(sizeof *out))) return tc_error(TC_ENOMEM, "%s: out of memory", path);
    *s = out, *n = k;
    return 0;
}

void tc_strings_free(char **s, size_t n) {
    if (!s) return;
    for (size_t i = 0; i < n; i++) free(s[i]);
    free(s);
}
