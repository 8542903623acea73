/* text.c - text made safe for the plots: UTF-8 repair and cutting (cairo
 * refuses invalid UTF-8), JSON string literals that cannot end an HTML
 * <script> element (RFC 8259 escapes plus \u003c and friends), and CSV
 * fields (RFC 4180 quoting). */
#include "viz/viz.h"

#include <stdlib.h>
#include <string.h>

char *tc_viz_utf8_clean(const char *s, size_t max_chars) {
    if (!s) s = "";
    size_t n = strlen(s);
    char *out = malloc(3 * n + 1); /* an invalid byte becomes 3 bytes */
    if (!out) return NULL;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    size_t o = 0, chars = 0;
    while (*p && (max_chars == 0 || chars < max_chars)) {
        size_t l = tc_utf8_seq(p, (size_t)(end - p));
        if (l == 0) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            p++;
        } else {
            if (l == 1 && *p < 0x20 && *p != '\n' && *p != '\t') { p++; continue; }
            if (l == 1 && *p == 0x7f) { p++; continue; }
            memcpy(out + o, p, l);
            o += l;
            p += l;
        }
        chars++;
    }
    out[o] = 0;
    return out;
}

void tc_viz_json_string(tc_sb *b, const char *s) {
    static const char hex[] = "0123456789abcdef";
    tc_sb_append(b, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *run = p; /* bytes copied as they are */
    for (; *p; p++) {
        const char *esc = NULL;
        char u[7];
        unsigned c = *p;
        if (c == '"') esc = "\\\"";
        else if (c == '\\') esc = "\\\\";
        else if (c == '\n') esc = "\\n";
        else if (c == '\t') esc = "\\t";
        else if (c == '\r') esc = "\\r";
        else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\'') {
            u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
            u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = 0;
            esc = u;
        } else if (c == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
            esc = p[2] == 0xa8 ? "\\u2028" : "\\u2029";
            tc_sb_append(b, (const char *)run, (size_t)(p - run));
            tc_sb_puts(b, esc);
            p += 2;
            run = p + 1;
            continue;
        }
        if (!esc) continue;
        tc_sb_append(b, (const char *)run, (size_t)(p - run));
        tc_sb_puts(b, esc);
        run = p + 1;
    }
    tc_sb_append(b, (const char *)run, (size_t)(p - run));
    tc_sb_append(b, "\"", 1);
}

void tc_viz_csv_field(tc_sb *b, const char *s) {
    if (!s) s = "";
    if (!strpbrk(s, ",\"\r\n")) { tc_sb_puts(b, s); return; }
    tc_sb_append(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"') tc_sb_append(b, "\"\"", 2);
        else tc_sb_append(b, p, 1);
    }
    tc_sb_append(b, "\"", 1);
}
