/* fuzz_jsonl.c - JSONL texts (src/io/reader.c, source.c): one JSON object a
 * line, text field "text", id field "id"; gzip when the input is gzip. */
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_read(data, size, TC_FMT_JSONL, "id");
    return 0;
}
