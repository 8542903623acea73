/* fuzz_parquet.c - Parquet texts (src/io/parquet.c, snappy.c): the input
 * is one file, read with text column "text" and id column "id", once from
 * a file and once from memory, in small batches. */
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_read(data, size, TC_FMT_PARQUET, "id");
    return 0;
}
