/* file.c - whole-file reading. */
#include "io/io.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- files */

/* A save folder is untrusted: a FIFO in it would block fopen() for ever and
 * /dev/zero would fill memory, so its files are opened without blocking and
 * refused unless they are plain files (a symlink to a plain file is fine). */
int tc_fopen_regular(const char *path, const char *hint, FILE **f) {
    *f = NULL;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return tc_error(errno == ENOENT ? TC_ENOTFOUND : TC_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int isdir = S_ISDIR(st.st_mode);
        close(fd);
        if (isdir) return tc_error(TC_EIO, "%s: %s", path, strerror(EISDIR));
        return tc_error(TC_EFORMAT, "%s: not a regular file%s%s", path, hint ? "; " : "", hint ? hint : "");
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl != -1) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    if (!(*f = fdopen(fd, "rb"))) {
        int err = errno;
        close(fd);
        return tc_error(TC_EIO, "%s: %s", path, strerror(err));
    }
    return 0;
}

static int read_stream(FILE *f, const char *path, char **data, size_t *len);

int tc_read_file(const char *path, char **data, size_t *len) {
    *data = NULL;
    if (len) *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return tc_error(errno == ENOENT ? TC_ENOTFOUND : TC_EIO, "%s: %s", path, strerror(errno));
    return read_stream(f, path, data, len);
}

int tc_read_regular_file(const char *path, char **data, size_t *len) {
    *data = NULL;
    if (len) *len = 0;
    FILE *f;
    int rc = tc_fopen_regular(path, "a save folder holds plain files", &f);
    if (rc) return rc;
    return read_stream(f, path, data, len);
}

static int read_stream(FILE *f, const char *path, char **data, size_t *len) {
    struct stat st;
    size_t cap = 1 << 16, n = 0;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return tc_error(TC_EIO, "%s: %s", path, strerror(EISDIR));
    }
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) cap = (size_t)st.st_size + 1;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return tc_error(TC_ENOMEM, "%s: out of memory (%zu bytes)", path, cap);
    }
    for (;;) {
        if (n + 1 >= cap) { /* the file grew, or is a pipe */
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf), fclose(f);
                return tc_error(TC_ENOMEM, "%s: out of memory", path);
            }
            buf = nb, cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        int err = errno;
        free(buf), fclose(f);
        return tc_error(TC_EIO, "%s: read failed: %s", path, strerror(err));
    }
    fclose(f);
    buf[n] = 0;
    *data = buf;
    if (len) *len = n;
    return 0;
}
