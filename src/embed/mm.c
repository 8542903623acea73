/* mm.c - packing of the weights, the per-call driver that converts a in
 * blocks of TC_MM_ROWS rows and hands them to the level's kernel, and the
 * names of the dtypes. See mm.h. */
#include "embed/mm.h"
#include "util/cpu.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const dtype_names[] = {"auto", "fp32", "bf16", "int8"};

const char *tc_dtype_name(int dtype) {
    return dtype >= 0 && dtype <= TC_DTYPE_INT8 ? dtype_names[dtype] : "?";
}

int tc_dtype_by_name(const char *name) {
    for (int d = 0; name && d <= TC_DTYPE_INT8; d++)
        if (strcasecmp(name, dtype_names[d]) == 0) return d;
    return -1;
}

int tc_mm_has(int dtype) {
    return dtype == TC_DTYPE_FP32 || (TC_CPU_X86 && tc_cpu_level() >= TC_CPU_AVX512BF16 &&
                                      (dtype == TC_DTYPE_BF16 || dtype == TC_DTYPE_INT8));
}

void tc_mm_free(tc_mm_w *w) {
    if (!w) return;
    free(w->data);
    free(w->bias);
    free(w->scale);
    free(w->colsum);
    memset(w, 0, sizeof *w);
}

static void *zalloc64(size_t bytes) {
    bytes = (bytes + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p) memset(p, 0, bytes ? bytes : 64);
    return p;
}

int tc_mm_pack(tc_mm_w *w, int dtype, int k, int n, const float *src, size_t sk, size_t sn,
               const float *bias) {
    memset(w, 0, sizeof *w);
    if (k <= 0 || n <= 0 || !src || dtype < TC_DTYPE_FP32 || dtype > TC_DTYPE_INT8)
        return tc_error(TC_EINVAL, "tc_mm_pack: k %d, n %d, dtype %d", k, n, dtype);
    if (!tc_mm_has(dtype)) dtype = TC_DTYPE_FP32;
    w->k = k, w->n = n, w->dtype = dtype, w->level = tc_cpu_level();
    w->kp = (k + TC_MM_KALIGN - 1) / TC_MM_KALIGN * TC_MM_KALIGN;
    w->np = (n + 15) / 16;
    const size_t cols = (size_t)w->np * 16, elem = dtype == TC_DTYPE_FP32 ? 4 : dtype == TC_DTYPE_BF16 ? 2 : 1;
    w->data = zalloc64(cols * (size_t)w->kp * elem);
    w->bias = zalloc64(cols * sizeof(float));
    if (dtype == TC_DTYPE_INT8) {
        w->scale = zalloc64(cols * sizeof(float));
        w->colsum = zalloc64(cols * sizeof(int32_t));
    }
    if (!w->data || !w->bias || (dtype == TC_DTYPE_INT8 && (!w->scale || !w->colsum))) {
        tc_mm_free(w);
        return tc_error(TC_ENOMEM, "out of memory packing a %d x %d weight", k, n);
    }
    if (bias) memcpy(w->bias, bias, (size_t)n * sizeof(float));
    const size_t pstride = (size_t)w->kp * 16;   /* elements per panel */
    for (int j = 0; j < n; j++) {
        const size_t p = (size_t)j / 16 * pstride;
        const int col = j % 16;
        float inv = 0;
        if (dtype == TC_DTYPE_INT8) {
            float amax = 0;
            for (int i = 0; i < k; i++) amax = fmaxf(amax, fabsf(src[(size_t)i * sk + (size_t)j * sn]));
            w->scale[j] = amax / 127.0f;
            inv = amax > 0 ? 127.0f / amax : 0;
        }
        int32_t sum = 0;
        for (int i = 0; i < k; i++) {
            const float x = src[(size_t)i * sk + (size_t)j * sn];
            if (dtype == TC_DTYPE_FP32) {
                ((float *)w->data)[p + (size_t)i * 16 + col] = x;
            } else if (dtype == TC_DTYPE_BF16) {
                ((uint16_t *)w->data)[p + (size_t)(i / 2) * 32 + col * 2 + i % 2] = tc_bf16_round(x);
            } else {
                long q = lrintf(x * inv);
                q = q > 127 ? 127 : q < -127 ? -127 : q;
                ((int8_t *)w->data)[p + (size_t)(i / 4) * 64 + col * 4 + i % 4] = (int8_t)q;
                sum += (int32_t)q;
            }
        }
        if (dtype == TC_DTYPE_INT8) w->colsum[j] = 128 * sum;
    }
    return 0;
}

