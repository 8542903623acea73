/* test_snappy.c - our Snappy raw block decoder (src/io/snappy.c) against
 * libsnappy, the format's reference implementation: blocks libsnappy
 * compressed (random bytes, repetitive text, short period runs, sizes
 * around the decoder's fast-loop edges) must decode to the original, and
 * damaged blocks (truncated, a byte changed, a wrong length, hand-made
 * hostile elements) must either fail or decode to what libsnappy makes of
 * them, never read or write outside the buffers (run under make asan). */
#include "check.h"
#include "io/parquet.h"

#include <snappy-c.h>
#include <stdint.h>
#include <stdlib.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* src[0..n) of a kind: 0 random, 1 words (text-like), 2 a short period */
static void fill(unsigned char *s, size_t n, int kind) {
    static const char *words[] = {"the ", "cluster ", "of ", "texts ", "Parquet ", "é ", "12345 ", "\n"};
    unsigned period = 1 + next() % 15;
    for (size_t i = 0; i < n;) {
        if (kind == 0) s[i++] = (unsigned char)next();
        else if (kind == 2) s[i] = i < period ? (unsigned char)next() : s[i - period], i++;
        else {
            const char *w = words[next() % 8];
            for (; *w && i < n; w++) s[i++] = (unsigned char)*w;
        }
    }
}

/* ours on in[0..n) agrees with libsnappy: both fail, or both give the same
 * out_len bytes */
static void agree(const unsigned char *in, size_t n, size_t out_len, const char *what) {
    unsigned char *a = malloc(out_len + 1), *b = malloc(out_len + 1);
    size_t got = out_len;
    int ref = snappy_uncompress((const char *)in, n, (char *)b, &got) == SNAPPY_OK && got == out_len;
    int ours = tc_snappy_decode(in, n, a, out_len) == 0;
    CHECK_MSG(ours == ref, "%s: ours %d, libsnappy %d (%zu bytes in, %zu out)", what, ours, ref, n, out_len);
    if (ours && ref) CHECK_MSG(memcmp(a, b, out_len) == 0, "%s: bytes differ", what);
    free(a), free(b);
}

int main(void) {
    static const size_t sizes[] = {0, 1, 15, 16, 17, 20, 21, 63, 64, 65, 79, 80, 81, 200, 4096, 65537, 1 << 20};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        for (int kind = 0; kind < 3; kind++) {
            size_t n = sizes[si];
            unsigned char *src = malloc(n + 1), *out = malloc(n + 1);
            fill(src, n, kind);
            size_t cap = snappy_max_compressed_length(n), cn = cap;
            char *c = malloc(cap);
            CHECK(snappy_compress((const char *)src, n, c, &cn) == SNAPPY_OK);
            /* exact fit: the decoder may not write past out_len */
            unsigned char *exact = malloc(n ? n : 1);
            CHECK_MSG(tc_snappy_decode((unsigned char *)c, cn, exact, n) == 0, "size %zu kind %d", n, kind);
            CHECK_MSG(n == 0 || memcmp(exact, src, n) == 0, "size %zu kind %d: bytes differ", n, kind);
            CHECK(tc_snappy_decode((unsigned char *)c, cn, out, n + 1) < 0); /* a wrong length */
            if (n) CHECK(tc_snappy_decode((unsigned char *)c, cn, out, n - 1) < 0);
            for (size_t cut = 0; cut < cn; cut += 1 + cn / 50) /* truncated */
                CHECK_MSG(tc_snappy_decode((unsigned char *)c, cut, exact, n) < 0, "cut at %zu of %zu", cut, cn);
            for (int k = 0; k < 40 && cn > 1; k++) { /* one byte changed */
                size_t at = 1 + next() % (cn - 1);
                char keep = c[at];
                c[at] = (char)next();
                agree((unsigned char *)c, cn, n, "changed byte");
                c[at] = keep;
            }
            free(src), free(out), free(c), free(exact);
        }
    }
    /* hand-made elements: offset 0, offset before the start, a literal
     * longer than the input, a copy past the output, a 4-byte literal
     * length, an over-long length varint */
    static const struct { unsigned char b[32]; size_t n, out; } bad[] = {
        {{8, 0x0c, 'a', 'b', 'c', 'd', 0x01, 0x00}, 8, 8},           /* copy-1, offset 0 */
        {{8, 0x0c, 'a', 'b', 'c', 'd', 0x01, 0x05}, 8, 8},           /* offset 5 > 4 written */
        {{8, 0x0c, 'a', 'b', 'c', 'd', 0x0e, 0x04, 0x00}, 9, 8},     /* copy-2 of 4: fits */
        {{8, 0x0c, 'a', 'b', 'c', 'd', 0x12, 0x04, 0x00}, 9, 8},     /* copy-2 of 5: past the end */
        {{4, 0x3c, 0x03, 'a', 'b', 'c', 'd'}, 7, 4},                 /* 1-byte literal length */
        {{4, 0xf8, 0xff, 0xff, 0xff, 0xff, 'a'}, 7, 4},              /* 4-byte length, 4 GiB */
        {{0x84, 0x80, 0x80, 0x80, 0x80, 0x00}, 6, 4},                /* a 6-byte varint */
        {{5, 0x0c, 'a', 'b', 'c', 'd', 0x03, 0x04, 0, 0, 0}, 11, 5}, /* copy-4 of 1 */
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) agree(bad[k].b, bad[k].n, bad[k].out, "hand-made");
    unsigned char o[8];
    CHECK(tc_snappy_decode(bad[2].b, bad[2].n, o, 8) == 0 && memcmp(o, "abcdabcd", 8) == 0);
    CHECK(tc_snappy_decode(bad[0].b, bad[0].n, o, 8) < 0);
    CHECK(tc_snappy_decode(bad[5].b, bad[5].n, o, 4) < 0);
    /* an empty block with a literal of 0xffffffff + 1 bytes: libsnappy's
     * 32-bit sum makes it 0 and accepts the block; ours rejects it (found
     * by fuzz_snappy, which therefore checks only what ours accepts) */
    static const unsigned char wrap[] = {0, 0xfc, 0xff, 0xff, 0xff, 0xff};
    CHECK(tc_snappy_decode(wrap, sizeof wrap, o, 0) < 0);
    return check_report("test_snappy");
}
