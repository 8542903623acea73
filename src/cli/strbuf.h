/* strbuf.h - the command's growable string, for messages and file names. */
#ifndef TC_CLI_STRBUF_H
#define TC_CLI_STRBUF_H

#include <stddef.h>

/* A NUL-terminated byte string. Zero-initialise, append, then take .s
 * (malloc'd, the caller's; NULL while nothing was appended) or free it
 * with cli_sb_free. When an allocation fails .oom is set and later
 * appends do nothing, so a caller checks once at the end. */
typedef struct cli_sb {
    char *s;
    size_t len, cap;
    int oom;
} cli_sb;

void cli_sb_append(cli_sb *b, const char *s, size_t n);
void cli_sb_puts(cli_sb *b, const char *s);
void cli_sb_printf(cli_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_sb_free(cli_sb *b);

#endif
