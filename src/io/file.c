/* file.c - whole-file reading. */
#include "io/io.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- files */

int tc_read_file(const char *path, char **data, size_t *len) {
    *data = NULL;
    if (len) *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return tc_error(errno == ENOENT ? TC_ENOTFOUND : TC_EIO, "%s: %s", path, strerror(errno));
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
