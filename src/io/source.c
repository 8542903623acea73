/* source.c - chunked file reading with transparent gzip (zlib, RFC 1952)
 * and line splitting for the text readers. A line may be any length: the
 * buffer grows to hold the longest one, and no more. */
#include "io/source.h"
#include "io/io.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SOURCE_CHUNK (1u << 20)

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int tc_source_open(tc_source *s, const char *path) {
    memset(s, 0, sizeof *s);
    s->fd = -1;
    if (!(s->path = tc_strdup(path))) return tc_error(TC_ENOMEM, "%s: out of memory", path);
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        int rc = tc_error(errno == ENOENT ? TC_ENOTFOUND : TC_EIO, "%s: %s", path, strerror(errno));
        tc_source_close(s);
        return rc;
    }
    unsigned char magic[2] = {0, 0};
    ssize_t got;
    do got = pread(s->fd, magic, 2, 0);
    while (got < 0 && errno == EINTR);
    if (got < 0) {
        int rc = tc_error(TC_EIO, "%s: %s", path, strerror(errno));
        tc_source_close(s);
        return rc;
    }
    int is_gzip = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (ends_with(path, ".gz") && !is_gzip) {
        tc_source_close(s);
        return tc_error(TC_EFORMAT, "%s: named .gz but not gzip-compressed (no 1f 8b magic); "
                        "rename it without .gz if it is plain text", path);
    }
    if (is_gzip) {
        int fd2 = dup(s->fd);
        if (fd2 < 0 || !(s->gz = gzdopen(fd2, "rb"))) {
            if (fd2 >= 0) close(fd2);
            tc_source_close(s);
            return tc_error(TC_ENOMEM, "%s: cannot start gzip decompression", path);
        }
        gzbuffer(s->gz, 1 << 18);
    }
    s->cap = SOURCE_CHUNK;
    if (!(s->buf = malloc(s->cap))) {
        tc_source_close(s);
        return tc_error(TC_ENOMEM, "%s: out of memory", path);
    }
    return 0;
}

/* zlib's message without the "<fd:N>: " it puts first for gzdopen'ed files. */
static const char *gz_message(gzFile gz, int *zerr) {
    const char *msg = gzerror(gz, zerr);
    if (strncmp(msg, "<fd:", 4) == 0 && strstr(msg, ": ")) msg = strstr(msg, ": ") + 2;
    return msg;
}

/* Reads up to n bytes into p; returns the count (0 at the end) or an error. */
static long source_read(tc_source *s, char *p, size_t n) {
    if (n > INT_MAX / 2) n = INT_MAX / 2;
    if (s->gz) {
        int got = gzread(s->gz, p, (unsigned)n);
        if (got < 0) {
            int zerr;
            const char *msg = gz_message(s->gz, &zerr);
            return tc_error(zerr == Z_MEM_ERROR ? TC_ENOMEM : TC_EFORMAT, "%s: gzip: %s",
                            s->path, zerr == Z_ERRNO ? strerror(errno) : msg);
        }
        int zerr;
        const char *msg = gz_message(s->gz, &zerr);
        if (got == 0 && zerr != Z_OK) /* a truncated stream ends with Z_BUF_ERROR */
            return tc_error(TC_EFORMAT, "%s: gzip: %s", s->path, msg);
        return got;
    }
    ssize_t got;
    do got = read(s->fd, p, n);
    while (got < 0 && errno == EINTR);
    if (got < 0) return tc_error(TC_EIO, "%s: read failed: %s", s->path, strerror(errno));
    return (long)got;
}

int tc_source_line(tc_source *s, char **line, size_t *len) {
    for (;;) {
        char *nl = s->scan < s->end ? memchr(s->buf + s->scan, '\n', s->end - s->scan) : NULL;
        if (nl || (s->eof && s->beg < s->end)) {
            char *p = s->buf + s->beg;
            size_t n = nl ? (size_t)(nl - p) : s->end - s->beg;
            p[n] = 0; /* the '\n', or the spare byte kept after end */
            s->beg = s->scan = s->beg + n + (nl != NULL);
            if (++s->line == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3, n -= 3;
            *line = p, *len = n;
            return 1;
        }
        if (s->eof) return 0;
        if (s->beg > 0) { /* keep only the unfinished line */
            memmove(s->buf, s->buf + s->beg, s->end - s->beg);
            s->end -= s->beg, s->beg = 0;
        }
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

void tc_source_close(tc_source *s) {
    if (s->gz) gzclose_r(s->gz);
    if (s->fd >= 0) close(s->fd);
    free(s->buf);
    free(s->path);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}
