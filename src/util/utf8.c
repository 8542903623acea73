/* utf8.c - UTF-8 checks shared by the readers, the labeller and the plots:
 * validation (RFC 3629: no overlong forms, surrogates or code points above
 * U+10FFFF; NUL counts as invalid since texts are C strings), repair with
 * U+FFFD, and cutting on a character boundary. */
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* See util.h. */
size_t tc_utf8_seq(const unsigned char *s, size_t left) {
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
        size_t k = tc_utf8_seq(s + i, len - i);
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
        size_t k = tc_utf8_seq(s + i, len - i);
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

size_t tc_utf8_cut(const char *s, size_t len, size_t max) {
    if (len <= max) return len;
    size_t cut = max;
    /* back off over continuation bytes (10xxxxxx) to the start of the
     * sequence that would be split; a sequence has at most three, so a
     * longer run is invalid bytes, and backing off over all of it could
     * cut the text to nothing */
    while (cut > 0 && max - cut < 3 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
    return cut;
}

size_t tc_utf8_chars(const char *str, size_t len, size_t max_chars) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    for (size_t c = 0; i < len && c < max_chars; c++) {
        size_t k = tc_utf8_seq(s + i, len - i);
        i += k ? k : 1;   /* an invalid byte counts as one character, as its U+FFFD would */
    }
    return i;
}
