/* fuzz_npy.c - the .npy reader (src/io/npy.c): every input is loaded both
 * as a float matrix (embeddings, projections) and as an integer vector
 * (cluster labels), as load does with a save folder's three arrays. */
#include "fuzz.h"
#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    const char *path = fuzz_memfile(0, data, size);
    float *x;
    size_t rows, cols, n;
    if (tc_npy_load_f32(path, &x, &rows, &cols) == 0) {
        /* the last value must be readable: rows * cols is what was read */
        if (rows && cols && x[rows * cols - 1] == 12345.678f) fuzz_init();
        free(x);
    }
    int64_t *v;
    if (tc_npy_load_i64(path, &v, &n) == 0) {
        if (n && v[n - 1] == 12345) fuzz_init();
        free(v);
    }
    return 0;
}
