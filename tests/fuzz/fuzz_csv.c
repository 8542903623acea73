/* fuzz_csv.c - CSV and TSV texts (src/io/reader.c, source.c). The first
 * byte picks the dialect (bit 0: TSV) and whether an id column is asked
 * for (bit 1); the rest is the file, gzip when it starts with 1f 8b. */
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    fuzz_read(data + 1, size - 1, data[0] & 1 ? TC_FMT_TSV : TC_FMT_CSV, data[0] & 2 ? NULL : "id");
    return 0;
}
