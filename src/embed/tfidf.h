/* tfidf.h - private parts of the TF-IDF + truncated SVD encoder, shared by
 * the vocabulary (tfidf_vocab.c), the SVD (tfidf_svd.c), the encoder and its
 * saved file (tfidf.c, tfidf_file.c), the hybrid (hybrid.c), the naive
 * reference (tfidf_naive.c), the tests and the benchmark. */
#ifndef TC_TFIDF_H
#define TC_TFIDF_H

#include "embed/encoder.h"
#include "util/util.h"

#include <stddef.h>
#include <stdint.h>

#define TC_TFIDF_DIM 256             /* default SVD components (--embed_dim) */
#define TC_TFIDF_MIN_DF 2            /* a term must occur in this many texts... */
#define TC_TFIDF_MAX_DF 0.5          /* ...and in at most this share of them */
#define TC_TFIDF_MAX_TERMS 262144    /* vocabulary cap: the most frequent (by df) are kept */
#define TC_TFIDF_COUNT_CAP (1u << 22) /* distinct terms counted before rare ones are pruned */
#define TC_TFIDF_MAX_WORD 64         /* bytes kept of one word (after NFKC + case fold) */
#define TC_TFIDF_OVERSAMPLE 10       /* randomized SVD: extra columns (as scikit-learn) */
#define TC_TFIDF_POWER_ITERS 5       /* randomized SVD: power iterations (TruncatedSVD's n_iter) */

/* Vocabulary options of a fit. */
typedef struct tc_tfidf_opts {
    int min_df;          /* texts a term must occur in */
    double max_df;       /* share of texts a term may occur in at most */
    size_t max_terms;    /* vocabulary cap */
    size_t count_cap;    /* distinct terms held while counting */
} tc_tfidf_opts;

tc_tfidf_opts tc_tfidf_default_opts(void);

/* The fitted model: sorted vocabulary, IDF per term, SVD basis. Immutable
 * once built; shared read-only by the threads of an embed. */
typedef struct tc_tfidf_model {
    uint32_t n_terms;      /* V */
    uint32_t dim;          /* k */
    float weight;          /* weight of the TF-IDF half in a hybrid (1 alone) */
    char *term_bytes;      /* V NUL-terminated terms, ascending byte order */
    uint32_t *term_off;    /* (V) offset of each term in term_bytes */
    float *idf;            /* (V) ln((1 + n) / (1 + df)) + 1 */
    float *basis;          /* (V, k) term j's row of the right singular vectors */
    uint64_t *slot;        /* (n_slots) hash table: term index + 1, 0 = empty */
    size_t n_slots;        /* power of two */
} tc_tfidf_model;

void tc_tfidf_model_free(tc_tfidf_model *m);

/* Builds the lookup table of m (after term_bytes/term_off are set). */
int tc_tfidf_model_index(tc_tfidf_model *m);

/* Column of a term, or -1. */
int64_t tc_tfidf_lookup(const tc_tfidf_model *m, const char *term, size_t len);

/* Calls fn for each term of text: NFKC + case fold (utf8proc), words of two
 * or more letters, digits or '_' (as scikit-learn's \b\w\w+\b), English
 * stop words dropped, then each word and each pair of adjacent kept words
 * ("w1 w2"). */
typedef void (*tc_tfidf_term_fn)(void *ctx, const char *term, size_t len);
int tc_tfidf_terms(const char *text, tc_tfidf_term_fn fn, void *ctx);

/* A CSR matrix of n rows: the TF-IDF weights (rows unit-norm). */
typedef struct tc_tfidf_rows {
    size_t n_rows, n_cols;
    size_t *row;           /* (n_rows + 1) */
    uint32_t *col;         /* (nnz) ascending within a row */
    float *val;            /* (nnz) */
} tc_tfidf_rows;

void tc_tfidf_rows_free(tc_tfidf_rows *x);

/* Counts document frequencies over texts and fills m's vocabulary
 * (term_bytes, term_off, n_terms) and idf; builds the index. meter (NULL =
 * none) is ticked every 1024 texts; TC_ECANCELED once it is stopped. */
int tc_tfidf_vocab_fit(const char *const *texts, size_t n, const tc_tfidf_opts *o, int n_threads,
                       tc_meter *meter, tc_tfidf_model *m);

/* The TF-IDF rows of n texts against m's vocabulary: sublinear TF
 * (1 + ln tf), times IDF, L2-normalised (an empty row stays empty). meter
 * (NULL = none) is polled every 1024 texts; TC_ECANCELED once it is stopped. */
int tc_tfidf_transform(const tc_tfidf_model *m, const char *const *texts, size_t n, int n_threads,
                       tc_meter *meter, tc_tfidf_rows *out);

/* Randomized truncated SVD (Halko, Martinsson, Tropp 2011, Alg. 4.4 with QR
 * between power iterations): the top k right singular vectors of x into
 * basis (n_cols, k), singular values into sv (k) when not NULL, descending.
 * k <= min(n_rows, n_cols). Deterministic for a seed and thread count.
 * meter (NULL = none) is ticked inside every product (each 256 rows, each
 * block of the dense steps); TC_ECANCELED once it is stopped. */
int tc_tfidf_svd(const tc_tfidf_rows *x, int k, int oversample, int n_iter, uint64_t seed, int n_threads,
                 tc_meter *meter, float *basis, float *sv);

/* out (n_rows, k) = x basis, rows L2-normalised (a zero row gets e_0). */
void tc_tfidf_project(const tc_tfidf_rows *x, const float *basis, int k, int n_threads, float *out);

/* Naive reference (tfidf_naive.c): the dense TF-IDF matrix (n, V) of texts
 * with the same options, vocabulary by linear search; *terms gets the V
 * sorted terms (malloc'd array of malloc'd strings). For small data only. */
int tc_tfidf_naive(const char *const *texts, size_t n, const tc_tfidf_opts *o, char ***terms,
                   size_t *n_terms, double **dense);

/* The saved file (tfidf_file.c): tfidf.bin in a save folder. */
int tc_tfidf_model_write(const tc_tfidf_model *m, void **buf, size_t *len);
int tc_tfidf_model_read(const void *buf, size_t len, const char *what, tc_tfidf_model *m);

/* Encoders (tfidf.c, hybrid.c). inner = the sentence encoder's model name. */
int tc_tfidf_open(tc_encoder *e);
int tc_hybrid_open(const char *inner, tc_encoder *e);

/* The model behind a fitted tfidf encoder (NULL otherwise or unfitted). */
const tc_tfidf_model *tc_tfidf_encoder_model(const tc_encoder *e);

/* The hybrid's weight, kept in the tfidf model so that one file holds it. */
void tc_tfidf_set_weight(tc_encoder *e, float w);

/* Default weight of the TF-IDF half of MODEL+tfidf (bench/quality.md). */
#define TC_HYBRID_WEIGHT 0.75f

#endif
