/* bert_forward.c - the BERT forward pass of one batch (bert.c has the
 * model's equations, the batching and the threads): weight products with
 * tc_mm (src/embed/mm.h, in the dtype tc_bert_set_dtype packed), attention
 * with BLAS per text, the rest (layer norms, activations, softmax, pooling) in loops the
 * compiler vectorises. Compiled once per CPU level: bert_forward_avx512.c
 * gives the loops whole 512-bit vectors (about 3% less time per token on
 * Sapphire Rapids than 256-bit ones); bert_naive.c is the reference. */
#include "embed/bert_model.h"
#include "util/cpu.h"
#include "util/util.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* clang without optimisation (the fuzz build) leaves "omp simd" loops scalar
 * and says so for each; that is expected there. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

/* ---------------------------------------------------------------- vector math */

/* e^x (clamped to float range), relative error about 2e-7: x = n ln2 + r,
 * |r| <= ln2/2, e^r = 1 + r + r^2 p(r) with Cephes' expf polynomial p,
 * 2^n put into the exponent bits. Branch-free, so the loops that call it
 * vectorise. */
static inline float vexp(float x) {
    x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
    float t = x * 1.44269504f + 12582912.0f;   /* 1.5 * 2^23: rounds to an integer in the low bits */
    int32_t bits;
    memcpy(&bits, &t, sizeof bits);
    float n = t - 12582912.0f;
    float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    int32_t e = (bits - 0x4B400000 + 127) << 23;
    float scale;
    memcpy(&scale, &e, sizeof scale);
    return p * scale;
}

/* erf by Abramowitz and Stegun 7.1.26 (absolute error 1.5e-7). */
static inline float verf(float x) {
    float a = x < 0 ? -x : x;
    float t = 1.0f / (1.0f + 0.3275911f * a);
    float p = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    float y = 1.0f - p * vexp(-a * a);
    return x < 0 ? -y : y;
}

/* ff (rows, n) = act(ff + b) */
static void bias_act(int act, size_t rows, int n, const float *b, float *ff) {
    for (size_t r = 0; r < rows; r++) {
        float *v = ff + r * (size_t)n;
        if (act == BERT_ACT_GELU) {
#pragma omp simd
            for (int i = 0; i < n; i++) {
                float x = v[i] + b[i];
                v[i] = 0.5f * x * (1.0f + verf(x * 0.70710678f));
            }
        } else if (act == BERT_ACT_GELU_TANH) {
#pragma omp simd
            for (int i = 0; i < n; i++) {
                float x = v[i] + b[i];
                float u = 0.79788456f * (x + 0.044715f * x * x * x);   /* tanh u = 1 - 2 / (e^2u + 1) */
                v[i] = 0.5f * x * (2.0f - 2.0f / (vexp(2.0f * u) + 1.0f));
            }
        } else {
#pragma omp simd
            for (int i = 0; i < n; i++) {
                float x = v[i] + b[i];
                v[i] = x > 0 ? x : 0;
            }
        }
    }
}

/* x (rows, d) = LN(x + bias) with gain g and offset b; bias may be NULL. */
static void add_layer_norm(size_t rows, int d, float *x, const float *bias, const float *g, const float *b, float eps) {
    for (size_t r = 0; r < rows; r++) {
        float *v = x + r * (size_t)d, mean = 0, var = 0;
        if (bias) {
#pragma omp simd
            for (int i = 0; i < d; i++) v[i] += bias[i];
        }
#pragma omp simd reduction(+ : mean)
        for (int i = 0; i < d; i++) mean += v[i];
        mean /= (float)d;
#pragma omp simd reduction(+ : var)
        for (int i = 0; i < d; i++) var += (v[i] - mean) * (v[i] - mean);
        float inv = 1.0f / sqrtf(var / (float)d + eps);
#pragma omp simd
        for (int i = 0; i < d; i++) v[i] = (v[i] - mean) * inv * g[i] + b[i];
    }
}

/* e^(s - max) for each of the n rows of s (ld apart, ld a multiple of 16),
 * in place; inv[i] = 1 / the row's sum, applied to the product with v
 * instead (n * hd multiplications, not n * n). Columns n..ld are set to
 * -1e30 first, so every loop runs over whole vectors: they add at most
 * 15 e^-87 to a sum of at least 1, and the product with v never reads them. */
static void softmax_rows(int n, int ld, float *s, float *inv) {
    for (int i = 0; i < n; i++) {
        float *row = s + (size_t)i * ld, mx = -1e30f, sum = 0;
        for (int j = n; j < ld; j++) row[j] = -1e30f;
#pragma omp simd reduction(max : mx)
        for (int j = 0; j < ld; j++) mx = row[j] > mx ? row[j] : mx;
#pragma omp simd reduction(+ : sum)
        for (int j = 0; j < ld; j++) {
            row[j] = vexp(row[j] - mx);
            sum += row[j];
        }
        inv[i] = 1.0f / sum;
    }
}

/* ---------------------------------------------------------------- forward */


/* c (rows, n) = a (rows, k) W^T (+ c when acc), packed for the model's
 * dtype; row by row independent of the batch (mm.h) */
