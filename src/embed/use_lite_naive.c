/* use_lite_naive.c - the USE-lite forward pass for one text written as
 * plainly as possible (loops, double accumulators, no BLAS, no packing):
 * the reference that tests/test_embed.c holds the fast path in use_lite.c
 * against. Architecture: see the top of use_lite.c. */
#include "embed/use_lite.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* out (n, k_out) = in (n, k_in) @ w (k_in, k_out) + b */
static void matmul(const double *in, int n, int k_in, const float *w, const float *b, int k_out, double *out) {
    for (int r = 0; r < n; r++)
        for (int j = 0; j < k_out; j++) {
            double s = b ? b[j] : 0;
            for (int i = 0; i < k_in; i++) s += in[(size_t)r * k_in + i] * w[(size_t)i * k_out + j];
            out[(size_t)r * k_out + j] = s;
        }
}

static void layer_norm(const double *in, int n, int d, const float *g, const float *b, double eps, double *out) {
    for (int r = 0; r < n; r++) {
        const double *v = in + (size_t)r * d;
        double mean = 0, var = 0;
        for (int i = 0; i < d; i++) mean += v[i];
        mean /= d;
        for (int i = 0; i < d; i++) var += (v[i] - mean) * (v[i] - mean);
        var /= d;
        for (int i = 0; i < d; i++) out[(size_t)r * d + i] = (v[i] - mean) / sqrt(var + eps) * g[i] + b[i];
    }
}

static void layer(const ul_model *m, const ul_layer *L, int n, const double *in, double *x) {
    int din = L->din, hd = L->head_dim;
    double *h = malloc(sizeof(double) * n * din), *qkv = malloc(sizeof(double) * n * 3 * din);
    double *ctx = calloc((size_t)n * din, sizeof(double)), *att = malloc(sizeof(double) * n * UL_D);
    double *ff = malloc(sizeof(double) * n * UL_FF), *p = malloc(sizeof(double) * n);
    layer_norm(in, n, din, L->ln_att_g, L->ln_att_b, m->ln_eps, h);
    matmul(h, n, din, L->qkv_w, L->qkv_b, 3 * din, qkv);
    for (int head = 0; head < UL_HEADS; head++)
        for (int i = 0; i < n; i++) {
            double mx = -INFINITY, sum = 0;
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < hd; k++)
                    s += qkv[(size_t)i * 3 * din + head * hd + k] * L->scale * qkv[(size_t)j * 3 * din + din + head * hd + k];
                p[j] = s;
                if (s > mx) mx = s;
            }
            for (int j = 0; j < n; j++) { p[j] = exp(p[j] - mx); sum += p[j]; }
            for (int j = 0; j < n; j++)
                for (int k = 0; k < hd; k++)
                    ctx[(size_t)i * din + head * hd + k] += p[j] / sum * qkv[(size_t)j * 3 * din + 2 * din + head * hd + k];
        }
    matmul(ctx, n, din, L->out_w, L->out_b, UL_D, att);
    if (L->res_w) matmul(in, n, UL_D0, L->res_w, L->res_b, UL_D, x);   /* layer 0: x = dense(x0) */
    for (size_t i = 0; i < (size_t)n * UL_D; i++) x[i] += att[i];
    double *h2 = malloc(sizeof(double) * n * UL_D);
    layer_norm(x, n, UL_D, L->ln_ffn_g, L->ln_ffn_b, m->ln_eps, h2);
    matmul(h2, n, UL_D, L->ffn1_w, L->ffn1_b, UL_FF, ff);
    for (size_t i = 0; i < (size_t)n * UL_FF; i++) ff[i] = ff[i] > 0 ? ff[i] : 0;
    matmul(ff, n, UL_FF, L->ffn2_w, L->ffn2_b, UL_D, att);
    for (size_t i = 0; i < (size_t)n * UL_D; i++) x[i] += att[i];
    free(h); free(qkv); free(ctx); free(att); free(ff); free(p); free(h2);
}

void tc_use_lite_forward_naive(const ul_model *m, const int32_t *ids, int n, float *out) {
    double *x0 = malloc(sizeof(double) * (n ? n : 1) * UL_D0);
    double *x = calloc((size_t)(n ? n : 1) * UL_D, sizeof(double));
    double pooled[UL_D] = {0}, v[UL_D];
    for (int i = 0; i < n; i++)
        for (int k = 0; k < UL_D0; k++) {
            double a = (double)i * m->inv_timescale[k % UL_TIMING];
            x0[(size_t)i * UL_D0 + k] = 2.0 * m->emb[(size_t)ids[i] * UL_D0 + k] + (k < UL_TIMING ? sin(a) : cos(a));
        }
    if (n > 0) {
        layer(m, &m->layer[0], n, x0, x);
        layer(m, &m->layer[1], n, x, x);
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < UL_D; k++) pooled[k] += x[(size_t)i * UL_D + k] / n;
    double ss = 0;
    for (int j = 0; j < UL_D; j++) {
        double s = m->tanh_b[j];
        for (int k = 0; k < UL_D; k++) s += pooled[k] * m->tanh_w[(size_t)k * UL_D + j];
        v[j] = tanh(s);
        ss += v[j] * v[j];
    }
    double inv = 1.0 / sqrt(ss > m->l2_eps ? ss : m->l2_eps);
    for (int j = 0; j < UL_D; j++) out[j] = (float)(v[j] * inv);
    free(x0);
    free(x);
}
