/* source.h - a byte source for the text readers: one file, plain or gzip
 * (detected by content), read in large chunks and split into lines.
 * Private to src/io/. */
#ifndef TC_IO_SOURCE_H
#define TC_IO_SOURCE_H

#include <stddef.h>
#include <zlib.h>

typedef struct {
    char *path;     /* as shown in messages */
    int fd;
    gzFile gz;      /* non-NULL when the content is gzip */
    char *buf;      /* (cap) bytes [beg, end) not yet returned */
    size_t cap, beg, end, scan;
    int eof;
    size_t line;    /* 1-based number of the line last returned */
} tc_source;

/* Opens path. A name ending in .gz must hold gzip data (else TC_EFORMAT);
 * any other name is decompressed too when its content starts with the gzip
 * magic. */
int tc_source_open(tc_source *s, const char *path);

/* Returns the next line (without '\n', NUL-terminated in place; a leading
 * UTF-8 byte order mark on line 1 removed) in *line / *len. Returns 1, 0 at
 * the end, or a negative error. The line lives until the next call. */
int tc_source_line(tc_source *s, char **line, size_t *len);

void tc_source_close(tc_source *s);

#endif
