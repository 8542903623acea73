/* term.c - makes untrusted text safe to print on a terminal.
 *
 * Cluster names come from an LLM or from a save folder someone sent;
 * texts, field values and file names come from the input. Printed raw, an
 * ESC or CSI byte in them is a command to the terminal (OSC 52 writes the
 * clipboard, others retitle the window or move the cursor and hide lines).
 * Every such string goes through cli_term_escape before it is printed:
 * C0 controls, DEL and bytes that are not valid UTF-8 become \xNN, the C1
 * controls (U+0080..U+009F, which some terminals obey) and the bidi
 * overrides (which reorder what the reader sees) become \uNNNN. */
#include "cli/cli.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_bidi_control(uint32_t cp) {
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
           cp == 0x200F || cp == 0x061C;
}

static uint32_t decode(const unsigned char *s, size_t len) {
    if (len == 1) return s[0];
    if (len == 2) return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    if (len == 3) return (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
           (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

static void term_escape_sb(tc_sb *b, const char *str) {
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    size_t left = strlen((const char *)s);
    while (left > 0) {
        size_t len = tc_utf8_seq(s, left);
        char esc[16];
        if (len == 0) {
            snprintf(esc, sizeof esc, "\\x%02x", s[0]);
            tc_sb_puts(b, esc);
            s++, left--;
            continue;
        }
        uint32_t cp = decode(s, len);
        if (cp < 0x20 || cp == 0x7F) {
            snprintf(esc, sizeof esc, "\\x%02x", (unsigned)cp);
            tc_sb_puts(b, esc);
        } else if ((cp >= 0x80 && cp <= 0x9F) || is_bidi_control(cp)) {
            snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
            tc_sb_puts(b, esc);
        } else {
            tc_sb_append(b, (const char *)s, len);
        }
        s += len, left -= len;
    }
}

char *cli_term_escape(const char *s) {
    tc_sb b = {0};
    tc_sb_puts(&b, "");
    term_escape_sb(&b, s);
    if (b.oom) {
        tc_sb_free(&b);
        return NULL;
    }
    return b.s;
}

void cli_term_fputs(const char *s, FILE *f) {
    char *e = cli_term_escape(s);
    fputs(e ? e : "(out of memory)", f);
    free(e);
}

void cli_term_printf(FILE *f, const char *fmt, ...) {
    tc_sb b = {0};
    va_list ap;
    va_start(ap, fmt);
    char small[512];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    char *msg = small;
    if ((size_t)n >= sizeof small) {
        if (!(msg = malloc((size_t)n + 1))) { fputs("(out of memory)", f); return; }
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    /* the format's own final newline is ours, not the text's */
    size_t len = (size_t)n;
    int newline = len > 0 && msg[len - 1] == '\n';
    if (newline) msg[len - 1] = 0;
    tc_sb_puts(&b, "");
    term_escape_sb(&b, msg);
    if (msg != small) free(msg);
    fputs(!b.oom ? b.s : "(out of memory)", f);
    if (newline) fputc('\n', f);
    tc_sb_free(&b);
}
