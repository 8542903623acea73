/* reader.h - the body shared by the text-reader targets: the input is one
 * file (plain, or gzip when it starts with 1f 8b) read by tc_reader in
 * small batches, as the pipeline streams it, once from a file and once from
 * memory. A small text limit (100 bytes, records 1,600) lets short inputs
 * reach the cutting and refusing paths. */
#ifndef TC_FUZZ_READER_H
#define TC_FUZZ_READER_H

#include "fuzz.h"
#include "io/io.h"

static void fuzz_drain(tc_reader *r) {
    for (;;) {
        tc_textset batch = {0};
        long got = tc_reader_next(r, 3, &batch);
        /* touch every string so a dangling or unterminated one shows */
        size_t sum = 0;
        for (size_t i = 0; i < batch.n; i++) {
            sum += strlen(batch.texts[i]);
            if (batch.ids && batch.ids[i]) sum += strlen(batch.ids[i]);
        }
        if (sum == (size_t)-1) abort();
        tc_textset_free(&batch);
        if (got <= 0) break;
    }
    tc_reader_close(r);
}

static void fuzz_read(const uint8_t *data, size_t size, int format, const char *id_field) {
    fuzz_init();
    tc_reader_opts small = {.max_text_bytes = 100};
    const char *path = fuzz_memfile(0, data, size);
    tc_reader *r;
    if (tc_reader_open_opts(path, format, "text", id_field, &small, &r) == 0) fuzz_drain(r);
    if (tc_reader_open_mem("fuzz", data, size, format, "text", id_field, NULL, &r) == 0) fuzz_drain(r);
}

#endif
