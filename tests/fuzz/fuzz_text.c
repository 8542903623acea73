/* fuzz_text.c - plain text, one text a line (src/io/reader.c, source.c);
 * gzip when the input starts with 1f 8b, so corrupt and truncated gzip
 * streams are covered here too. */
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_read(data, size, TC_FMT_TEXT, NULL);
    return 0;
}
