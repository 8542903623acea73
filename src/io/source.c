/* source.c - chunked reading with gzip decoding (zlib inflate, RFC 1952,
 * concatenated members too) and line splitting for the text readers. The
 * source never seeks, so pipes, FIFOs and /dev/stdin read like files, and
 * gzip is recognised by its magic bytes, not by the name. Before any text
 * is returned the first 4 KiB are checked for binary formats, so a Parquet
 * or .npy file passed as text stops with a message instead of becoming
 * thousands of "lines". A line may be up to max_line bytes: the buffer
 * grows to hold the longest one and stops growing past the limit. */
#include "io/source.h"
#include "io/io.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SOURCE_CHUNK (1u << 20)
#define SOURCE_ZIN (1u << 16)
#define SOURCE_SNIFF 4096 /* bytes checked for binary content */

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---------------------------------------------------------------- binary content */

/* What the first bytes of p say the content is, when it is not text, with
 * the advice to give; NULL for text. */
static const char *binary_kind(const unsigned char *p, size_t n, const char **advice) {
    static const char *decompress = "decompress it first (only gzip is read directly)";
    static const struct { const char *magic; size_t len; const char *what, *advice; } known[] = {
        {"PAR1", 4, "a Parquet file", "Parquet is read from a regular file or folder (it is read "
                                      "from its end, so not from a pipe) with the format picked "
                                      "by name or content"},
        {"\x93NUMPY", 6, "a NumPy .npy file", "pass precomputed embeddings with --embeddings and "
                                              "texts as JSONL, CSV, TSV or text"},
        {"PK\x03\x04", 4, "a zip archive", "unpack it and pass the files or their folder"},
        {"PK\x05\x06", 4, "a zip archive", "unpack it and pass the files or their folder"},
        {"\xFD" "7zXZ\x00", 6, "an xz-compressed file", NULL},
        {"\x28\xB5\x2F\xFD", 4, "a zstd-compressed file", NULL},
        {"\x04\x22\x4D\x18", 4, "an lz4-compressed file", NULL},
        {"7z\xBC\xAF\x27\x1C", 6, "a 7z archive", "unpack it and pass the files or their folder"},
        {"\x7F" "ELF", 4, "an executable (ELF)", "pass JSONL, CSV, TSV or text"},
        {"%PDF-", 5, "a PDF document", "extract its text first (for example with pdftotext)"},
        {"\xFF\xFE", 2, "UTF-16 text", "convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)"},
        {"\xFE\xFF", 2, "UTF-16 text", "convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)"},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (n >= known[i].len && memcmp(p, known[i].magic, known[i].len) == 0) {
            *advice = known[i].advice ? known[i].advice : decompress;
            return known[i].what;
        }
    /* bzip2: "BZh" and a block size digit, then the block or end-of-stream magic */
    if (n >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9' &&
        (memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
         memcmp(p + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0)) {
        *advice = decompress;
        return "a bzip2-compressed file";
    }
    /* faiss: a fourcc "IxF?" then a little-endian int32 dimension, so NUL bytes follow */
    if (n >= 8 && memcmp(p, "IxF", 3) == 0 && memchr(p + 4, 0, 4)) {
        *advice = "pass a save folder to load, or texts as JSONL, CSV, TSV or text";
        return "a faiss index";
    }
    /* A stray NUL in text is dropped by the reader; many of them mean binary data. */
    size_t nul = 0, m = n < SOURCE_SNIFF ? n : SOURCE_SNIFF;
    for (size_t i = 0; i < m; i++) nul += p[i] == 0;
    if (nul >= 8 && nul * 32 >= m) {
        *advice = "pass JSONL, CSV, TSV or text (UTF-8)";
        return "binary data (NUL bytes at the start)";
    }
    return NULL;
}

static int refuse_binary(const tc_source *s, const unsigned char *p, size_t n, const char *layer) {
    const char *advice, *what = binary_kind(p, n, &advice);
    if (!what) return 0;
    return tc_error(TC_EFORMAT, "%s: this is %s%s, not text; %s", s->path, what, layer, advice);
}

/* ---------------------------------------------------------------- reading */

/* Reads up to n raw bytes; the count (0 at the end) or an error. */
static long raw_read(tc_source *s, void *p, size_t n) {
    if (n > INT_MAX / 2) n = INT_MAX / 2;
    if (s->fd < 0) {
        size_t left = s->mem_len - s->mem_pos;
        if (n > left) n = left;
        if (n) memcpy(p, s->mem + s->mem_pos, n);
        s->mem_pos += n;
        return (long)n;
    }
    ssize_t got;
    do got = read(s->fd, p, n);
    while (got < 0 && errno == EINTR);
    if (got < 0) return tc_error(TC_EIO, "%s: read failed: %s", s->path, strerror(errno));
    return (long)got;
}

/* Reads until n bytes or the end; the count or an error. */
static long raw_read_full(tc_source *s, unsigned char *p, size_t n) {
    size_t have = 0;
    while (have < n) {
        long got = raw_read(s, p + have, n - have);
        if (got < 0) return got;
        if (got == 0) { s->raw_eof = 1; break; }
        have += (size_t)got;
    }
    return (long)have;
}

/* Inflates up to n bytes into p; the count (0 at the end) or an error. */
static long gz_read(tc_source *s, char *p, size_t n) {
    z_stream *z = &s->z;
    z->next_out = (unsigned char *)p;
    z->avail_out = (unsigned)(n > UINT_MAX ? UINT_MAX : n);
    while (z->avail_out == (unsigned)(n > UINT_MAX ? UINT_MAX : n)) {
        if (z->avail_in == 0 && !s->raw_eof) {
            long got = raw_read(s, s->zin, SOURCE_ZIN);
            if (got < 0) return got;
            if (got == 0) s->raw_eof = 1;
            z->next_in = s->zin, z->avail_in = (unsigned)got;
        }
        if (!s->z_live) { /* after a member: another one follows only with the magic */
            if (z->avail_in == 0 && s->raw_eof) break;
            if (z->avail_in < 2 && !s->raw_eof) { /* too few bytes to see the magic */
                memmove(s->zin, z->next_in, z->avail_in);
                long got = raw_read(s, s->zin + z->avail_in, SOURCE_ZIN - z->avail_in);
                if (got < 0) return got;
                if (got == 0) s->raw_eof = 1;
                z->next_in = s->zin, z->avail_in += (unsigned)got;
                continue;
            }
            if (z->avail_in < 2 || z->next_in[0] != 0x1f || z->next_in[1] != 0x8b) break;
            if (inflateReset(z) != Z_OK) return tc_error(TC_EFORMAT, "%s: gzip: bad stream", s->path);
            s->z_live = 1;
        }
        int zr = inflate(z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) s->z_live = 0;
        else if (zr == Z_MEM_ERROR) return tc_error(TC_ENOMEM, "%s: gzip: out of memory", s->path);
        else if (zr == Z_DATA_ERROR || zr == Z_NEED_DICT || zr == Z_STREAM_ERROR)
            return tc_error(TC_EFORMAT, "%s: gzip: %s", s->path, z->msg ? z->msg : "invalid data");
        else if (zr == Z_BUF_ERROR && z->avail_in == 0 && s->raw_eof)
            return tc_error(TC_EFORMAT, "%s: gzip: unexpected end of file", s->path);
    }
    return (long)((n > UINT_MAX ? UINT_MAX : n) - z->avail_out);
}

static long source_read(tc_source *s, char *p, size_t n) {
    if (n > INT_MAX / 2) n = INT_MAX / 2;
    return s->gzip ? gz_read(s, p, n) : raw_read(s, p, n);
}

/* ---------------------------------------------------------------- opening */

/* Reads the first bytes, picks plain or gzip, and refuses binary content. */
static int source_start(tc_source *s) {
    s->cap = SOURCE_CHUNK;
    if (!(s->buf = malloc(s->cap)) || !(s->zin = malloc(SOURCE_ZIN)))
        return tc_error(TC_ENOMEM, "%s: out of memory", s->path);
    long got = raw_read_full(s, s->zin, SOURCE_SNIFF);
    if (got < 0) return (int)got;
    size_t head = (size_t)got;
    s->gzip = head >= 2 && s->zin[0] == 0x1f && s->zin[1] == 0x8b;
    if (ends_with(s->path, ".gz") && !s->gzip)
        return tc_error(TC_EFORMAT, "%s: named .gz but not gzip-compressed (no 1f 8b magic); "
                        "rename it without .gz if it is plain text", s->path);
    if (!s->gzip) {
        int rc = refuse_binary(s, s->zin, head, "");
        if (rc) return rc;
        memcpy(s->buf, s->zin, head);
        s->end = head;
        if (head == 0) s->eof = 1;
        return 0;
    }
    if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
        return tc_error(TC_ENOMEM, "%s: cannot start gzip decompression", s->path);
    s->z_live = 1;
    s->z.next_in = s->zin, s->z.avail_in = (unsigned)head;
    while (s->end < SOURCE_SNIFF) { /* the decoded head, for the binary check */
        long n = gz_read(s, s->buf + s->end, SOURCE_SNIFF - s->end);
        if (n < 0) return (int)n;
        if (n == 0) { s->eof = 1; break; }
        s->end += (size_t)n;
    }
    return refuse_binary(s, (unsigned char *)s->buf, s->end, " (inside gzip)");
}

static int source_init(tc_source *s, const char *path, size_t max_line) {
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->max_line = max_line;
    if (!(s->path = tc_strdup(path))) return tc_error(TC_ENOMEM, "%s: out of memory", path);
    return 0;
}

int tc_source_open(tc_source *s, const char *path, size_t max_line) {
    int rc = source_init(s, path, max_line);
    if (rc) return rc;
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (s->fd < 0)
        rc = tc_error(errno == ENOENT ? TC_ENOTFOUND : TC_EIO, "%s: %s", path, strerror(errno));
    else if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode))
        rc = tc_error(TC_EIO, "%s: %s", path, strerror(EISDIR));
    else
        rc = source_start(s);
    if (rc) tc_source_close(s);
    return rc;
}

