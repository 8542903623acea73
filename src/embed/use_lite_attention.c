/* use_lite_attention.c - USE-lite's multi-head self-attention of one text,
 * fused: scores, softmax and the product with v per block of 4 query rows,
 * the scores of those rows staying in a small buffer that never leaves L1.
 * It replaced two BLAS calls per text and head (small shapes, where
 * sgemm's set-up weighs) and a scalar expf per score, which together took
 * 40% of an int8 forward pass on AMX; with AVX-512 this kernel takes 2 to
 * 2.5x less time than they did (n 32 to 128). Compiled once per CPU level:
 * use_lite_attention_avx512.c gives the AVX-512 build, written with
 * intrinsics; this file's own build, for the baseline (AVX2), keeps the
 * BLAS version that ran before. use_lite_naive.c's attention (double
 * precision) is the reference (tests/test_embed.c).
 *
 * Every query row runs the same instructions whatever block it falls in
 * (a short last block repeats the text's last row and drops the copies),
 * so a row's result depends on its text alone, as point 5 of issue 12
 * requires. Softmax normalises after the product with v (n * hd
 * multiplications instead of n * n). */
#include "embed/use_lite.h"
#include "util/cpu.h"

#include <math.h>

#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

#define QROWS UL_ATT_QROWS



#if defined(__AVX512F__)
#include <immintrin.h>

/* kt (hd, ldn) = scale k^T for one head's n rows of k (ld apart), columns
 * n..ldn zero; 16 x 16 at a time in registers (a scalar loop reading k
 * down its columns took a fifth of the kernel's time): interleave
 * pairs of rows, then pairs of pairs, then 128-bit lanes twice. hd is a
 * multiple of 16. */
static void transpose_k(int n, int ldn, int hd, float scale, const float *k, int ld, float *kt) {
    const __m512 sc = _mm512_set1_ps(scale);
    for (int j0 = 0; j0 < ldn; j0 += 16)
        for (int d0 = 0; d0 < hd; d0 += 16) {
            __m512 r[16], t[16];
            _Pragma("GCC unroll 16") for (int i = 0; i < 16; i++)
                r[i] = j0 + i < n ? _mm512_loadu_ps(k + (size_t)(j0 + i) * ld + d0) : _mm512_setzero_ps();
            _Pragma("GCC unroll 8") for (int i = 0; i < 16; i += 2) {
                t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
                t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
            }
            _Pragma("GCC unroll 4") for (int i = 0; i < 16; i += 4) {
                const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]),
                              c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
                r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
                r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
                r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
                r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
            }
            /* r[4g + c] holds, in 128-bit lane L, column 4L + c of rows 4g..4g+3 */
            _Pragma("GCC unroll 4") for (int c = 0; c < 4; c++) {
                t[c] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);        /* lanes 0, 2 of rows 0-3, 4-7 */
                t[4 + c] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xdd);    /* lanes 1, 3 */
                t[8 + c] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
                t[12 + c] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xdd);
            }
            _Pragma("GCC unroll 4") for (int c = 0; c < 4; c++) {
                r[c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0x88);        /* column c */
                r[8 + c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0xdd);    /* column 8 + c */
                r[4 + c] = _mm512_shuffle_f32x4(t[4 + c], t[12 + c], 0x88);   /* column 4 + c */
                r[12 + c] = _mm512_shuffle_f32x4(t[4 + c], t[12 + c], 0xdd);  /* column 12 + c */
            }
            _Pragma("GCC unroll 16") for (int i = 0; i < 16; i++)
                _mm512_store_ps(kt + (size_t)(d0 + i) * ldn + j0, _mm512_mul_ps(r[i], sc));
        }
}

static inline __m512 exp16(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)), _MM_FROUND_TO_NEAREST_INT);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

/* Scores of QROWS query rows against the JB blocks of 16 keys from jb:
 * p[r][jb * 16 ...] = q[r] kt[:, ...]. QROWS x JB accumulators: JB = 4
 * keeps both FMA ports busy through their latency (fewer are latency-bound). */
static inline __attribute__((always_inline)) void scores(int hd, int ldn, const float *const *q, const float *kt,
                                                         int jb, int JB, float *p) {
    __m512 s[QROWS][4];
    _Pragma("GCC unroll 4") for (int r = 0; r < QROWS; r++)
        _Pragma("GCC unroll 4") for (int u = 0; u < JB; u++) s[r][u] = _mm512_setzero_ps();
    const float *kc = kt + jb * 16;
    for (int d = 0; d < hd; d++) {
        __m512 kv[4];
        _Pragma("GCC unroll 4") for (int u = 0; u < JB; u++) kv[u] = _mm512_load_ps(kc + (size_t)d * ldn + 16 * u);
        _Pragma("GCC unroll 4") for (int r = 0; r < QROWS; r++) {
            const __m512 qd = _mm512_set1_ps(q[r][d]);
            _Pragma("GCC unroll 4") for (int u = 0; u < JB; u++) s[r][u] = _mm512_fmadd_ps(qd, kv[u], s[r][u]);
        }
    }
    _Pragma("GCC unroll 4") for (int r = 0; r < QROWS; r++)
        _Pragma("GCC unroll 4") for (int u = 0; u < JB; u++) _mm512_store_ps(p + (size_t)r * ldn + (jb + u) * 16, s[r][u]);
}

/* One block of QROWS query rows q[r] (rows ld apart) of one head:
 * c[r] (hd, rows ldc apart) for r < rows. p: QROWS * ldn floats. hd is a
 * multiple of 64 (USE-lite's 64 and 128). */
