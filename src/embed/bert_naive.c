/* bert_naive.c - the BERT forward pass of one text written as plainly as
 * possible, in double precision and without BLAS, for the tests to check
 * bert.c against. It follows transformers' BertModel (embeddings, post-norm
 * encoder layers) and sentence-transformers' Pooling and Normalize modules
 * directly, sharing nothing with the fast path but the loaded weights. */
#include "embed/bert_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void layer_norm(int d, double *x, const float *g, const float *b, double eps) {
    double mean = 0, var = 0;
    for (int i = 0; i < d; i++) mean += x[i];
    mean /= d;
    for (int i = 0; i < d; i++) var += (x[i] - mean) * (x[i] - mean);
    var /= d;
    for (int i = 0; i < d; i++) x[i] = (x[i] - mean) / sqrt(var + eps) * g[i] + b[i];
}

/* y (n_out) = W x + b, W (n_out, n_in) as torch stores Linear weights */
static void linear(int n_in, int n_out, const double *x, const float *w, const float *b, double *y) {
    for (int o = 0; o < n_out; o++) {
        double s = b[o];
        for (int i = 0; i < n_in; i++) s += (double)w[(size_t)o * n_in + i] * x[i];
        y[o] = s;
    }
}

static double activation(int act, double x) {
    switch (act) {
    case BERT_ACT_GELU: return 0.5 * x * (1 + erf(x / sqrt(2.0)));
    case BERT_ACT_GELU_TANH: return 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    default: return x > 0 ? x : 0;
    }
}

void tc_bert_forward_naive(const tc_bert *m, const int32_t *ids, int n, float *out) {
    const int d = m->d, ff = m->d_ff, hd = m->head_dim;
    double *x = calloc((size_t)n * d + 1, sizeof *x);          /* (n, d) hidden states */
    double *q = malloc(((size_t)n * 3 * d + 1) * sizeof *q);   /* (n, 3d) query, key, value */
    double *ctx = malloc(((size_t)n * d + 1) * sizeof *ctx);   /* (n, d) */
    double *t = malloc(((size_t)(ff > d ? ff : d) + 1) * sizeof *t);
    double *s = malloc(((size_t)n + 1) * sizeof *s);           /* one row of attention weights */
    double *pooled = calloc((size_t)m->dim + 1, sizeof *pooled);
    if (!x || !q || !ctx || !t || !s || !pooled) abort();
    for (int i = 0; i < n; i++) {
        double *xi = x + (size_t)i * d;
        for (int k = 0; k < d; k++)
            xi[k] = (double)m->word[(size_t)ids[i] * d + k] + m->type0[k] + m->pos[(size_t)i * d + k];
        layer_norm(d, xi, m->emb_ln_g, m->emb_ln_b, m->ln_eps);
    }
    for (int l = 0; l < m->n_layers; l++) {
        const bert_layer *L = &m->layer[l];
        for (int i = 0; i < n; i++) linear(d, 3 * d, x + (size_t)i * d, L->qkv_w, L->qkv_b, q + (size_t)i * 3 * d);
        for (int h = 0; h < m->n_heads; h++)
            for (int i = 0; i < n; i++) {
                double mx = -INFINITY, sum = 0;
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int k = 0; k < hd; k++)
                        dot += q[(size_t)i * 3 * d + h * hd + k] * q[(size_t)j * 3 * d + d + h * hd + k];
                    s[j] = dot / sqrt((double)hd);
                    if (s[j] > mx) mx = s[j];
                }
                for (int j = 0; j < n; j++) { s[j] = exp(s[j] - mx); sum += s[j]; }
                for (int k = 0; k < hd; k++) {
                    double v = 0;
                    for (int j = 0; j < n; j++) v += s[j] * q[(size_t)j * 3 * d + 2 * d + h * hd + k];
                    ctx[(size_t)i * d + h * hd + k] = v / sum;
                }
            }
        for (int i = 0; i < n; i++) {
            double *xi = x + (size_t)i * d;
            linear(d, d, ctx + (size_t)i * d, L->out_w, L->out_b, t);
            for (int k = 0; k < d; k++) xi[k] += t[k];
            layer_norm(d, xi, L->ln1_g, L->ln1_b, m->ln_eps);
            double *hmid = malloc((size_t)ff * sizeof *hmid);
            if (!hmid) abort();
            linear(d, ff, xi, L->ff1_w, L->ff1_b, hmid);
            for (int k = 0; k < ff; k++) hmid[k] = activation(m->act, hmid[k]);
            linear(ff, d, hmid, L->ff2_w, L->ff2_b, t);
            free(hmid);
            for (int k = 0; k < d; k++) xi[k] += t[k];
            layer_norm(d, xi, L->ln2_g, L->ln2_b, m->ln_eps);
        }
    }
    /* sentence-transformers concatenates the modes in this order */
    int o = 0;
    if (m->pool & BERT_POOL_CLS) {
        for (int k = 0; k < d && n > 0; k++) pooled[o + k] = x[k];
        o += d;
    }
    if (m->pool & BERT_POOL_MAX) {
        for (int k = 0; k < d && n > 0; k++) {
            double mx = -INFINITY;
            for (int i = 0; i < n; i++) mx = fmax(mx, x[(size_t)i * d + k]);
            pooled[o + k] = mx;
        }
        o += d;
    }
    for (int mode = BERT_POOL_MEAN; mode <= BERT_POOL_MEAN_SQRT; mode <<= 1) {
        if (!(m->pool & mode)) continue;
        for (int k = 0; k < d && n > 0; k++) {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += x[(size_t)i * d + k];
            pooled[o + k] = sum / (mode == BERT_POOL_MEAN ? n : sqrt((double)n));
        }
        o += d;
    }
    double norm = 0;
    for (int k = 0; k < m->dim; k++) norm += pooled[k] * pooled[k];
    norm = sqrt(norm);
    double scale = m->normalize ? 1 / (norm > 1e-12 ? norm : 1e-12) : 1;
    for (int k = 0; k < m->dim; k++) out[k] = (float)(pooled[k] * scale);
    free(x); free(q); free(ctx); free(t); free(s); free(pooled);
}
