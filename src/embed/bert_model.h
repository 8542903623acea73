/* bert_model.h - the loaded BERT model, shared by the loader (bert_load.c),
 * the fast forward pass (bert.c) and the naive one (bert_naive.c). Not API:
 * everyone else sees the opaque tc_bert of bert.h. */
#ifndef TC_BERT_MODEL_H
#define TC_BERT_MODEL_H

#include "embed/bert.h"
#include "embed/mm.h"
#include "embed/safetensors.h"

enum { BERT_ACT_GELU, BERT_ACT_GELU_TANH, BERT_ACT_RELU };

/* Pooling modes, in the order sentence-transformers concatenates them. */
enum { BERT_POOL_CLS = 1, BERT_POOL_MAX = 2, BERT_POOL_MEAN = 4, BERT_POOL_MEAN_SQRT = 8 };

/* Weights of one encoder layer; matrices are torch Linear weights, (out, in)
 * row-major, so y = x W^T + b. */
typedef struct bert_layer {
    const float *qkv_w;        /* (3 d, d) query, key, value rows */
    const float *qkv_b;        /* (3 d) */
    const float *out_w;        /* (d, d) attention output */
    const float *out_b;        /* (d) */
    const float *ln1_g, *ln1_b;   /* (d) after attention */
    const float *ff1_w;        /* (d_ff, d) */
    const float *ff1_b;        /* (d_ff) */
    const float *ff2_w;        /* (d, d_ff) */
    const float *ff2_b;        /* (d) */
    const float *ln2_g, *ln2_b;   /* (d) after the feed-forward */
} bert_layer;

struct tc_bert {
    char dir[4096];
    int d, n_layers, n_heads, head_dim, d_ff;
    int max_pos, vocab, type_vocab, max_len;
    double ln_eps;
    int act;                   /* BERT_ACT_* */
    int pool;                  /* BERT_POOL_* bits */
    int n_pool;                /* bits set in pool: dim = n_pool * d */
    int normalize;
    int lowercase;      /* sentence_bert_config.json do_lower_case: texts lower-cased first */
    int dim;
    const float *word;         /* (vocab, d) */
    const float *pos;          /* (max_pos, d) */
    const float *type0;        /* (d) token type 0, the only one a single text uses */
    const float *emb_ln_g, *emb_ln_b;   /* (d) */
    bert_layer *layer;         /* (n_layers) */
    tc_st_file st;             /* the mapped weights the pointers above point into */
    tc_mm_w *pk;               /* (n_layers * 4) qkv (bias packed), out, ff1, ff2 for tc_mm */
    int dtype;                 /* what pk runs: TC_DTYPE_* */
    float **owned;             /* (n_owned) tensors converted or copied at load */
    int n_owned;
};

/* One worker's scratch, sized once for rows_cap tokens. */
typedef struct bert_work {
    float *x;      /* (rows, d) hidden states */
    float *qkv;    /* (rows, 3 d) */
    float *ctx;    /* (rows, d) attention output before Wo */
    float *ff;     /* (rows, d_ff) */
    float *s;      /* (max_len, max_len rounded up to 16) attention weights of one head */
    float *inv;    /* (max_len) their rows' 1 / sum */
    void *mm;      /* tc_mm's scratch for the widest k (d_ff) */
} bert_work;

/* Embeds one batch of n_texts non-empty texts (ids[t], len[t]) packed row
 * after row into w (sized for at least their total length); writes out[t]
 * (dim each); off (n_texts) is scratch. Per CPU level (bert_forward.c). */
typedef void tc_bert_forward_fn(const tc_bert *m, int n_texts, const int32_t *const *ids,
                                const int *len, int *off, bert_work *w, float *const *out);
tc_bert_forward_fn tc_bert_forward_baseline, tc_bert_forward_avx512;

#endif
