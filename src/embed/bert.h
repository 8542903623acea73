/* bert.h - BERT sentence encoders saved by sentence-transformers (for
 * example all-MiniLM-L6-v2): the model folder, the transformer's forward
 * pass, pooling and normalisation, on token ids (the tokenizer is
 * wordpiece.h). See bert.c for the architecture and the folder layout.
 *
 * A tc_bert is immutable after tc_bert_load and may be shared by threads;
 * tc_bert_embed_ids runs OpenBLAS on one thread (tc_blas_serial), so two
 * calls of it may overlap. */
#ifndef TC_BERT_H
#define TC_BERT_H

#include "util/util.h"

#include <stddef.h>
#include <stdint.h>

typedef struct tc_bert tc_bert;

/* Loads a sentence-transformers model folder: config.json, modules.json (+ the Pooling module's
 * config.json, optional Normalize module), max sequence length, model.safetensors (mmap).
 * Returns 0 and *out (free with tc_bert_free), or a negative TC_E* code with a message naming
 * the file and field; anything it cannot run (another architecture, activation, pooling mode,
 * weights only as pytorch_model.bin) is TC_EUNSUPPORTED, saying what is supported. */
int tc_bert_load(const char *dir, tc_bert **out);
int tc_bert_dim(const tc_bert *m);        /* output vector width */
int tc_bert_max_len(const tc_bert *m);    /* ids per text incl. [CLS]/[SEP] */
int tc_bert_max_positions(const tc_bert *m);   /* max_position_embeddings */
/* Overrides the maximum length (2 ... max_positions), before the first embed. */
int tc_bert_set_max_len(tc_bert *m, int n);
int tc_bert_normalizes(const tc_bert *m); /* 1 if a Normalize module follows pooling */
/* 1 if sentence_bert_config.json says do_lower_case: sentence-transformers
 * lower-cases each text (Python's str.lower) before the tokenizer sees it. */
int tc_bert_lowercases(const tc_bert *m);
int tc_bert_vocab_size(const tc_bert *m);
/* Embeds n texts given as token ids (ids[i] of len[i] <= max_len, [CLS]/[SEP] included, every
 * id < vocab size) into out (n, dim) row-major, as SentenceTransformer.encode gives them
 * (normalised only if the model says so). Sorts by length and batches internally; n_threads
 * workers (pthreads, each OpenBLAS single-threaded as src/embed/use_lite.c does). Results in
 * input order, independent of n_threads and batching up to float rounding. Returns 0, TC_EINVAL
 * for a length or id out of range (nothing written), or TC_ENOMEM. A text of length 0 gives
 * zeros. */
int tc_bert_embed_ids(const tc_bert *m, const int32_t *const *ids, const int *len, size_t n,
                      int n_threads, float *out);
/* The same, adding the texts it finished to meter (ticked from the calling
 * thread between its batches); stops early with TC_ECANCELED when the
 * meter's callback asks to (out then partly written). */
int tc_bert_embed_ids_metered(const tc_bert *m, const int32_t *const *ids, const int *len, size_t n,
                              int n_threads, tc_meter *meter, float *out);
/* Matrix FLOPs of the weight products for n_tokens tokens (for the benchmark's GFLOP/s). */
double tc_bert_gemm_flops(const tc_bert *m, double n_tokens);
void tc_bert_free(tc_bert *m);                /* NULL is a no-op */
/* tests: plain reference forward of one text, double precision, no BLAS. */
void tc_bert_forward_naive(const tc_bert *m, const int32_t *ids, int n, float *out);

#endif
