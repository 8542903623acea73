/* strbuf.c - the command's growable string (strbuf.h). */
#include "cli/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more bytes and the NUL; 0, or -1 (oom set). */
static int reserve(cli_sb *b, size_t n) {
    if (b->oom) return -1;
    if (n > (size_t)-1 - b->len - 1) return b->oom = 1, -1;
    size_t need = b->len + n + 1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap > (size_t)-1 / 2 ? need : 2 * cap;
    char *p = realloc(b->s, cap);
    if (!p) return b->oom = 1, -1;
    b->s = p, b->cap = cap;
    return 0;
}

void cli_sb_append(cli_sb *b, const char *s, size_t n) {
    if (reserve(b, n)) return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void cli_sb_puts(cli_sb *b, const char *s) { cli_sb_append(b, s, strlen(s)); }

void cli_sb_printf(cli_sb *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void cli_sb_free(cli_sb *b) {
    free(b->s);
    memset(b, 0, sizeof *b);
}
