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
#include "cli/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_bidi_control(uint32_t cp) {
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
           cp == 0x200F || cp == 0x061C;
}

/* Length (1..4) of the valid UTF-8 sequence at s (left bytes), or 0 when
 * none starts there: RFC 3629, so no overlong form, no surrogate, nothing
 * above U+10FFFF; a NUL byte counts as invalid (texts are C strings). */
static size_t utf8_len(const unsigned char *s, size_t left) {
    unsigned c = s[0];
    size_t n = c >= 0x01 && c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2
             : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n <= 1) return n;
    if (left < n) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    /* the second byte's range rules out the overlong, surrogate and too-large forms */
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return n;
}

static uint32_t decode(const unsigned char *s, size_t len) {
    if (len == 1) return s[0];
    if (len == 2) return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    if (len == 3) return (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
           (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

static void term_escape_sb(cli_sb *b, const char *str) {
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    size_t left = strlen((const char *)s);
    while (left > 0) {
        size_t len = utf8_len(s, left);
        char esc[16];
        if (len == 0) {
            snprintf(esc, sizeof esc, "\\x%02x", s[0]);
            cli_sb_puts(b, esc);
            s++, left--;
            continue;
        }
        uint32_t cp = decode(s, len);
        if (cp < 0x20 || cp == 0x7F) {
            snprintf(esc, sizeof esc, "\\x%02x", (unsigned)cp);
            cli_sb_puts(b, esc);
        } else if ((cp >= 0x80 && cp <= 0x9F) || is_bidi_control(cp)) {
            snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
            cli_sb_puts(b, esc);
        } else {
            cli_sb_append(b, (const char *)s, len);
        }
        s += len, left -= len;
    }
}

char *cli_term_escape(const char *s) {
    cli_sb b = {0};
    cli_sb_puts(&b, "");
    term_escape_sb(&b, s);
    if (b.oom) {
        cli_sb_free(&b);
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
    cli_sb b = {0};
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
    cli_sb_puts(&b, "");
    term_escape_sb(&b, msg);
    if (msg != small) free(msg);
    fputs(!b.oom ? b.s : "(out of memory)", f);
    if (newline) fputc('\n', f);
    cli_sb_free(&b);
}