int tc_source_open_mem(tc_source *s, const char *name, const void *data, size_t len,
                       size_t max_line) {
    int rc = source_init(s, name, max_line);
    if (rc) return rc;
    s->mem = data, s->mem_len = data ? len : 0;
    if ((rc = source_start(s))) tc_source_close(s);
    return rc;
}

/* ---------------------------------------------------------------- lines */

static int line_too_long(const tc_source *s) {
    return tc_error(TC_EFORMAT, "%s:%zu: line longer than %zu bytes, the longest record read; "
                    "split it, or raise the limit (16 x max_text_bytes)", s->path, s->line + 1,
                    s->max_line);
}

int tc_source_line(tc_source *s, char **line, size_t *len) {
    for (;;) {
        char *nl = s->scan < s->end ? memchr(s->buf + s->scan, '\n', s->end - s->scan) : NULL;
        if (nl || (s->eof && s->beg < s->end)) {
            char *p = s->buf + s->beg;
            size_t n = nl ? (size_t)(nl - p) : s->end - s->beg;
            if (s->max_line && n > s->max_line) return line_too_long(s);
            p[n] = 0; /* the '\n', or the spare byte kept after end */
            s->line_off = s->base + s->beg;
            s->beg = s->scan = s->beg + n + (nl != NULL);
            if (++s->line == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3, n -= 3;
            *line = p, *len = n;
            return 1;
        }
        if (s->eof) return 0;
        if (s->beg > 0) { /* keep only the unfinished line */
            memmove(s->buf, s->buf + s->beg, s->end - s->beg);
            s->base += s->beg;
            s->end -= s->beg, s->beg = 0;
        }
        if (s->max_line && s->end > s->max_line) return line_too_long(s); /* stop buffering */
        s->scan = s->end;
        if (s->cap - s->end < SOURCE_CHUNK / 2) {
            char *nb = realloc(s->buf, s->cap * 2);
            if (!nb) return tc_error(TC_ENOMEM, "%s:%zu: out of memory (line longer than %zu bytes)",
                                     s->path, s->line + 1, s->end);
            s->buf = nb, s->cap *= 2;
        }
        long got = source_read(s, s->buf + s->end, s->cap - 1 - s->end);
        if (got < 0) return (int)got;
        if (got == 0) s->eof = 1;
        s->end += (size_t)got;
    }
}

/* ---------------------------------------------------------------- positions */

unsigned long long tc_source_offset(const tc_source *s) { return s->base + s->beg; }

int tc_source_seek(tc_source *s, unsigned long long off, size_t line) {
    if (off < tc_source_offset(s))
        return tc_error(TC_EINVAL, "%s: cannot seek back to byte %llu", s->path, off);
    struct stat st;
    if (!s->gzip && s->fd >= 0 && fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode) &&
        off > s->base + s->end) {
        if ((unsigned long long)st.st_size < off)
            return tc_error(TC_EFORMAT, "%s: %llu bytes, shorter than the position %llu", s->path,
                            (unsigned long long)st.st_size, off);
        if (lseek(s->fd, (off_t)off, SEEK_SET) < 0)
            return tc_error(TC_EIO, "%s: seek: %s", s->path, strerror(errno));
        s->base = off, s->beg = s->end = s->scan = 0, s->eof = 0;
    }
    while (s->base + s->end < off) { /* decode and drop */
        if (s->eof)
            return tc_error(TC_EFORMAT, "%s: %llu bytes, shorter than the position %llu", s->path,
                            s->base + s->end, off);
        s->base += s->end, s->beg = s->end = s->scan = 0;
        long got = source_read(s, s->buf, s->cap - 1);
        if (got < 0) return (int)got;
        if (got == 0) s->eof = 1;
        s->end = (size_t)got;
    }
    s->beg = s->scan = (size_t)(off - s->base);
    s->line = line;
    return 0;
}

int tc_source_size(const char *path, unsigned long long *size) {
    tc_source s;
    int rc = tc_source_open(&s, path, 0);
    if (rc) return rc;
    struct stat st;
    if (!s.gzip && fstat(s.fd, &st) == 0 && S_ISREG(st.st_mode)) {
        *size = (unsigned long long)st.st_size;
    } else {
        unsigned long long n = s.end;
        while (!s.eof) {
            long got = source_read(&s, s.buf, s.cap - 1);
            if (got < 0) { tc_source_close(&s); return (int)got; }
            if (got == 0) s.eof = 1;
            n += (unsigned long long)got;
        }
        *size = n;
    }
    tc_source_close(&s);
    return 0;
}

void tc_source_close(tc_source *s) {
    if (s->gzip) inflateEnd(&s->z);
    if (s->fd >= 0) close(s->fd);
    free(s->buf);
    free(s->zin);
    free(s->path);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}
