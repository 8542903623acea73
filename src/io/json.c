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
static unsigned char json_plain[256];

static void json_init_table(void) {
    for (int c = 0; c < 256; c++) json_plain[c] = c >= 0x20 && c != '"' && c != '\\';
}

/* Appends the escaped string s to f. */
static void json_put_string(FILE *f, const char *str) {
    const unsigned char *s = (const unsigned char *)str;
    putc('"', f);
    for (;;) {
        const unsigned char *start = s;
        while (json_plain[*s]) s++;
        if (s > start) fwrite(start, 1, (size_t)(s - start), f);
        unsigned c = *s;
        if (c == 0) break;
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default: fprintf(f, "\\u%04x", c);
        }
        s++;
    }
    putc('"', f);
}

int tc_json_save_strings(const char *path, const char *const *s, size_t n) {
    static int inited;
    if (!inited) json_init_table(), inited = 1; /* idempotent, so racing is harmless */
    FILE *f = fopen(path, "wb");
    if (!f) return tc_error(TC_EIO, "%s: %s", path, strerror(errno));
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    putc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i) putc(',', f);
        const char *t = s[i] ? s[i] : "";
        size_t len = strlen(t);
        if (tc_utf8_invalid(t, len)) {
            char *fixed = tc_utf8_repair(t, len);
            if (!fixed) {
                fclose(f);
                return tc_error(TC_ENOMEM, "%s: out of memory", path);
            }
            json_put_string(f, fixed);
            free(fixed);
        } else {
            json_put_string(f, t);
        }
    }
    putc(']', f);
    int ok = !ferror(f), err = errno;
    if (fclose(f) != 0 && ok) ok = 0, err = errno;
    if (!ok) return tc_error(TC_EIO, "%s: write failed: %s", path, strerror(err));
    return 0;
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
