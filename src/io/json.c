/* json.c - JSON files of strings (texts.json, cluster_summaries.json,
 * RFC 8259), written byte for byte as Python's json.dump writes them by
 * default (ensure_ascii=True, separators ", " and ": "): ASCII only, so the
 * reference reads them under any locale (cp1252, or Python's UTF-8 mode
 * off). Every byte outside printable ASCII is an escape: \" \\ \b \f \n \r
 * \t, else \u00XX for control characters and DEL, \uXXXX for the rest, a
 * surrogate pair above U+FFFF, hex in lower case as Python writes it.
 * Invalid UTF-8 is repaired to U+FFFD first. Read with cJSON, raw UTF-8
 * (our older files) and escapes alike. */
#include "io/io.h"
#include "util/util.h"

#include <cjson/cJSON.h>
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
static size_t json_count_items(const char *s, size_t len) {
    size_t commas = 0, depth = 0;
    int in_str = 0, any = 0;
    size_t i = 0;
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

int tc_json_load_strings(const char *path, char ***s, size_t *n) {
    return tc_json_load_strings_max(path, SIZE_MAX, s, n);
}

int tc_json_load_strings_max(const char *path, size_t max_n, char ***s, size_t *n) {
    *s = NULL, *n = 0;
    char *data;
    size_t len;
    int rc = tc_read_regular_file(path, &data, &len);
    if (rc) return rc;
    size_t n_nul = 0, n_surr = 0;
    len = tc_json_fix_escapes(data, len, &n_nul, &n_surr);
    size_t items = max_n == SIZE_MAX ? 0 : json_count_items(data, len);
    if (items > max_n) {
        free(data);
        *n = items;
        return tc_error(TC_EMISMATCH, "%s has %zu items, more than the %zu expected", path, items, max_n);
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
    if (!root) {
        size_t at = end && end >= data ? (size_t)(end - data) : 0;
        size_t line = 1;
        for (size_t i = 0; i < at && i < len; i++) line += data[i] == '\n';
        free(data);
        return tc_error(TC_EFORMAT, "%s:%zu: malformed JSON (byte %zu)", path, line, at);
    }
    free(data);
    if (!cJSON_IsArray(root)) {
        cJSON_Delete(root);
        return tc_error(TC_EFORMAT, "%s: expected a JSON array of strings", path);
    }
    size_t m = (size_t)cJSON_GetArraySize(root), i = 0;
    char **out = calloc(m ? m : 1, sizeof *out);
    if (!out) {
        cJSON_Delete(root);
        return tc_error(TC_ENOMEM, "%s: out of memory", path);
    }
    for (cJSON *it = root->child; it; it = it->next, i++) {
        if (!cJSON_IsString(it)) {
            tc_strings_free(out, i);
            cJSON_Delete(root);
            return tc_error(TC_EFORMAT, "%s: element %zu is not a string", path, i);
        }
        out[i] = it->valuestring; /* take the string over from cJSON */
        it->valuestring = NULL;
    }
    cJSON_Delete(root);
    *s = out, *n = m;
    return 0;
}

void tc_strings_free(char **s, size_t n) {
    if (!s) return;
    for (size_t i = 0; i < n; i++) free(s[i]);
    free(s);
}
