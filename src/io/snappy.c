/* snappy.c - decoder of the Snappy raw block format (Parquet's SNAPPY
 * codec): a varint of the decoded length, then elements, each a tag byte
 * whose low two bits say what follows: 0 a literal (length in the tag, or
 * in 1 to 4 bytes after it), 1 a copy of 4 to 11 bytes with an 11-bit
 * offset, 2 and 3 copies of 1 to 64 bytes with 2- and 4-byte offsets. Every
 * length and offset is checked against the input and the output.
 *
 * Most elements are short (a literal under 16 bytes, a copy of at most 64),
 * so a memcpy call of variable size per element would be most of the time
 * (Debian's libsnappy spends 40% of a text column in memmove). Away from
 * the ends of both buffers the loop below moves fixed 16-byte blocks (8 for
 * copies whose offset is under 16), writing up to 15 bytes past the element,
 * which later elements overwrite; near the ends every byte is exact. */
#include "io/parquet.h"

#include <stdint.h>
#include <string.h>

#define IN_SLACK 21  /* a tag, 4 length or offset bytes and a 16-byte literal block */
#define OUT_SLACK 80 /* a 64-byte copy in 16-byte blocks and a block past it */

/* len bytes to out + o from off bytes back, exactly (off <= o, checked). */
static void copy_exact(uint8_t *out, size_t o, size_t off, size_t len) {
    uint8_t *d = out + o;
    const uint8_t *s = d - off;
    for (size_t k = 0; k < len; k++) d[k] = s[k]; /* overlapping: byte by byte */
}

int tc_snappy_decode(const unsigned char *in, size_t n, unsigned char *out, size_t out_len) {
    size_t i = 0, o = 0;
    uint64_t want = 0;
    for (int shift = 0;; shift += 7) {
        if (i >= n || shift > 28) return -1; /* at most 5 bytes: a 32-bit length */
        unsigned char b = in[i++];
        want |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
    }
    if (want != out_len) return -1;
    /* the fast loop: IN_SLACK input bytes and OUT_SLACK output bytes left */
    while (n - i >= IN_SLACK && out_len - o >= OUT_SLACK) {
        unsigned tag = in[i++];
        if ((tag & 3) == 0) {
            size_t len = (tag >> 2) + 1;
            if (len <= 16) { /* one block; i + 16 <= n by the slack */
                memcpy(out + o, in + i, 16);
                i += len, o += len;
                continue;
            }
            if (len > 60) {
                size_t nb = len - 60;
                uint32_t v;
                memcpy(&v, in + i, 4);
                len = (nb == 4 ? v : v & ((1u << (8 * nb)) - 1)) + (size_t)1;
                i += nb;
            }
            if (n - i < len || out_len - o < len) return -1;
            memcpy(out + o, in + i, len);
            i += len, o += len;
            continue;
        }
        size_t len, off;
        if ((tag & 3) == 1) {
            len = ((tag >> 2) & 7) + 4;
            off = ((size_t)(tag >> 5) << 8) | in[i];
            i += 1;
        } else if ((tag & 3) == 2) {
            len = (tag >> 2) + 1;
            off = (size_t)in[i] | (size_t)in[i + 1] << 8;
            i += 2;
        } else {
            uint32_t v;
            memcpy(&v, in + i, 4);
            len = (tag >> 2) + 1, off = v;
            i += 4;
        }
        if (off - 1 >= o) return -1; /* off == 0 or before the start */
        uint8_t *d = out + o;         /* len <= 64 < OUT_SLACK: in the output */
        const uint8_t *s = d - off;
        if (off >= 16) { /* the first block unconditionally: most copies fit in it */
            memcpy(d, s, 16);
            for (size_t k = 16; k < len; k += 16) memcpy(d + k, s + k, 16);
        } else if (off >= 8) { /* each 8-byte block reads bytes already written */
            for (size_t k = 0; k < len; k += 8) memcpy(d + k, s + k, 8);
        } else {
            copy_exact(out, o, off, len);
        }
        o += len;
    }
    /* the ends: every length checked, every byte exact */
    while (i < n) {
        unsigned tag = in[i++];
        size_t len, off = 0;
        if ((tag & 3) == 0) {
            len = tag >> 2;
            if (len >= 60) {
                size_t nb = len - 59;
                if (n - i < nb) return -1;
                len = 0;
                for (size_t k = 0; k < nb; k++) len |= (size_t)in[i + k] << (8 * k);
                i += nb;
            }
            len++;
            if (n - i < len || out_len - o < len) return -1;
            memcpy(out + o, in + i, len);
            i += len, o += len;
            continue;
        }
        if ((tag & 3) == 1) {
            if (n - i < 1) return -1;
            len = ((tag >> 2) & 7) + 4;
            off = ((size_t)(tag >> 5) << 8) | in[i++];
        } else {
            size_t nb = (tag & 3) == 2 ? 2 : 4;
            if (n - i < nb) return -1;
            len = (tag >> 2) + 1;
            for (size_t k = 0; k < nb; k++) off |= (size_t)in[i + k] << (8 * k);
            i += nb;
        }
        if (off == 0 || off > o || out_len - o < len) return -1;
        copy_exact(out, o, off, len);
        o += len;
    }
    return o == out_len ? 0 : -1;
}