static void linear(const tc_mm_w *pw, int rows, const float *a, int acc, float *c, bert_work *w) {
    tc_mm(pw, rows, a, pw->k, c, pw->n, acc, w->mm);
}

static void attention(const tc_bert *m, int n_texts, const int *off, const int *len, bert_work *w) {
    const int d = m->d, hd = m->head_dim, ld = 3 * d;
    const float scale = 1.0f / sqrtf((float)hd);
    for (int t = 0; t < n_texts; t++) {
        const int n = len[t], lds = (n + 15) & ~15;
        const float *base = w->qkv + (size_t)off[t] * ld;
        for (int h = 0; h < m->n_heads; h++) {
            const float *q = base + h * hd, *k = base + d + h * hd, *v = base + 2 * d + h * hd;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, hd, scale, q, ld, k, ld, 0.0f, w->s, lds);
            softmax_rows(n, lds, w->s, w->inv);
            float *c = w->ctx + (size_t)off[t] * d + h * hd;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, hd, n, 1.0f, w->s, lds, v, ld, 0.0f, c, d);
            for (int i = 0; i < n; i++) {
                const float f = w->inv[i];
#pragma omp simd
                for (int k = 0; k < hd; k++) c[(size_t)i * d + k] *= f;
            }
        }
    }
}

/* Pools the rows of text t (x from row 0, n rows) into o (dim) and
 * normalises it when the model says so. */
static void pool(const tc_bert *m, const float *x, int n, float *o) {
    const int d = m->d;
    float *p = o;
    if (m->pool & BERT_POOL_CLS) {
        memcpy(p, x, (size_t)d * sizeof *p);
        p += d;
    }
    if (m->pool & BERT_POOL_MAX) {
        memcpy(p, x, (size_t)d * sizeof *p);
        for (int i = 1; i < n; i++)
            for (int k = 0; k < d; k++) p[k] = x[(size_t)i * d + k] > p[k] ? x[(size_t)i * d + k] : p[k];
        p += d;
    }
    if (m->pool & (BERT_POOL_MEAN | BERT_POOL_MEAN_SQRT)) {
        float *sum = p;
        memset(sum, 0, (size_t)d * sizeof *sum);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < d; k++) sum[k] += x[(size_t)i * d + k];
        if (m->pool & BERT_POOL_MEAN) {
            for (int k = 0; k < d; k++) p[k] = sum[k] / (float)n;
            p += d;
        }
        if (m->pool & BERT_POOL_MEAN_SQRT) {
            float inv = 1.0f / sqrtf((float)n);
            /* sum is still intact in p - d when mean was written before it */
            const float *s = (m->pool & BERT_POOL_MEAN) ? p - d : sum;
            float mul = (m->pool & BERT_POOL_MEAN) ? (float)n * inv : inv;
            for (int k = 0; k < d; k++) p[k] = s[k] * mul;
            p += d;
        }
    }
    if (m->normalize) {
        double ss = 0;
        for (int k = 0; k < m->dim; k++) ss += (double)o[k] * o[k];
        float inv = (float)(1.0 / fmax(sqrt(ss), 1e-12));
        for (int k = 0; k < m->dim; k++) o[k] *= inv;
    }
}

void TC_CPU_FN(tc_bert_forward)(const tc_bert *m, int n_texts, const int32_t *const *ids, const int *len,
                                int *off, bert_work *w, float *const *out) {
    const int d = m->d, ff = m->d_ff;
    const float eps = (float)m->ln_eps;
    int rows = 0;
    for (int t = 0; t < n_texts; t++) { off[t] = rows; rows += len[t]; }
    for (int t = 0; t < n_texts; t++)
        for (int i = 0; i < len[t]; i++) {
            float *x = w->x + (size_t)(off[t] + i) * d;
            const float *e = m->word + (size_t)ids[t][i] * d, *p = m->pos + (size_t)i * d;
            for (int k = 0; k < d; k++) x[k] = (e[k] + m->type0[k]) + p[k];   /* torch's order of additions */
        }
    add_layer_norm((size_t)rows, d, w->x, NULL, m->emb_ln_g, m->emb_ln_b, eps);
    for (int l = 0; l < m->n_layers; l++) {
        const bert_layer *L = &m->layer[l];
        const tc_mm_w *pk = m->pk + 4 * l;
        linear(&pk[0], rows, w->x, 0, w->qkv, w);          /* qkv bias packed with it */
        attention(m, n_texts, off, len, w);
        linear(&pk[1], rows, w->ctx, 1, w->x, w);
        add_layer_norm((size_t)rows, d, w->x, L->out_b, L->ln1_g, L->ln1_b, eps);
        linear(&pk[2], rows, w->x, 0, w->ff, w);
        bias_act(m->act, (size_t)rows, ff, L->ff1_b, w->ff);
        linear(&pk[3], rows, w->ff, 1, w->x, w);
        add_layer_norm((size_t)rows, d, w->x, L->ff2_b, L->ln2_g, L->ln2_b, eps);
    }
    for (int t = 0; t < n_texts; t++) pool(m, w->x + (size_t)off[t] * d, len[t], out[t]);
}

