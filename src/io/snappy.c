/* snappy.c - decoder of the Snappy raw block format (Parquet's SNAPPY
 * codec): a varint length, then literals and back-references. Every
 * length and offset is checked against the input and the output. */
#include "io/parquet.h"

#include <stdint.h>
#include <string.h>

/* Elements are short (a copy is at most 64 bytes, most literals are under
 * 16), so a call to memcpy of a variable size per element is most of the
 * time. Away from the ends of the buffers the copies below move fixed
 * 16-byte blocks instead, writing up to 15 bytes past the element, which
 * the next element overwrites. */
#define SLACK 80

/* len bytes from out[o - off] to out[o]; off <= o, checked. */
static void copy_back(unsigned char *out, size_t o, size_t off, size_t len, size_t out_len) {
    unsigned char *dst = out + o;
    const unsigned char *src = dst - off;
    if (off >= 16 && out_len - o >= SLACK) {
        for (size_t k = 0; k < len; k += 16) memcpy(dst + k, src + k, 16);
        return;
    }
    /* off < len: a repeated pattern; copied in steps of off bytes, each of
     * them non-overlapping */
    while (len > off) {
        memcpy(dst, src, off);
        dst += off, len -= off;
    }
    memcpy(dst, src, len);
}

int tc_snappy_decode(const unsigned char *in, size_t n, unsigned char *out, size_t out_len) {
    size_t i = 0, o = 0;
    uint64_t want = 0;
    for (int shift = 0;; shift += 7) {
        if (i >= n || shift > 35) return -1;
        unsigned char b = in[i++];
        want |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
    }
    if (want != out_len) return -1;
    while (i < n) {
        unsigned tag = in[i++];
        size_t len, off = 0;
        if ((tag & 3) == 0) { /* literal */
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
            if (len <= 16 && n - i >= 16 && out_len - o >= SLACK) memcpy(out + o, in + i, 16);
            else memcpy(out + o, in + i, len);
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
        copy_back(out, o, off, len, out_len);
        o += len;
    }
    return o == out_len ? 0 : -1;
}
