/* use_lite.h - private parts of the USE-lite encoder shared by its fast
 * path (use_lite.c), its naive reference (use_lite_naive.c), the tests and
 * the benchmark. */
#ifndef TC_USE_LITE_H
#define TC_USE_LITE_H

#include "embed/encoder.h"
#include "embed/sentencepiece.h"
#include "embed/tfjs_weights.h"

#define UL_VOCAB 8002     /* embedding rows (vocab.json has 8000 pieces) */
#define UL_D0 256         /* width of the embeddings and of layer 0's attention */
#define UL_D 512          /* model width */
#define UL_FF 1536        /* feed-forward width */
#define UL_HEADS 4
#define UL_TIMING 128     /* timing-signal frequencies (sin and cos: 256) */
#define UL_MAXLEN_CAP 512 /* largest max length accepted from model.json */

typedef struct ul_layer {
    int din, head_dim;        /* 256, 64 (layer 0); 512, 128 (layer 1) */
    float scale;              /* 1 / sqrt(head_dim), read from the graph */
    const float *ln_att_g, *ln_att_b;   /* (din) */
    const float *qkv_w, *qkv_b;         /* (din, 3*din), (3*din) */
    const float *out_w, *out_b;         /* (din, UL_D), (UL_D) */
    const float *res_w, *res_b;         /* layer 0 only: (UL_D0, UL_D), (UL_D) */
    const float *ln_ffn_g, *ln_ffn_b;   /* (UL_D) */
    const float *ffn1_w, *ffn1_b;       /* (UL_D, UL_FF), (UL_FF) */
    const float *ffn2_w, *ffn2_b;       /* (UL_FF, UL_D), (UL_D) */
} ul_layer;

typedef struct ul_model {
    tc_tfjs_weights w;
    tc_sp *sp;
    const float *emb;         /* (UL_VOCAB, UL_D0) */
    const float *inv_timescale;         /* (UL_TIMING) */
    float *timing;            /* (max_len, UL_D0) [sin, cos](pos inv_timescale), owned */
    ul_layer layer[2];
    const float *tanh_w, *tanh_b;       /* (UL_D, UL_D), (UL_D) */
    float ln_eps, l2_eps;
    int max_len;              /* tokens kept per text (128) */
    char dir[4096];
} ul_model;

/* The model folder used for "use-lite": $TEXTCLUST_MODEL_DIR/use-lite, else
 * $HOME/.local/share/textclust/models/use-lite. Writes it to buf. */
void tc_use_lite_default_dir(char *buf, size_t cap);

/* The model behind an encoder opened as use-lite (NULL for other encoders). */
const ul_model *tc_use_lite_model(const tc_encoder *e);

/* Naive reference: one text, plain loops in double precision, no BLAS.
 * ids (n_ids, already clipped to max_len) -> out (UL_D), unit length. */
void tc_use_lite_forward_naive(const ul_model *m, const int32_t *ids, int n_ids, float *out);

/* Multi-head self-attention of one text (use_lite_attention.c): ctx (n,
 * din; rows din apart) = per head softmax(scale q k^T) v, from the text's
 * n rows of qkv (n, 3 * din; [q k v], each din = heads x head_dim). scratch:
 * tc_ul_attention_scratch(n or more, head_dim) bytes (a multiple of 64, so
 * aligned_alloc(64, ...) takes it as it is), 64-byte aligned. A
 * row's result depends on the text alone. The avx512 variant needs
 * head_dim a multiple of 64 and the AVX-512 level. */
typedef void tc_ul_attention_fn(int n, int din, int heads, float scale, const float *qkv, float *ctx, float *scratch);
tc_ul_attention_fn tc_ul_attention_baseline, tc_ul_attention_avx512;
#define UL_ATT_QROWS 4   /* query rows per block of the kernel */
static inline size_t tc_ul_attention_scratch(int max_len, int head_dim) {
    const size_t ldn = ((size_t)max_len + 15) & ~(size_t)15;
    return ldn * ((size_t)(head_dim > (int)ldn ? head_dim : (int)ldn) + UL_ATT_QROWS) * sizeof(float);
}

/* Matrix FLOPs of one forward pass over n_tokens tokens of n_texts texts
 * (the weight products; attention excluded): as the model defines them
 * (executed = 0), or as use_lite.c runs them (executed = 1). */
double tc_use_lite_gemm_flops(double n_tokens, double n_texts, int executed);

#endif
