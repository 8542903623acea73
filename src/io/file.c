/* file.c - whole-file reading and UTF-8 validation/repair (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF). Texts are C
 * strings, so a NUL byte counts as invalid too: it would cut the text. */
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

/* ---------------------------------------------------------------- UTF-8 */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if s[0] starts none. */
static size_t utf8_seq(const unsigned char *s, size_t left) {
    unsigned c = s[0];
    if (c >= 0x01 && c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return left >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;  /* overlong */
        if (c == 0xED && s[1] >= 0xA0) return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;  /* overlong */
        if (c == 0xF4 && s[1] >= 0x90) return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

/* True when the 8 bytes are all ASCII and none is NUL. */
static inline int ascii8(const unsigned char *s) {
    uint64_t v;
    memcpy(&v, s, 8);
    uint64_t zero = (v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL;
    return ((v & 0x8080808080808080ULL) | zero) == 0;
}

size_t tc_utf8_invalid(const char *str, size_t len) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, bad = 0;
    while (i < len) {
        if (i + 8 <= len && ascii8(s + i)) {
            i += 8;
            continue;
        }
        size_t k = utf8_seq(s + i, len - i);
        if (k) i += k;
        else i++, bad++;
    }
    return bad;
}

char *tc_utf8_repair(const char *str, size_t len) {
    const unsigned char *s = (const unsigned char *)str;
    size_t bad = tc_utf8_invalid(str, len);
    char *out = malloc(len + 2 * bad + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq(s + i, len - i);
        if (k) {
            memcpy(o, s + i, k);
            o += k, i += k;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3); /* U+FFFD */
            o += 3, i++;
        }
    }
    *o = 0;
    return out;
}
