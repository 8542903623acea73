/* json.c - JSON arrays of strings (texts.json, RFC 8259). Written compact,
 * UTF-8 passed through (invalid bytes repaired to U+FFFD so that strict
 * readers such as Python's json accept the file), `"` and `\` escaped,
 * control characters as \b \f \n \r \t or \u00XX. Read with cJSON. */
#include "io/io.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- writing */

/* Bytes that can be copied as they are: printable ASCII except " and \,
 * and all bytes >= 0x80 (checked as UTF-8 separately). */
static inline int json_plain(unsigned c) { return c >= 0x20 && c != '"' && c != '\\'; }

/* An output buffer in front of a FILE: texts are escaped span by span, and
 * stdio calls per span would cost more than the copying. */
typedef struct {
    FILE *f;
    char *buf; /* (JSON_BUF) */
    size_t len;
    int failed;
} json_out;

#define JSON_BUF (1u << 20)

static void out_flush(json_out *o) {
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len) o->failed = 1;
    o->len = 0;
}

static void out_put(json_out *o, const void *p, size_t n) {
    if (o->len + n > JSON_BUF) {
        out_flush(o);
        if (n > JSON_BUF) {
            if (fwrite(p, 1, n, o->f) != n) o->failed = 1;
            return;
        }
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

/* Appends the escaped string str. */
static void json_put_string(json_out *o, const char *str) {
    const unsigned char *s = (const unsigned char *)str;
    out_put(o, "\"", 1);
    for (;;) {
        const unsigned char *start = s;
        while (json_plain(*s)) s++;
        if (s > start) out_put(o, start, (size_t)(s - start));
        unsigned c = *s;
        if (c == 0) break;
        char esc[8];
        switch (c) {
        case '"': out_put(o, "\\\"", 2); break;
        case '\\': out_put(o, "\\\\", 2); break;
        case '\b': out_put(o, "\\b", 2); break;
        case '\f': out_put(o, "\\f", 2); break;
        case '\n': out_put(o, "\\n", 2); break;
        case '\r': out_put(o, "\\r", 2); break;
        case '\t': out_put(o, "\\t", 2); break;
        default: snprintf(esc, sizeof esc, "\\u%04x", c), out_put(o, esc, 6);
        }
        s++;
    }
    out_put(o, "\"", 1);
}

int tc_json_save_strings(const char *path, const char *const *s, size_t n) {
    json_out o = {0};
    tc_atomic a;
    if (!(o.buf = malloc(JSON_BUF))) return tc_error(TC_ENOMEM, "%s: out of memory", path);
    int rc = tc_atomic_open(&a, path);
    if (rc) {
        free(o.buf);
        return rc;
    }
    o.f = a.f;
    out_put(&o, "[", 1);
    for (size_t i = 0; i < n && !o.failed; i++) {
        if (i) out_put(&o, ",", 1);
        const char *t = s[i] ? s[i] : "";
        size_t len = strlen(t);
        if (tc_utf8_invalid(t, len)) {
            char *fixed = tc_utf8_repair(t, len);
            if (!fixed) {
                rc = tc_error(TC_ENOMEM, "%s: out of memory", path);
                break;
            }
            json_put_string(&o, fixed);
            free(fixed);
        } else {
            json_put_string(&o, t);
        }
    }
    out_put(&o, "]", 1);
    out_flush(&o);
    int err = errno;
    free(o.buf);
    if (!rc && o.failed) rc = tc_error(TC_EIO, "%s: write failed: %s", path, strerror(err));
    if (rc) {
        tc_atomic_abort(&a);
        return rc;
    }
    return tc_atomic_commit(&a);
}

/* ---------------------------------------------------------------- reading */

int tc_json_load_strings(const char *path, char ***s, size_t *n) {
    *s = NULL, *n = 0;
    char *data;
    size_t len;
    int rc = tc_read_file(path, &data, &len);
    if (rc) return rc;
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
