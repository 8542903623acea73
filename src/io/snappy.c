/* snappy.c - decoder of the Snappy raw block format (Parquet's SNAPPY
 * codec): a varint length, then literals and back-references. Every
 * length and offset is checked against the input and the output. */
#include "io/parquet.h"

#include <stdint.h>
#include <string.h>

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
        for (size_t k = 0; k < len; k++, o++) out[o] = out[o - off]; /* may overlap */
    }
    return o == out_len ? 0 : -1;
}
