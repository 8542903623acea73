/* source.h - a byte source for the text readers: one file, a pipe, or a
 * memory buffer, plain or gzip (detected by content), read in chunks and
 * split into lines no longer than a limit. Private to src/io/. */
#ifndef TC_IO_SOURCE_H
#define TC_IO_SOURCE_H

#include <stddef.h>
#include <zlib.h>

typedef struct {
    char *path;                 /* as shown in messages */
    int fd;                     /* -1 for a memory source */
    const unsigned char *mem;   /* (mem_len) a memory source, borrowed */
    size_t mem_len, mem_pos;
    z_stream z;                 /* gzip decoder, when gzip */
    int gzip, z_live;
    unsigned char *zin;         /* (SOURCE_ZIN) compressed bytes for z */
    int raw_eof;
    char *buf;                  /* (cap) decoded bytes [beg, end) not yet returned */
    size_t cap, beg, end, scan;
    int eof;
    size_t line;                /* 1-based number of the line last returned */
    unsigned long long base;    /* decoded offset of buf[0] in the stream */
    unsigned long long line_off; /* decoded offset of the line last returned */
    size_t max_line;            /* longest line accepted, bytes; 0 = no limit */
} tc_source;

/* Opens path (a file, FIFO or character device; never seeks). A name ending
 * in .gz must hold gzip data (else TC_EFORMAT); any content starting with
 * the gzip magic is decompressed. Content that is a known binary format
 * (Parquet, .npy, zip, xz, zstd, bzip2, lz4, 7z, faiss, UTF-16) or holds
 * many NUL bytes in its first 4 KiB (after gzip decoding) is refused
 * with a message naming the format. max_line: see tc_source_line. */
int tc_source_open(tc_source *s, const char *path, size_t max_line);

/* The same over len bytes at data (borrowed until close); name is used in
 * messages. */
int tc_source_open_mem(tc_source *s, const char *name, const void *data, size_t len,
                       size_t max_line);

/* Returns the next line (without '\n', NUL-terminated in place; a leading
 * UTF-8 byte order mark on line 1 removed) in *line / *len. Returns 1, 0 at
 * the end, or a negative error. A line longer than max_line bytes is an
 * error naming its line; no more than about max_line bytes are buffered.
 * The line lives until the next call. */
int tc_source_line(tc_source *s, char **line, size_t *len);

/* Decoded bytes consumed so far: the offset of the next line's start. */
unsigned long long tc_source_offset(const tc_source *s);

/* Moves forward to decoded offset off (>= tc_source_offset, and a line
 * start the caller recorded earlier), the lines before it counted as
 * line. A plain regular file seeks; gzip and pipes decode and drop the
 * bytes before off. An offset past the end is an error. */
int tc_source_seek(tc_source *s, unsigned long long off, size_t line);

/* The decoded size of the file at path: its size when plain, the bytes
 * gzip decodes to (a full pass) when compressed. */
int tc_source_size(const char *path, unsigned long long *size);

void tc_source_close(tc_source *s);

#endif