static void block(int n, int ldn, int hd, const float *const *q, const float *kt, const float *v, int ld,
                  float *c, int ldc, int rows, float *p) {
    const int nb = ldn / 16;
    const __mmask16 last = (__mmask16)(n % 16 ? (1u << (n % 16)) - 1 : 0xffff);
    int jb = 0;
    for (; jb + 4 <= nb; jb += 4) scores(hd, ldn, q, kt, jb, 4, p);
    if (jb + 2 <= nb) scores(hd, ldn, q, kt, jb, 2, p), jb += 2;
    if (jb < nb) scores(hd, ldn, q, kt, jb, 1, p);
    float inv[QROWS];
    _Pragma("GCC unroll 4") for (int r = 0; r < QROWS; r++) {       /* e^(s - max), padding columns 0 */
        float *pr = p + (size_t)r * ldn;
        __m512 mx = _mm512_set1_ps(-INFINITY);
        for (int jb = 0; jb < nb; jb++)
            mx = _mm512_mask_max_ps(mx, jb == nb - 1 ? last : 0xffff, mx, _mm512_load_ps(pr + jb * 16));
        const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
        __m512 sum = _mm512_setzero_ps();
        for (int jb = 0; jb < nb; jb++) {
            __m512 e = _mm512_maskz_mov_ps(jb == nb - 1 ? last : 0xffff,
                                           exp16(_mm512_sub_ps(_mm512_load_ps(pr + jb * 16), m)));
            _mm512_store_ps(pr + jb * 16, e);
            sum = _mm512_add_ps(sum, e);
        }
        inv[r] = 1.0f / _mm512_reduce_add_ps(sum);
    }
    for (int k0 = 0; k0 < hd; k0 += 64) {   /* c = p v / sum, 64 columns at a time */
        __m512 a[QROWS][4];
        _Pragma("GCC unroll 4") for (int r = 0; r < QROWS; r++)
            _Pragma("GCC unroll 4") for (int u = 0; u < 4; u++) a[r][u] = _mm512_setzero_ps();
        for (int j = 0; j < n; j++) {
            const float *vj = v + (size_t)j * ld + k0;
            const __m512 v0 = _mm512_loadu_ps(vj), v1 = _mm512_loadu_ps(vj + 16), v2 = _mm512_loadu_ps(vj + 32),
                         v3 = _mm512_loadu_ps(vj + 48);
            _Pragma("GCC unroll 4") for (int r = 0; r < QROWS; r++) {
                const __m512 pj = _mm512_set1_ps(p[(size_t)r * ldn + j]);
                a[r][0] = _mm512_fmadd_ps(pj, v0, a[r][0]);
                a[r][1] = _mm512_fmadd_ps(pj, v1, a[r][1]);
                a[r][2] = _mm512_fmadd_ps(pj, v2, a[r][2]);
                a[r][3] = _mm512_fmadd_ps(pj, v3, a[r][3]);
            }
        }
        _Pragma("GCC unroll 4") for (int r = 0; r < rows; r++) {
            const __m512 f = _mm512_set1_ps(inv[r]);
            float *cr = c + (size_t)r * ldc + k0;
            _Pragma("GCC unroll 4") for (int u = 0; u < 4; u++) _mm512_storeu_ps(cr + 16 * u, _mm512_mul_ps(a[r][u], f));
        }
    }
}

void TC_CPU_FN(tc_ul_attention)(int n, int din, int heads, float scale, const float *qkv, float *ctx, float *scratch) {
    const int hd = din / heads, ld = 3 * din, ldn = (n + 15) & ~15;
    float *kt = scratch, *p = scratch + (size_t)ldn * hd;   /* (hd, ldn), (QROWS, ldn) */
    for (int h = 0; h < heads; h++) {
        const float *q = qkv + h * hd, *k = qkv + din + h * hd, *v = qkv + 2 * din + h * hd;
        transpose_k(n, ldn, hd, scale, k, ld, kt);
        for (int i0 = 0; i0 < n; i0 += QROWS) {
            const int rows = n - i0 < QROWS ? n - i0 : QROWS;
            const float *qr[QROWS];
            for (int r = 0; r < QROWS; r++) qr[r] = q + (size_t)(r < rows ? i0 + r : n - 1) * ld;
            block(n, ldn, hd, qr, kt, v, ld, ctx + (size_t)i0 * din + h * hd, din, rows, p);
        }
    }
}

#else
#include <cblas.h>

/* The baseline: what ran before the AVX-512 kernel, unchanged (BLAS for
 * the two products per head, which at these sizes beat the loops gcc
 * vectorises for AVX2; the softmax in place, normalised, with expf). */
void TC_CPU_FN(tc_ul_attention)(int n, int din, int heads, float scale, const float *qkv, float *ctx, float *scratch) {
    const int hd = din / heads, ld = 3 * din;
    float *s = scratch;   /* (n, n) */
    for (int h = 0; h < heads; h++) {
        const float *q = qkv + h * hd, *k = qkv + din + h * hd, *v = qkv + 2 * din + h * hd;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, hd, scale, q, ld, k, ld, 0.0f, s, n);
        for (int i = 0; i < n; i++) {
            float *row = s + (size_t)i * n, mx = -INFINITY, sum = 0;
            for (int j = 0; j < n; j++) mx = row[j] > mx ? row[j] : mx;
            for (int j = 0; j < n; j++) { row[j] = expf(row[j] - mx); sum += row[j]; }
            float inv = 1.0f / sum;
            for (int j = 0; j < n; j++) row[j] *= inv;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, hd, n, 1.0f, s, n, v, ld, 0.0f, ctx + h * hd, din);
    }
}

#endif
