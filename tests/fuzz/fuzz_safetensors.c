/* fuzz_safetensors.c - the safetensors reader (src/embed/safetensors.c):
 * the input is the whole file, mapped as the encoder maps model.safetensors.
 * Whatever it accepts must describe only bytes inside the mapping: every
 * tensor's range is checked against the shape and read end to end, and each
 * name is found again by lookup. */
#include "fuzz.h"
#include "embed/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init();
    const char *path = fuzz_memfile(0, data, size);
    tc_st_file f;
    if (tc_st_open(path, &f) == 0) {
        for (int i = 0; i < f.n; i++) {
            const tc_st_tensor *t = &f.t[i];
            size_t bytes = (size_t)tc_st_dtype_size(t->dtype);
            for (int d = 0; d < t->ndim; d++)
                if (t->shape[d] < 0 || __builtin_mul_overflow(bytes, (size_t)t->shape[d], &bytes)) abort();
            if (bytes != t->nbytes || t->offset > f.data_size || t->nbytes > f.data_size - t->offset) abort();
            if (tc_st_find(&f, t->name) != t) abort();
            const unsigned char *p = f.data + t->offset;
            volatile float sink = 0;
            for (size_t k = 0; k + 1 < t->nbytes; k += 2) {
                uint16_t h = (uint16_t)(p[k] | p[k + 1] << 8);
                sink += t->dtype == TC_ST_F16 ? tc_st_f16_to_f32(h) : tc_st_bf16_to_f32(h);
            }
            (void)sink;
        }
        if (tc_st_find(&f, "") && f.n == 0) abort();
    }
    tc_st_close(&f);
    return 0;
}
