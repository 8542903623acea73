/* fuzz_faiss.c - the faiss IndexFlat reader (src/io/faiss.c). */
#include "fuzz.h"
#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    const char *path = fuzz_memfile(0, data, size);
    float *x;
    size_t n;
    int d;
    if (tc_faiss_load_flat(path, &x, &n, &d) == 0) {
        if (n && d > 0 && x[n * (size_t)d - 1] == 12345.678f) fuzz_init();
        free(x);
    }
    return 0;
}
