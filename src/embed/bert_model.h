/* bert_model.h - the loaded BERT model, shared by the loader (bert_load.c),
 * the fast forward pass (bert.c) and the naive one (bert_naive.c). Not API:
 * everyone else sees the opaque tc_bert of bert.h. */
#ifndef TC_BERT_MODEL_H
#define TC_BERT_MODEL_H

#include "embed/bert.h"
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
    float **owned;             /* (n_owned) tensors converted or copied at load */
    int n_owned;
};

#endif