/* ---------------------------------------------------------------- driver */

/* Plain C conversions, for the levels whose kernels have none of their own
 * (fp32 only: a copy into the zero-padded block). */
static void prep_f32(const tc_mm_w *w, int rows, const float *a, int lda, void *ab, float *sa) {
    (void)sa;
    float *o = ab;
    for (int r = 0; r < rows; r++) memcpy(o + (size_t)r * w->kp, a + (size_t)r * lda, (size_t)w->k * sizeof *o);
}

size_t tc_mm_scratch_size(const tc_mm_w *w) {
    const size_t elem = w->dtype == TC_DTYPE_FP32 ? 4 : w->dtype == TC_DTYPE_BF16 ? 2 : 1;
    return (size_t)TC_MM_ROWS * w->kp * elem;
}

int tc_mm(const tc_mm_w *w, int m, const float *a, int lda, float *c, int ldc, int accumulate, void *scratch) {
    if (m <= 0) return 0;
    tc_mm_kern_fn *kern = NULL;
    tc_mm_prep_fn *prep = prep_f32;
    const int amx = w->level >= TC_CPU_AMX;
    switch (w->dtype) {
    case TC_DTYPE_BF16:
        kern = amx ? tc_mm_bf16_amx : tc_mm_bf16_avx512bf16;
        prep = tc_mm_prep_bf16_avx512bf16;
        break;
    case TC_DTYPE_INT8:
        kern = amx ? tc_mm_int8_amx : tc_mm_int8_avx512bf16;
        prep = tc_mm_prep_int8_avx512bf16;
        break;
    default:
        /* fp32 follows a level lowered after packing (the tests do) */
        kern = w->level >= TC_CPU_AVX512 && tc_cpu_level() >= TC_CPU_AVX512 ? tc_mm_f32_avx512 : tc_mm_f32_baseline;
    }
    void *ab = scratch ? scratch : zalloc64(tc_mm_scratch_size(w));
    if (!ab) return tc_error(TC_ENOMEM, "out of memory for a %d-row product", m);
    float sa[TC_MM_ROWS];
    for (int r0 = 0; r0 < m; r0 += TC_MM_ROWS) {
        const int rows = m - r0 < TC_MM_ROWS ? m - r0 : TC_MM_ROWS;
        prep(w, rows, a + (size_t)r0 * lda, lda, ab, sa);
        kern(w, rows, ab, sa, c + (size_t)r0 * ldc, ldc, accumulate);
    }
    if (!scratch) free(ab);
    return 0;
}

/* Builds without x86 intrinsics have only the plain C kernel; these are
 * never chosen there (tc_mm_has and the level keep them out). */
#if !TC_CPU_X86
void tc_mm_f32_avx512(const tc_mm_w *w, int rows, const void *ab, const float *sa, float *c, int ldc, int acc) {
    tc_mm_f32_baseline(w, rows, ab, sa, c, ldc, acc);
}
#define TC_MM_STUB(name) \
    void name(const tc_mm_w *w, int rows, const void *ab, const float *sa, float *c, int ldc, int acc) { \
        (void)w, (void)rows, (void)ab, (void)sa, (void)c, (void)ldc, (void)acc; abort(); }
TC_MM_STUB(tc_mm_bf16_avx512bf16)
TC_MM_STUB(tc_mm_int8_avx512bf16)
TC_MM_STUB(tc_mm_bf16_amx)
TC_MM_STUB(tc_mm_int8_amx)
void tc_mm_prep_bf16_avx512bf16(const tc_mm_w *w, int rows, const float *a, int lda, void *ab, float *sa) {
    (void)w, (void)rows, (void)a, (void)lda, (void)ab, (void)sa; abort();
}
void tc_mm_prep_int8_avx512bf16(const tc_mm_w *w, int rows, const float *a, int lda, void *ab, float *sa) {
    (void)w, (void)rows, (void)a, (void)lda, (void)ab, (void)sa; abort();
}
#endif
