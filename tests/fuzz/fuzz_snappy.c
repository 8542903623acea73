/* fuzz_snappy.c - the Snappy raw block decoder (src/io/snappy.c): the
 * input is a block, decoded into a buffer of exactly the length its varint
 * claims (up to 1 MiB) and into one byte less; a sanitizer build catches
 * any read or write outside them, and a block that ours accepts but
 * libsnappy (the format's reference) rejects or decodes differently stops
 * the run. Not the other way: libsnappy takes a literal's 4-byte length
 * 0xffffffff + 1 as 0 (32-bit arithmetic), which ours rejects. */
#include "fuzz.h"
#include "io/parquet.h"

#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    size_t want = 0;
    for (size_t i = 0; i < size && i < 5; i++) {
        want |= (size_t)(data[i] & 0x7f) << (7 * i);
        if (!(data[i] & 0x80)) break;
    }
    if (want > (1u << 20)) want = size * 4;
    unsigned char *out = malloc(want ? want : 1), *ref = malloc(want ? want : 1);
    if (!out || !ref) {
        free(out), free(ref);
        return 0;
    }
    size_t got = want;
    int ours = tc_snappy_decode(data, size, out, want) == 0;
    int theirs = snappy_uncompress((const char *)data, size, (char *)ref, &got) == SNAPPY_OK && got == want;
    if (ours && (!theirs || memcmp(out, ref, want))) __builtin_trap();
    if (want) tc_snappy_decode(data, size, out, want - 1);
    free(out), free(ref);
    return 0;
}
