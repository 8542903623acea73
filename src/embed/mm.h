/* mm.h - the encoders' weight products at reduced precision: c = a W + bias
 * with W packed once at load in fp32, bf16 or int8, run by kernels of our
 * own chosen from tc_cpu_level() (src/util/cpu.h):
 *
 *   fp32  plain C (baseline) or AVX-512 FMA
 *   bf16  AVX512-BF16 vdpbf16ps, or AMX tiles (TDPBF16PS); a rounded to
 *         bf16 per call, fp32 accumulation
 *   int8  W per output column (symmetric, scale max|w| / 127), a per row
 *         (symmetric, stored as unsigned with +128 and corrected by the
 *         columns' sums), int32 accumulation: AVX512-VNNI vpdpbusd, or AMX
 *         tiles (TDPBUSD)
 *
 * Own kernels rather than BLAS because every row's result must depend on
 * that row of a alone (a text's vector is its own, whatever shares its
 * batch): each kernel gives each row its own accumulators and runs the same
 * instructions on it wherever it sits in a block of rows. A dtype whose
 * instructions the level lacks packs as fp32 (tc_mm_w.dtype says what ran).
 * mm_naive.c is the reference, from the unpacked weights. */
#ifndef TC_EMBED_MM_H
#define TC_EMBED_MM_H

#include "textclust.h"

#include <stddef.h>
#include <stdint.h>

#define TC_MM_ROWS 32   /* rows of a converted per kernel call (two AMX tiles) */
#define TC_MM_KALIGN 64 /* k padded to this (an AMX int8 tile's row) */

typedef struct tc_mm_w {
    int k, n;          /* a (m, k) @ W (k, n) */
    int kp, np;        /* k padded to TC_MM_KALIGN; panels of 16 columns */
    int dtype;         /* TC_DTYPE_FP32 / BF16 / INT8: what the kernels run */
    int level;         /* the tc_cpu_level() the kernel was chosen for */
    void *data;        /* panels: fp32 [kp][16]; bf16 [kp/2][16][2]; int8 [kp/4][16][4] */
    float *bias;       /* (np * 16) zero padded; zeros when none given */
    float *scale;      /* int8: (np * 16) per column */
    int32_t *colsum;   /* int8: (np * 16) 128 * the column's sum of int8 weights */
} tc_mm_w;

/* Packs W (k, n), element (i, j) at src[i * sk + j * sn] (so torch's (n, k)
 * Linear weight is sk = 1, sn = k), for dtype at the current tc_cpu_level()
 * (fp32 where the level has no kernel for dtype). bias (n) or NULL; both
 * copied. 0, TC_EINVAL (a size <= 0, dtype unknown) or TC_ENOMEM. */
int tc_mm_pack(tc_mm_w *w, int dtype, int k, int n, const float *src, size_t sk, size_t sn,
               const float *bias);
void tc_mm_free(tc_mm_w *w);   /* zeroes w; a zeroed w is a no-op */

/* Flags of tc_mm: v = a W + bias; TC_MM_RELU: v = max(v, 0) (fused, so the
 * FFN's activation costs no pass of its own); TC_MM_ACC: c = c + v, else c = v. */
enum { TC_MM_ACC = 1, TC_MM_RELU = 2 };

/* c (m, n) = a (m, k) W + bias, then as flags say (accumulate); rows lda and ldc floats apart, a and c not overlapping. Row r's
 * result depends only on row r of a and w. scratch: tc_mm_scratch_size(w)
 * bytes, 64-byte aligned, or NULL to allocate them here. 0, or TC_ENOMEM
 * (scratch NULL only). */
int tc_mm(const tc_mm_w *w, int m, const float *a, int lda, float *c, int ldc, int accumulate, void *scratch);
/* Bytes of scratch tc_mm needs for w (at most TC_MM_ROWS * 4 * kp). */
size_t tc_mm_scratch_size(const tc_mm_w *w);

/* The reference: the same product from the unpacked W (src, sk, sn as for
 * tc_mm_pack), with dtype's rounding done in plain C (bf16 round to nearest
 * even; int8 as above), sums in k order in double. */
void tc_mm_naive(int dtype, int k, int n, const float *src, size_t sk, size_t sn, const float *bias, int m,
                 const float *a, int lda, float *c, int ldc, int accumulate);

/* 1 when the current level runs dtype with its own instructions (fp32: always). */
int tc_mm_has(int dtype);

/* ---------------------------------------------------------------- kernels
 * One block of rows <= TC_MM_ROWS rows: ab is a converted (TC_MM_ROWS rows of
 * kp elements, zero padded: float, bf16 bits or int8 + 128), sa the int8
 * rows' scales. Per level, in mm_f32*.c, mm_lowp_avx512bf16.c, mm_lowp_amx.c. */
typedef void tc_mm_kern_fn(const tc_mm_w *w, int rows, const void *ab, const float *sa, float *c, int ldc,
                           int accumulate);
/* Converts rows (<= TC_MM_ROWS) of a into ab (and sa for int8). */
typedef void tc_mm_prep_fn(const tc_mm_w *w, int rows, const float *a, int lda, void *ab, float *sa);

tc_mm_kern_fn tc_mm_f32_baseline, tc_mm_f32_avx512;
tc_mm_kern_fn tc_mm_bf16_avx512bf16, tc_mm_int8_avx512bf16, tc_mm_bf16_amx, tc_mm_int8_amx;
tc_mm_prep_fn tc_mm_prep_bf16_avx512bf16, tc_mm_prep_int8_avx512bf16;

/* bf16 bits of x, rounded to nearest even (NaN not expected). */
/* The epilogue of 16 columns of one row, shared by the AVX-512 kernels. */
#if defined(__AVX512F__)
#include <immintrin.h>
static inline void tc_mm_store16(__m512 v, const float *bias, float *c, int flags, __mmask16 mk) {
    v = _mm512_add_ps(v, _mm512_loadu_ps(bias));
    if (flags & TC_MM_RELU) v = _mm512_max_ps(v, _mm512_setzero_ps());
    if (flags & TC_MM_ACC) v = _mm512_add_ps(_mm512_maskz_loadu_ps(mk, c), v);
    _mm512_mask_storeu_ps(c, mk, v);
}
#endif

static inline uint16_t tc_bf16_round(float x) {
    union { float f; uint32_t u; } v = {x};
    v.u += 0x7fffu + ((v.u >> 16) & 1u);
    return (uint16_t)(v.u >> 16);
}

#endif
