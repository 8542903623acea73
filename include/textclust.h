/* textclust.h - find and name the topics in a large collection of texts.
 *
 * The one public header of libtextclust. Everything not declared here is
 * private to the library.
 *
 * Pipeline: texts -> embed (unit vectors) -> UMAP to 2-D -> DBSCAN/HDBSCAN ->
 * a label per cluster (keywords offline, or an LLM) -> plots -> save folder.
 * New texts are classified by the majority label of their nearest training
 * texts in the embedding space.
 *
 *     tc_params p = tc_default_params();
 *     p.seed = 7;
 *     tc_classifier *c;
 *     if (tc_classifier_new(&p, &c) != 0) die(tc_last_error());
 *     if (tc_classifier_fit(c, texts, n, NULL, 0) != 0) die(tc_last_error());
 *     tc_classifier_save(c, "./cc_100k");
 *     int64_t lab[2]; float dist[2];
 *     tc_classifier_infer(c, new_texts, 2, 1, lab, dist, NULL);
 *     printf("%s\n", tc_classifier_summary(c, lab[0]));
 *     tc_classifier_free(c);
 *
 * Errors: every function that can fail returns an int, 0 on success and a
 * negative TC_E* code otherwise; tc_last_error() gives the message of the
 * latest failure on the calling thread. The library never exits and never
 * writes to stdout; warnings go to the logger (tc_set_logger).
 *
 * Threads: a tc_classifier or tc_encoder is used by one thread at a time,
 * with one exception: a fitted (or loaded, or built from arrays) classifier
 * may serve tc_classifier_infer, _infer_xy and _infer_vectors calls from
 * several threads at once, since infer changes nothing in it. Each call
 * may use up to n_threads worker threads internally (any count
 * above 4 per core is capped there, with one warning). The stage
 * functions (tc_umap_fit, tc_dbscan, ...) share no state and may be called
 * from several threads at once. OpenBLAS always runs on the calling thread:
 * the library splits matrix products across its own n_threads, and the
 * first call that needs BLAS sets OpenBLAS's process-wide thread count to
 * one (it never changes it otherwise; a caller who raises it again for its
 * own products, numpy's included when it shares the library, gets it set
 * back to one by the next textclust call).
 *
 * Determinism: the same inputs, seed and thread count give byte-identical
 * outputs.
 */
#ifndef TEXTCLUST_H
#define TEXTCLUST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Everything the library exports carries TC_API; the library is built with
 * -fvisibility=hidden, so nothing else leaves libtextclust.so. */
#if defined(__GNUC__)
#define TC_API __attribute__((visibility("default")))
#else
#define TC_API
#endif

/* The version this header belongs to; tc_version() and
 * tc_version_number() give the library's at run time (compare them when
 * loading the shared library built apart). The .so's soname carries the
 * major version: libtextclust.so.0. */
#define TC_VERSION_MAJOR 0
#define TC_VERSION_MINOR 1
#define TC_VERSION_PATCH 0
#define TC_VERSION_STR_(x) #x
#define TC_VERSION_STR(x) TC_VERSION_STR_(x)
#define TC_VERSION                                                                    \
    TC_VERSION_STR(TC_VERSION_MAJOR) "." TC_VERSION_STR(TC_VERSION_MINOR) "." TC_VERSION_STR( \
        TC_VERSION_PATCH)
#define TC_VERSION_NUMBER (TC_VERSION_MAJOR * 10000 + TC_VERSION_MINOR * 100 + TC_VERSION_PATCH)

/* "MAJOR.MINOR.PATCH" of the library; a static string. */
TC_API const char *tc_version(void);
/* MAJOR * 10000 + MINOR * 100 + PATCH of the library (TC_VERSION_NUMBER). */
TC_API int tc_version_number(void);

/* ---------------------------------------------------------------- errors */

enum {
    TC_OK = 0,
    TC_EINVAL = -1,      /* an argument or parameter is out of range */
    TC_ENOMEM = -2,      /* an allocation failed */
    TC_EIO = -3,         /* a file could not be read or written */
    TC_EFORMAT = -4,     /* input data is malformed (file, line, field in the message) */
    TC_ENOTFOUND = -5,   /* a file, field, model or cluster does not exist */
    TC_EMISMATCH = -6,   /* sizes disagree between arrays or files */
    TC_ENET = -7,        /* a network request failed for good */
    TC_EUNSUPPORTED = -8, /* a feature is not available in this build */
    TC_ECANCELED = -9     /* the progress callback asked to stop (nothing half-written) */
};

/* Short constant name of an error code ("invalid argument", ...). */
TC_API const char *tc_strerror(int code);

/* Message of the latest failure on the calling thread; "" when none.
 * The string lives until the next failing call on the same thread. */
TC_API const char *tc_last_error(void);

/* ---------------------------------------------------------------- hooks */

enum { TC_LOG_DEBUG = 0, TC_LOG_INFO = 1, TC_LOG_WARN = 2, TC_LOG_ERROR = 3 };

/* Receives library messages. The default logger writes warnings and errors
 * to stderr. Passing NULL restores the default. Not thread-safe to change
 * while other threads run library code. */
typedef void (*tc_log_fn)(void *ctx, int level, const char *msg);
TC_API void tc_set_logger(tc_log_fn fn, void *ctx);

/* Progress of a long stage: `done` of `total` units of `stage` ("embed",
 * "knn", "umap", "cluster", "label", ...). Called from the thread that
 * called the library: done == 0 when the stage starts, then at least once a
 * second while it runs, done == total last. A non-zero return cancels: the
 * running call stops at its next report and returns TC_ECANCELED, having
 * written nothing half-done (a save folder keeps its previous save). */
typedef int (*tc_progress_fn)(void *ctx, const char *stage, size_t done, size_t total);

/* ---------------------------------------------------------------- encoders */

/* A sentence encoder: texts in, L2-normalised float32 vectors out. */
typedef struct tc_encoder tc_encoder;

typedef struct tc_encoder_params {
    int n_threads;       /* worker threads; 0 = all cores */
    int batch_size;      /* texts per forward pass; 0 = encoder's default */
    int max_length;      /* max tokens per text; 0 = the model's own limit */
    int dtype;           /* weight products: TC_DTYPE_*; TC_DTYPE_AUTO (0) = the fastest whose
                            quality bound holds for the model on this CPU */
    int dim;             /* tfidf: SVD components; 0 = 256 (fewer when the texts or terms are fewer) */
    float hybrid_weight; /* MODEL+tfidf: weight of the TF-IDF half against the model's (1); 0 = default */
    uint64_t seed;       /* tfidf: the SVD's random start (tc_params.seed overrides) */
    tc_progress_fn progress;  /* "embed" (texts), and "tfidf" (3 steps) while fitting; NULL = none */
    void *progress_ctx;
} tc_encoder_params;

TC_API tc_encoder_params tc_encoder_default_params(void);

/* Precision of an encoder's weight products (layer norms, softmax and sums
 * stay fp32). bf16 needs AVX512-BF16 or AMX, int8 AVX512-VNNI or AMX; where
 * the CPU (or TEXTCLUST_CPU) lacks them the encoder runs fp32. */
enum { TC_DTYPE_AUTO = 0, TC_DTYPE_FP32 = 1, TC_DTYPE_BF16 = 2, TC_DTYPE_INT8 = 3 };
/* "auto", "fp32", "bf16", "int8"; "?" for anything else. Static storage. */
TC_API const char *tc_dtype_name(int dtype);
/* The TC_DTYPE_* called name (case-insensitive, "auto" included), or -1. */
TC_API int tc_dtype_by_name(const char *name);

/* Opens the encoder named by `model`: "use-lite" (Universal Sentence
 * Encoder lite, needs its weights installed), "tfidf" (built in, fitted on
 * the texts of a run: TF-IDF of words and word pairs reduced by a truncated
 * SVD to p->dim), "MODEL+tfidf" (MODEL's vector and tfidf's side by side,
 * weighted by p->hybrid_weight, renormalised), "hashing" (built in, no
 * weights, no fit: signed feature hashing of words and word pairs), a model folder
 * (sentence-transformers BERT: config.json, model.safetensors, tokenizer;
 * or USE-lite's model.json), or a Hugging Face id "ORG/NAME[@REV]" looked up
 * in the Hugging Face cache and downloaded into it when missing (unless
 * HF_HUB_OFFLINE=1; a bare "NAME" is sentence-transformers/NAME, cache
 * only). NULL means the default encoder. *out is freed with
 * tc_encoder_free. */
TC_API int tc_encoder_open(const char *model, const tc_encoder_params *p, tc_encoder **out);

/* Output dimension (e.g. 512). */
TC_API int tc_encoder_dim(const tc_encoder *e);

/* Stable model id saved with results ("use-lite", "hashing-512", ...).
 * Lives as long as the encoder. */
TC_API const char *tc_encoder_name(const tc_encoder *e);

/* The dtype the encoder runs ("fp32", "bf16", "int8"): params' dtype, or
 * the one TC_DTYPE_AUTO chose, after any fall-back to fp32. */
TC_API const char *tc_encoder_dtype(const tc_encoder *e);

/* Embeds n texts (NUL-terminated UTF-8, borrowed) into out, (n, dim) row-
 * major, each row of unit length (an empty text gets a fixed unit vector). */
TC_API int tc_encoder_embed(tc_encoder *e, const char *const *texts, size_t n, float *out);

TC_API void tc_encoder_free(tc_encoder *e);

/* Is s a hub model id: ORG/NAME or NAME, optional @REVISION (no path that
 * exists locally is passed here; the caller checks folders first). The
 * rules are huggingface_hub's: names of [A-Za-z0-9_.-] that start and end
 * with a letter, digit or _, at most 96 bytes, no "--" or "..", no ".git"
 * at the end; a revision of [A-Za-z0-9_.-/] with no ".." and no leading or
 * trailing '/'. Built-in encoder names ("hashing", "use-lite") are ids by
 * these rules too: match them first. */
TC_API int tc_hub_is_id(const char *s);

/* 1 when the encoder learns from texts (tfidf, MODEL+tfidf): it embeds
 * only after tc_encoder_fit or tc_encoder_set_state; 0 for the others. */
TC_API int tc_encoder_needs_fit(const tc_encoder *e);

/* Fits on n texts (borrowed during the call); a no-op returning 0 for an
 * encoder that learns nothing. May change tc_encoder_dim (the rank is at
 * most the number of texts and of distinct terms). Refitting replaces. */
TC_API int tc_encoder_fit(tc_encoder *e, const char *const *texts, size_t n);

/* What a fitted encoder learned, as bytes (the save folder's tfidf.bin):
 * *buf malloc'd (free it), or NULL with *len 0 for an encoder that learns
 * nothing. TC_EINVAL when it learns but was not fitted. */
TC_API int tc_encoder_state(const tc_encoder *e, void **buf, size_t *len);

/* Takes back bytes from tc_encoder_state (borrowed, checked: TC_EFORMAT
 * names `what` and the field on bad input). */
TC_API int tc_encoder_set_state(tc_encoder *e, const void *buf, size_t len, const char *what);

/* Name of the default encoder for tc_encoder_open(NULL, ...):
 * "use-lite+tfidf", which must be fitted (tc_encoder_fit) before it embeds. */
TC_API const char *tc_default_encoder(void);

/* ---------------------------------------------------------------- UMAP */

enum { TC_UMAP_INIT_SPECTRAL = 0, TC_UMAP_INIT_RANDOM = 1 };
enum { TC_KNN_AUTO = 0, TC_KNN_EXACT = 1, TC_KNN_APPROX = 2 };

typedef struct tc_umap_params {
    int n_neighbors;          /* neighbourhood size, 15; larger = more global structure */
    int n_components;         /* output dimension, 2 */
    float min_dist;           /* 0.1; smaller = tighter clumps */
    float spread;             /* 1.0; scale of the embedded points */
    int n_epochs;             /* 0 = 500 for N <= 10000, else 200 */
    float learning_rate;      /* initial SGD step, 1.0 */
    int negative_sample_rate; /* negative samples per positive, 5 */
    float repulsion_strength; /* weight of negative samples (gamma), 1.0 */
    float local_connectivity; /* neighbours assumed connected, 1.0 */
    float set_op_mix_ratio;   /* 1.0 = fuzzy union, 0.0 = intersection */
    float a, b;               /* curve parameters; 0 = fit from min_dist and spread */
    int init;                 /* TC_UMAP_INIT_*, spectral */
    int knn_method;           /* TC_KNN_*, chosen by N when AUTO */
    uint64_t seed;            /* every random choice derives from it */
    int n_threads;            /* 0 = all cores */
    tc_progress_fn progress;  /* "knn" (points), then "umap" (epochs: 0 during the fuzzy set and
                                 the spectral start); NULL = none */
    void *progress_ctx;
} tc_umap_params;

TC_API tc_umap_params tc_umap_default_params(void);

/* Projects n rows of x (n, d), compared by cosine distance, to out
 * (n, p->n_components). x is borrowed and not modified. The result is a
 * function of (inputs, parameters, seed, thread count): from 65,536 graph
 * edges (about 3,000 points) up, the layout runs one block per thread, so
 * different thread counts give different, equally trustworthy, projections. */
TC_API int tc_umap_fit(const float *x, size_t n, int d, const tc_umap_params *p, float *out);

/* ---------------------------------------------------------------- clustering */

enum { TC_CLUSTER_DBSCAN = 0, TC_CLUSTER_HDBSCAN = 1 };
enum { TC_HDBSCAN_EOM = 0, TC_HDBSCAN_LEAF = 1 };

typedef struct tc_dbscan_params {
    double eps;      /* neighbourhood radius (Euclidean), 0.08 */
    int min_samples; /* points within eps, the point itself included, for a core point; 50 */
    int n_threads;   /* 0 = all cores */
    tc_progress_fn progress; /* "cluster", points; NULL = none */
    void *progress_ctx;
} tc_dbscan_params;

TC_API tc_dbscan_params tc_dbscan_default_params(void);

/* Labels n points x (n, d) as scikit-learn's DBSCAN does: clusters 0.. in
 * order of discovery, -1 for noise. labels has room for n. The labels are
 * identical to sklearn.cluster.DBSCAN(eps, min_samples).fit(x).labels_ on the
 * same float32 input for d <= 15 (its KD-tree test: squared distance in
 * double <= eps * eps); above 15 dimensions scikit-learn switches to distances
 * from matrix products, which may round pairs within float rounding of eps
 * the other way. eps = 0 makes exact duplicates neighbours. Time and memory
 * are linear in n for d <= 2 (a grid); higher d uses a grid on two
 * coordinates (memory linear, time up to quadratic). The result does not
 * depend on n_threads. */
TC_API int tc_dbscan(const float *x, size_t n, int d, const tc_dbscan_params *p, int64_t *labels);

typedef struct tc_hdbscan_params {
    int min_cluster_size;             /* smallest cluster kept, >= 2, 50 */
    int min_samples;                  /* core distance = distance to the min_samples-th nearest
                                         point, itself counted (scikit-learn's convention;
                                         fast_hdbscan's k is this minus 1; clamped to n);
                                         0 = min_cluster_size */
    int selection_method;             /* TC_HDBSCAN_EOM or _LEAF */
    double cluster_selection_epsilon; /* merge clusters closer than this, 0 */
    int n_threads;                    /* 0 = all cores */
    tc_progress_fn progress;          /* "cluster", points; reports from inside the core
                                         distances and every spanning-tree round; NULL = none */
    void *progress_ctx;
} tc_hdbscan_params;

TC_API tc_hdbscan_params tc_hdbscan_default_params(void);

/* HDBSCAN* labels of n points x (n, d): clusters 0.., -1 for noise, as
 * scikit-learn's HDBSCAN with allow_single_cluster = false: mutual-
 * reachability spanning tree, condensed tree, excess-of-mass or leaf
 * selection, cluster_selection_epsilon. Clusters are numbered in order of
 * their first point (scanning 0..n-1), like DBSCAN's. Ties between equal
 * distances are broken by point index, so the labels are the same for any
 * n_threads. Fast in low dimensions (a kd-tree); memory linear in n. */
TC_API int tc_hdbscan(const float *x, size_t n, int d, const tc_hdbscan_params *p, int64_t *labels);

/* One merge of a hierarchy over K flat clusters, in scipy's linkage layout:
 * nodes 0..K-1 are the clusters in ascending label order (for labels 0..K-1,
 * node j is label j), node K + i is the one merge i makes. Merges come
 * children first; a full hierarchy has K - 1 of them. */
typedef struct tc_cluster_merge {
    int64_t a, b;   /* the two merged nodes, a < b */
    double height;  /* HDBSCAN: the distance at which the condensed tree splits them;
                       average linkage: 1 - the mean dot product of their texts */
} tc_cluster_merge;

/* tc_hdbscan, and the hierarchy above its clusters read from the condensed
 * tree (the splits above the selected clusters): *merges malloc'd (free()),
 * *n_merges of them (K - 1 for K >= 1 clusters, 0 without clusters).
 * Deterministic as tc_hdbscan. */
TC_API int tc_hdbscan_hierarchy(const float *x, size_t n, int d, const tc_hdbscan_params *p,
                         int64_t *labels, tc_cluster_merge **merges, size_t *n_merges);

/* Average-linkage (UPGMA) hierarchy over the clusters of labels (n; -1 is
 * noise, left out) by the similarity of the texts' rows of e (n, d): the
 * similarity of two groups is the mean dot product over all pairs of their
 * rows, which is the dot product of their mean rows, so each step merges
 * the two groups whose means have the largest dot product (ties to the
 * lowest node ids). Serial, in double: the same for any thread count.
 * *merges malloc'd (free()), K - 1 of them for K clusters. O(K^2 d + K^2)
 * time after one pass over e. */
TC_API int tc_cluster_average_linkage(const float *e, size_t n, int d, const int64_t *labels,
                               tc_cluster_merge **merges, size_t *n_merges);

/* Gives every noise point (label -1) of x (n, d) the label of its nearest
 * non-noise point (Euclidean distance, ties to the lower index); labels (n)
 * are modified in place. Nothing changes when all points are noise or none
 * is. */
TC_API int tc_assign_noise(const float *x, size_t n, int d, int64_t *labels);

/* tc_assign_noise, but a noise point is absorbed only when its nearest
 * non-noise point is within max_distance (Euclidean, inclusive, in the units
 * of x); farther ones stay -1. max_distance 0 = no limit (tc_assign_noise);
 * negative or NaN is TC_EINVAL. */
TC_API int tc_assign_noise_within(const float *x, size_t n, int d, double max_distance, int64_t *labels);

/* ---------------------------------------------------------------- search */

/* Exact k nearest neighbours of m queries q (m, d) among n base rows
 * (n, d), by squared Euclidean distance (on unit vectors this ranks as
 * cosine). dist and ids are (m, k), nearest first, ties to the lower id;
 * where k > n the tail is dist = +inf, id = -1. Each distance is summed in
 * double and rounded to float (a BLAS product only shortlists candidates),
 * so ranks and ties do not depend on rounding. n_threads: 0 = all cores;
 * results are identical for any value. */
TC_API int tc_knn_search(const float *base, size_t n, int d, const float *q, size_t m, int k,
                  int n_threads, float *dist, int64_t *ids);

/* tc_knn_search, reporting to progress (NULL = none) as stage "knn" in
 * queries: 0 at the start, from inside the search (each base block of
 * every query tile) at most ten times a second, m at the end. A non-zero
 * return stops every thread within one block and gives TC_ECANCELED, with
 * dist and ids holding nothing usable. The results are those of
 * tc_knn_search. */
TC_API int tc_knn_search_progress(const float *base, size_t n, int d, const float *q, size_t m,
                                  int k, int n_threads, tc_progress_fn progress,
                                  void *progress_ctx, float *dist, int64_t *ids);

/* ---------------------------------------------------------------- labels */

enum { TC_TOPIC_MULTIPLE = 0, TC_TOPIC_SINGLE = 1 };
enum { TC_EXAMPLES_RANDOM = 0, TC_EXAMPLES_REPRESENTATIVE = 1 };
enum { TC_LLM_NONE = 0, TC_LLM_HF = 1, TC_LLM_OPENAI = 2 };

/* What one tc_label_clusters call did (filled when params.stats is set). */
typedef struct tc_label_stats {
    size_t n_requests;   /* HTTP requests sent, retries included */
    size_t n_retries;    /* requests that were retries */
    size_t n_cache_hits; /* clusters answered from the cache */
    size_t n_failed;     /* clusters whose request failed for good (keywords used) */
    size_t n_malformed;  /* clusters whose answer was kept as raw text */
} tc_label_stats;

typedef struct tc_label_params {
    int topic_mode;             /* TC_TOPIC_MULTIPLE (three words) or _SINGLE (topic + score) */
    int n_examples;             /* texts shown per cluster, 10 */
    int chunk_size;             /* characters kept per example (text[:420]), 420 */
    const char *template_text;  /* prompt with {examples} and {instruction}; NULL = built in */
    const char *instruction;    /* NULL = built in for topic_mode */
    int api;                    /* TC_LLM_*; NONE = keyword labels offline */
    const char *llm_url;        /* endpoint: HF: TGI base URL (+"/generate"), a full
                                   ".../generate" or ".../models/<id>" URL, NULL = the HF
                                   serverless API for llm_model; OPENAI: base URL
                                   (+"/chat/completions") or the full path, NULL =
                                   https://api.openai.com/v1 */
    const char *llm_model;      /* model id (HF: required when llm_url is NULL) */
    const char *llm_api_key;    /* bearer token; NULL = HF: $HF_TOKEN (or
                                   $HUGGING_FACE_HUB_TOKEN), then the token file; OPENAI:
                                   $OPENAI_API_KEY; none = no Authorization header.
                                   Never logged, cached or saved */
    const char *llm_token_file; /* HF token file; NULL = $HF_HOME/token, else
                                   $XDG_CACHE_HOME/huggingface/token, else
                                   ~/.cache/huggingface/token */
    int max_new_tokens;         /* answer length cap, 64 */
    float temperature;          /* 0 = greedy */
    int concurrency;            /* requests in flight, 4 */
    double timeout_s;           /* per request, 60 */
    int max_retries;            /* on network errors, 5xx and 429, 5 */
    double retry_delay_s;       /* first backoff delay, doubled per retry, +-50% jitter, 1 */
    const char *cache_dir;      /* answers cached on disk here; NULL = no cache */
    int examples;               /* TC_EXAMPLES_RANDOM: a seeded sample of the members (the
                                   reference's way); _REPRESENTATIVE: the texts nearest the
                                   centroid in embedding space, de-duplicated (needs the
                                   embeddings: tc_classifier_fit) */
    double mmr_lambda;          /* representative texts: maximal marginal relevance weight,
                                   0.7; 1 = nearest to the centroid only, lower = more varied */
    int llm_max_requests;       /* topic tree: most nodes above the clusters named by the
                                   LLM, top levels first (a node retried counts once, an
                                   answer from the cache counts too, so the set does not
                                   depend on the cache), 20; 0 = keywords only */
    uint64_t seed;              /* example sampling */
    tc_label_stats *stats;      /* when not NULL, receives the counts of the call */
    tc_progress_fn progress;    /* "label" (clusters: 0 while the keywords are counted), "tree"
                                   (topic-tree nodes the LLM names); NULL = none */
    void *progress_ctx;
} tc_label_params;

TC_API tc_label_params tc_label_default_params(void);

/* One cluster's name. Strings are owned by whoever owns the array. */
typedef struct tc_cluster_label {
    int64_t label;   /* cluster id (never -1) */
    char *summary;   /* what cluster_summaries.json holds: "A, B, C"; single_topic:
                        "<topic>. Educational score: <score>" ("None" without one) */
    char *topic;     /* single_topic: the topic (offline or on failure: the top three
                        keywords); else NULL */
    int score;       /* single_topic: educational score 1..10; else (or missing) -1 */
    char *keywords;  /* top terms, comma-separated (always computed) */
} tc_cluster_label;

/* Names every cluster of labels (n) over texts (n): fills *out with a
 * malloc'd array of *n_out entries in ascending label order (label -1 is
 * noise and gets none; any other numbering works); free it with
 * tc_cluster_labels_free. Keywords are always computed (c-TF-IDF); with
 * api NONE they are the summaries. A failed LLM request for one cluster
 * falls back to its keywords with a warning and the call still returns 0
 * (p->stats->n_failed counts them); errors are returned only for bad
 * params or input and out of memory. */
TC_API int tc_label_clusters(const char *const *texts, size_t n, const int64_t *labels,
                      const tc_label_params *p, tc_cluster_label **out, size_t *n_out);

TC_API void tc_cluster_labels_free(tc_cluster_label *l, size_t n);

/* ---------------------------------------------------------------- topic tree */

/* One node of the topic tree a fit builds over its clusters (HDBSCAN: the
 * condensed tree above the selected clusters; DBSCAN: average linkage of
 * the clusters' texts, tc_cluster_average_linkage). Node 0 is the root;
 * parents come before their children; the leaves are the clusters. */
typedef struct tc_topic_node {
    int64_t parent;     /* node index, -1 for the root */
    int64_t cluster;    /* a leaf's cluster label; -1 for a node above the clusters */
    size_t n_children;
    int64_t *children;  /* (n_children) node indices, the larger subtree first */
    size_t size;        /* texts below the node */
    int depth;          /* 0 at the root */
    double height;      /* merge height (tc_cluster_merge); 0 for a leaf */
    char *name;         /* a leaf: its cluster's summary; above: the LLM's name within
                           llm_max_requests, else the first three keywords */
    char *keywords;     /* top terms by c-TF-IDF over the node's texts, comma-separated */
    size_t n_repr;
    int64_t *repr;      /* (n_repr) representative texts: the nearest to the node's
                           mean embedding, de-duplicated by maximal marginal relevance */
} tc_topic_node;

/* Frees an array of n nodes and their strings (NULL is a no-op). */
TC_API void tc_topic_nodes_free(tc_topic_node *nodes, size_t n);

/* ---------------------------------------------------------------- plots */

typedef struct tc_plot_params {
    int width, height;   /* PNG size in pixels, 3600 x 2400; 0 = 12 x 8 in at dpi */
    float dpi;           /* pixels per inch, 300: stored in the PNG (pHYs); sets width/height 0 */
    float point_size;    /* point radius in pixels; 0 = scaled to N (smaller for more points) */
    float alpha;         /* point opacity 0..1; 0 = scaled to N (lower for more points) */
    float font_size;     /* label text in pixels; 0 = scaled to the image */
    int max_names;       /* map.png with a topic tree: most names drawn, 0 = 12 */
} tc_plot_params;

TC_API tc_plot_params tc_plot_default_params(void);

/* Writes the map as a PNG: xy (n, 2), labels (n), noise grey, each named
 * cluster's summary at its centre. names may be NULL (no label text). */
TC_API int tc_plot_map_png(const float *xy, size_t n, const int64_t *labels,
                    const tc_cluster_label *names, size_t n_names,
                    const tc_plot_params *p, const char *path);

/* Writes one self-contained interactive HTML page of the map: hover shows
 * the text, search, cluster list; nothing is fetched when it opens. */
TC_API int tc_write_map_html(const float *xy, size_t n, const int64_t *labels,
                      const char *const *texts, const tc_cluster_label *names,
                      size_t n_names, const char *path);

/* Texts placed on a map after the fit: infer's JSONL output (x, y, label,
 * distance, id per line), drawn over map.png and map.html as a layer of
 * their own by tc_classifier_plot_overlay. Kept per point: 28 bytes plus
 * the id (cut at 256 bytes). */
typedef struct tc_overlay {
    size_t n;            /* points */
    size_t n_noise;      /* points with a negative label (noise, or farther than --max_distance) */
    float *xy;           /* (n, 2) map positions */
    int64_t *labels;     /* (n) cluster labels as infer gave them */
    float *distance;     /* (n) distance to the nearest training text; NaN where the line had none */
    uint64_t *id_at;     /* (n) offset of each point's id in ids */
    char *ids;           /* the ids, NUL-terminated, back to back ("" where a line had none) */
    size_t ids_len;      /* bytes used in ids */
} tc_overlay;

/* Reads the JSONL files paths (n_paths >= 1, in order; "-" = standard
 * input) into *out, one line at a time (blank lines skipped). A line that
 * is not a JSON object, lacks x, y or label, or holds a non-finite x/y or a
 * non-integer label fails with TC_EFORMAT naming the file and line. Whether
 * the file was inferred against this save folder cannot be told from it.
 * Free with tc_overlay_free (also after a failure; NULL is a no-op). */
TC_API int tc_overlay_read(const char *const *paths, size_t n_paths, tc_overlay *out);
TC_API void tc_overlay_free(tc_overlay *o);

/* Most overlay points map.html holds: above it a uniform sample of this
 * many (seeded, in file order) keeps the page usable; map.png draws all. */
#define TC_OVERLAY_HTML_MAX 100000

/* single_topic mode: writes topics_dist.png, educational_score.png and
 * df_categories_count.csv into folder. */
TC_API int tc_plot_topics(const int64_t *labels, size_t n, const tc_cluster_label *names,
                   size_t n_names, const char *folder);

/* ---------------------------------------------------------------- reading texts */

/* The readers the command uses, for any caller: texts streamed from JSONL,
 * CSV, TSV, plain text or Parquet files (gzip or not, a file or a folder of
 * them), with their ids, in bounded memory. */

enum { TC_FMT_AUTO = 0, TC_FMT_JSONL, TC_FMT_CSV, TC_FMT_TSV, TC_FMT_TEXT, TC_FMT_PARQUET };

/* A batch of texts; the strings live in blocks owned by the set (valid
 * until tc_textset_free; never free one on its own). */
typedef struct tc_textset {
    char **texts;       /* (n) UTF-8, invalid bytes replaced by U+FFFD */
    char **ids;         /* (n) or NULL when the input has no id field; an entry may be NULL */
    size_t n, cap;
    struct tc_text_block *blocks;
} tc_textset;

TC_API void tc_textset_free(tc_textset *t);

typedef struct tc_reader tc_reader;

/* Opens path (a file, or a folder whose supported files are read in name
 * order) for streaming. format TC_FMT_AUTO picks by extension (.jsonl/.json/
 * .ndjson, .csv, .tsv/.tab, anything else = text; a trailing .gz is gzip)
 * and checks the content: any file starting with the gzip magic is
 * decompressed, a .gz file without it is an error. In a folder, AUTO reads
 * only files with those extensions (not hidden ones, not subfolders); a
 * fixed format reads every regular file. field is the text column/key
 * (JSONL, CSV, TSV; ignored for text; NULL = "text"); id_field ("id", or
 * NULL for none) is kept when present.
 *   JSONL: blank lines skipped; numbers and booleans converted to text,
 *          null/objects/arrays are an error naming the line.
 *   CSV:   RFC 4180, header row first; quoted fields may hold commas,
 *          newlines and doubled quotes; blank lines skipped; text after a
 *          closing quote is kept as it is; a row with more fields than the
 *          header, or too few to hold the text column, is an error.
 *   TSV:   the CSV parser with a tab; a field is quoted only when it starts
 *          with a quote.
 *   text:  one text per line, a trailing \r removed; lines that are empty
 *          or only whitespace are skipped (counted in one info line).
 *   An empty text field in JSONL or CSV/TSV is kept as an empty text, as
 *   the reference keeps it.
 *   Parquet (.parquet, or a regular file starting with PAR1): the text
 *          column and the id column (strings, or integers as text) of a
 *          flat schema; rows whose text is null are skipped with one
 *          warning; three row groups' two column chunks are held at a time
 *          (the one read and the two decoded ahead).
 * Content is recognised before reading: gzip by its magic bytes (whatever
 * the name), and a binary format (Parquet, .npy, zip, xz, zstd, bzip2, lz4,
 * 7z, faiss, ELF, PDF, UTF-16, or many NUL bytes in the first 4 KiB after
 * gzip decoding) is an error naming the format. Nothing seeks, so a pipe,
 * FIFO or /dev/stdin reads like a file; a name without a known extension
 * is read as JSONL when its first line is a JSON object, else as text.
 * Repaired, with one warning per file naming the first file:line: NUL
 * characters (raw, or \u0000 in JSON) are dropped and the rest kept; an
 * unpaired \uD800-\uDFFF escape becomes U+FFFD; a text longer than
 * max_text_bytes is cut on a UTF-8 boundary. A line or record longer than
 * max_record_bytes is an error naming its line, and is never held whole.
 * Ids: the id_field value of JSONL (numbers as text) or the id_field
 * column of CSV/TSV. A UTF-8 byte order mark at the start of a file is
 * dropped. The first file is opened here, so a missing path, a .gz that is
 * not gzip or a missing CSV column fails now; max must be > 0 in next. */
TC_API int tc_reader_open(const char *path, int format, const char *field, const char *id_field,
                   tc_reader **out);

/* Size limits of a reader. */
typedef struct tc_reader_opts {
    size_t max_text_bytes;   /* longer texts are cut; 0 = TC_MAX_TEXT_BYTES_DEFAULT */
    size_t max_record_bytes; /* longer lines/records are an error; 0 = 16 x max_text_bytes */
    int num_shards;          /* read one of this many parts of the input; 0 or 1 = all */
    int shard_index;         /* the part read, 0 to num_shards - 1 (see below) */
    int skip_bad;            /* 1: a malformed record is warned about and skipped (counted
                              * by tc_reader_skipped); 0: it is an error */
} tc_reader_opts;

/* Parts (num_shards = N, shard_index = I), the same for every process
 * that opens the same input, so that the N parts read in order are the
 * whole input read at once:
 *   one text file (JSONL, CSV, TSV, text; plain or gzip): the records
 *     whose first line starts in decoded bytes [S*I/N, S*(I+1)/N) of the
 *     file's S decoded bytes (CSV/TSV: whose parse starts there, the
 *     previous record's end, as a quoted field may hold newlines). Bytes
 *     before the part are read (lines split, CSV parsed, nothing else);
 *     gzip takes one more decoding pass to learn S;
 *   one Parquet file: the row groups whose first row is in
 *     [R*I/N, R*(I+1)/N) of its R rows;
 *   a folder: the files whose first byte, counting the sizes of the files
 *     before them in name order, is in [S*I/N, S*(I+1)/N) of the total S.
 * A part may be empty. Memory readers ignore parts. */

/* max_text_bytes when none is given (1 MiB), and the largest accepted:
 * opening fails (TC_EINVAL) above it. */
#define TC_MAX_TEXT_BYTES_DEFAULT (1l << 20)
#define TC_MAX_TEXT_BYTES_LIMIT (1l << 28)

TC_API tc_reader_opts tc_reader_default_opts(void); /* zeros: the defaults above */

/* tc_reader_open with explicit limits (opts NULL = defaults). */
TC_API int tc_reader_open_opts(const char *path, int format, const char *field, const char *id_field,
                        const tc_reader_opts *opts, tc_reader **out);

/* A reader over the n files at paths, read in that order (copied; each
 * file's format found as for one file). For a split of a hub dataset,
 * whose snapshot folder may hold other splits. n must be > 0. */
TC_API int tc_reader_open_files(const char *const *paths, size_t n, int format, const char *field,
                         const char *id_field, const tc_reader_opts *opts, tc_reader **out);

/* A reader over len bytes at data (borrowed until close; one file named
 * name in messages, whose extension picks the format under TC_FMT_AUTO).
 * For fuzzing and for callers that hold the bytes already. */
TC_API int tc_reader_open_mem(const char *name, const void *data, size_t len, int format,
                       const char *field, const char *id_field, const tc_reader_opts *opts,
                       tc_reader **out);

/* Appends up to max texts to batch (zero-initialised or holding earlier
 * texts). Returns the number appended (0 at the end) or a negative error
 * naming file and line; after an error every call returns it again. */
TC_API long tc_reader_next(tc_reader *r, size_t max, tc_textset *batch);

/* Texts whose invalid UTF-8 was repaired so far. */
TC_API size_t tc_reader_repaired(const tc_reader *r);

/* Malformed records skipped so far (skip_bad): bad JSON, text after the
 * value, not an object, no text field, a text field of another type, a
 * CSV row of the wrong width. Other errors (I/O, gzip, Parquet, a line
 * over the record limit, an unclosed quote) always stop. */
TC_API size_t tc_reader_skipped(const tc_reader *r);

/* Files in the reader's list (of its part, for a folder). */
TC_API size_t tc_reader_n_files(const tc_reader *r);

/* Where a reader stands, between two tc_reader_next calls: the file (an
 * index in the reader's list; n_files at the end), how far into it
 * (decoded bytes for the text formats, rows for Parquet) and its lines
 * read (row count for Parquet), for messages. */
typedef struct tc_reader_pos {
    unsigned long long file, offset, line;
} tc_reader_pos;

TC_API void tc_reader_tell(const tc_reader *r, tc_reader_pos *pos);

/* Moves a reader, opened with the same path, format and options, to a
 * position that tc_reader_tell gave. Cost: a plain file seeks; gzip
 * decodes and drops the bytes before the position; Parquet skips to its
 * row group; a folder opens the file. */
TC_API int tc_reader_seek(tc_reader *r, const tc_reader_pos *pos);

TC_API void tc_reader_close(tc_reader *r);

/* Reads everything into out (overwritten): open, next until the end, close.
 * Warns once about repaired UTF-8. No texts at all is an error
 * ("PATH: no texts"). On error out is left empty. */
TC_API int tc_read_texts(const char *path, int format, const char *field, const char *id_field,
                  const tc_reader_opts *opts, tc_textset *out);
/* The same over the n files at paths (tc_reader_open_files); name stands
 * for them in messages. */
TC_API int tc_read_texts_files(const char *const *paths, size_t n, const char *name, int format,
                        const char *field, const char *id_field, const tc_reader_opts *opts,
                        tc_textset *out);

/* ---------------------------------------------------------------- .npy arrays */

/* NumPy .npy v1.0, little-endian, C order. cols == 0 writes a 1-D array. */
TC_API int tc_npy_save_f32(const char *path, const float *x, size_t rows, size_t cols);
TC_API int tc_npy_save_i64(const char *path, const int64_t *x, size_t n);

/* Loads a 2-D float array (float32; float64 converted) into *x (malloc'd).
 * A 1-D array gives cols = 1. */
TC_API int tc_npy_load_f32(const char *path, float **x, size_t *rows, size_t *cols);
/* Loads a 1-D integer array (int64; int32 converted). */
TC_API int tc_npy_load_i64(const char *path, int64_t **x, size_t *n);

/* Streaming writer of a 2-D float32 array whose row count is known only at
 * the end (bounded memory for inference). */
typedef struct tc_npy_writer tc_npy_writer;
TC_API int tc_npy_writer_open(const char *path, size_t cols, tc_npy_writer **out);
TC_API int tc_npy_writer_append(tc_npy_writer *w, const float *x, size_t rows);
TC_API int tc_npy_writer_close(tc_npy_writer *w);  /* fixes the header, renames into place; frees w */
TC_API void tc_npy_writer_abort(tc_npy_writer *w); /* drops what was written; frees w */

/* A writer that survives a kill: it writes part itself (no temporary),
 * which holds the rows appended so far behind a header that says 0 rows.
 * keep_rows 0 creates (or empties) part; else part must be such a file
 * of cols columns with keep_rows rows at least, and is cut to them.
 * close writes the row count, fsyncs and renames part to path. */
TC_API int tc_npy_writer_resume(const char *part, const char *path, size_t cols, size_t keep_rows,
                         tc_npy_writer **out);
TC_API int tc_npy_writer_sync(tc_npy_writer *w);        /* the rows appended are on disk */
TC_API size_t tc_npy_writer_rows(const tc_npy_writer *w);
TC_API void tc_npy_writer_leave(tc_npy_writer *w);      /* closes, keeps part as it is; frees w */

/* ---------------------------------------------------------------- files */

/* Whole files, read and written the way the library writes its own: a
 * file is written to a unique temporary ".<base>.tmp-<pid>-<random>" in the
 * target's folder, then fflush, fsync, rename over the target and fsync of
 * the folder, so a reader (or a kill at any point) sees the old file or
 * the new one, never half of it. A target that is a symlink is followed
 * (the file it points to is replaced, the link stays); one that is not a
 * regular file (/dev/stdout, a FIFO) is written in place. Temporaries that
 * a killed process left beside the target are removed by the next open. */
typedef struct tc_atomic_file tc_atomic_file;

/* Starts writing path; *out is NULL on error (the message names path). */
TC_API int tc_atomic_file_open(const char *path, tc_atomic_file **out);
/* Where to write the content; lives until commit or abort. */
TC_API FILE *tc_atomic_file_stream(tc_atomic_file *f);
/* Puts the file in place; frees f, also on error (the temporary is then
 * removed and the old file kept). */
TC_API int tc_atomic_file_commit(tc_atomic_file *f);
/* Removes the temporary and keeps the old file; frees f. NULL is a no-op. */
TC_API void tc_atomic_file_abort(tc_atomic_file *f);

/* open, one write of len bytes of data, commit. */
TC_API int tc_atomic_write(const char *path, const void *data, size_t len);

/* The file a write of path replaces: path, or where it points when it is a
 * symlink. malloc'd; NULL when out of memory. */
TC_API char *tc_atomic_target(const char *path);

/* fsync of a folder, so that a rename or unlink in it survives a crash. */
TC_API int tc_fsync_dir(const char *dir);

/* Reads a whole file into *data (malloc'd, NUL-terminated; *len bytes
 * before the NUL). A FIFO or /dev/stdin is read to its end. */
TC_API int tc_read_file(const char *path, char **data, size_t *len);
/* The same for a file that may come from anyone (a save folder's, a
 * checkpoint): a FIFO, device or directory is refused (TC_EFORMAT)
 * instead of blocking or reading without end. */
TC_API int tc_read_regular_file(const char *path, char **data, size_t *len);

/* ---------------------------------------------------------------- Parquet out */

/* A streaming Parquet writer, for datasets the hub and pandas read (the
 * save folder's hf_*.parquet, infer's per-cluster dataset): data pages
 * v1, PLAIN values, one codec for the file. Lists are the three-level form pyarrow
 * writes, <name> (LIST) { repeated group list { optional <type> element } },
 * which DuckDB reads as VARCHAR[] / DOUBLE[] and pandas as lists. Strings
 * are BYTE_ARRAY annotated UTF8/STRING (written as given: pass UTF-8). */
enum { TC_PQ_INT64, TC_PQ_FLOAT, TC_PQ_DOUBLE, TC_PQ_STRING, TC_PQ_LIST_STRING, TC_PQ_LIST_DOUBLE };
enum { TC_PQ_ZSTD = 0, TC_PQ_SNAPPY, TC_PQ_UNCOMPRESSED };

typedef struct tc_parquet_column {
    const char *name;   /* copied at open */
    int type;           /* TC_PQ_* */
    int optional;       /* 1 = the value (a list column: the whole list) may be null */
} tc_parquet_column;

typedef struct tc_parquet_writer_opts {
    int codec;              /* TC_PQ_ZSTD (default), TC_PQ_SNAPPY or TC_PQ_UNCOMPRESSED */
    int zstd_level;         /* 0 = 3 */
    size_t row_group_bytes; /* a row group is written once it buffers this much; 0 = 64 MiB */
    size_t row_group_rows;  /* ... or this many rows; 0 = 1M */
    size_t page_bytes;      /* a page is cut at a row start past this; 0 = 1 MiB */
} tc_parquet_writer_opts;

TC_API tc_parquet_writer_opts tc_parquet_writer_default_opts(void);

typedef struct tc_parquet_writer tc_parquet_writer;

/* Starts path (as tc_atomic_file_open: a temporary, renamed at close). opts
 * NULL = defaults. Memory: about one row group (row_group_bytes, values
 * compressed page by page) plus one page per column; a single row larger
 * than a row group (a list of millions of texts) streams its pages to the
 * file and ends its row group, so it needs no more than that either. */
TC_API int tc_parquet_writer_open(const char *path, const tc_parquet_column *cols, size_t n_cols,
                                  const tc_parquet_writer_opts *opts, tc_parquet_writer **out);

/* One row: one value per column in schema order, then row_end. A list
 * column takes list_begin, any number of int64/double/string/null calls
 * for its elements (null: a null element), then list_end (none between:
 * an empty list); null outside a list is a null value (optional columns
 * only). string with s NULL is null. A call that does not fit the column
 * fails (TC_EINVAL); after any error every call returns it again. */
TC_API int tc_parquet_writer_int64(tc_parquet_writer *w, int64_t v);
TC_API int tc_parquet_writer_float(tc_parquet_writer *w, float v);
TC_API int tc_parquet_writer_double(tc_parquet_writer *w, double v);
TC_API int tc_parquet_writer_string(tc_parquet_writer *w, const char *s, size_t len);
TC_API int tc_parquet_writer_null(tc_parquet_writer *w);
TC_API int tc_parquet_writer_list_begin(tc_parquet_writer *w);
TC_API int tc_parquet_writer_list_end(tc_parquet_writer *w);
TC_API int tc_parquet_writer_row_end(tc_parquet_writer *w);

/* Writes the last row group and the footer and renames the file into
 * place; frees w (also on error, when the temporary is removed). */
TC_API int tc_parquet_writer_close(tc_parquet_writer *w);
/* Drops the file; frees w. NULL is a no-op. */
TC_API void tc_parquet_writer_abort(tc_parquet_writer *w);

/* ---------------------------------------------------------------- Hugging Face hub */

/* Models and datasets in the standard Hugging Face cache, the one
 * huggingface_hub (Python) reads and writes ($HF_HUB_CACHE, else
 * $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else
 * $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub), fetched
 * from $HF_ENDPOINT (https://huggingface.co) when missing. The token
 * (tc_hub_token) goes only to the endpoint's own host, never into a
 * message. HF_HUB_OFFLINE=1: no network. tc_hub_is_id (encoders, above)
 * tells an id from a path. */

/* Resolves id[@rev] to the snapshot folder in the cache (writes it to dir,
 * cap bytes). Files the BERT encoder needs that are missing are downloaded
 * unless offline (HF_HUB_OFFLINE=1 or allow_download 0): then a missing
 * model is TC_ENOTFOUND with a message saying where it looked and how to
 * fetch it. A snapshot that already holds them is used with no request,
 * online or not. progress: draw a byte progress bar per file on stderr
 * when 1. Returns 0, or TC_EINVAL (not an id), TC_ENOTFOUND (not on the
 * hub, or not a safetensors model), TC_ENET (the network failed for good),
 * TC_EFORMAT (the hub's answer or a file's bytes are not what it said),
 * TC_EIO (the cache could not be written). Threads and processes may
 * resolve at once on one cache: each blob is downloaded under
 * huggingface_hub's lock file (.locks/<repo>/<etag>.lock, flock). */
TC_API int tc_hub_resolve(const char *id, int allow_download, int progress, char *dir, size_t cap);

/* What tc_hub_dataset_files fetches. */
typedef struct tc_hub_dataset_params {
    const char *config;    /* the subset (--data_subset); NULL = "default" */
    const char *split;     /* NULL = "train" */
    size_t rows;           /* 0 = every file of the split; else files are fetched in order only
                            * until their Parquet footers count this many rows (nulls included) */
    const char *field;     /* the text column, which the footer checks need; NULL = "text" */
    int allow_download;    /* 0 = the cache only, as under HF_HUB_OFFLINE=1 */
    int progress;          /* 1 = a byte progress bar per file on stderr */
} tc_hub_dataset_params;

TC_API tc_hub_dataset_params tc_hub_dataset_default_params(void);

/* The files of a split of the hub dataset id (ORG/NAME or NAME, optional
 * @REVISION, default main) in the cache, in reading order: *paths (n_paths,
 * NULL-terminated, tc_hub_list_free), each a path in a snapshot folder of
 * $HF_HUB_CACHE/datasets--ORG--NAME, downloading the missing ones (the
 * hub's Parquet conversion first, else the repository's own files by the
 * `datasets` library's patterns); snap (cap bytes, may be
 * NULL) gets that snapshot folder. Offline, the cache's files are used as
 * they are. Returns 0, or TC_EINVAL (not an id), TC_ENOTFOUND (no such
 * dataset, no access: the message says to set HF_TOKEN, no files for the
 * split: it names the splits found, or not in the cache when offline),
 * TC_ENET, TC_EFORMAT, TC_EIO as tc_hub_resolve. */
TC_API int tc_hub_dataset_files(const char *id, const tc_hub_dataset_params *p, char ***paths,
                                size_t *n_paths, char *snap, size_t cap);

/* One file of a push: the local file and its path in the repository. */
typedef struct tc_hub_push_file {
    const char *path;           /* local file, read twice (hashed, then sent) and never buffered whole */
    const char *path_in_repo;   /* components of [A-Za-z0-9_.-], none "." or ".." or
                                   hidden, at most 255 bytes: "data/train-00000-of-00001.parquet" */
} tc_hub_push_file;

/* What a push did. */
typedef struct tc_hub_push_result {
    char url[512];              /* the dataset's page: ENDPOINT/datasets/USER/NAME */
    char commit[65];            /* the commit's id; "" when nothing changed and no commit was made */
    size_t n_uploaded;          /* LFS objects sent (not the ones the hub had) */
    size_t n_unchanged;         /* files whose content the repository holds already */
} tc_hub_push_result;

/* Creates the dataset repository repo ("USER/NAME" or "ORG/NAME"; private
 * when private_repo is 1; one that exists keeps its visibility) on
 * $HF_ENDPOINT and commits the n files to its main branch in one commit
 * titled summary, as huggingface_hub's create_repo(exist_ok=True) and
 * create_commit do: preupload (the upload mode of each file), the Git LFS
 * batch API and a PUT of each new object (multipart when the hub asks for
 * it), then the NDJSON commit. progress: a byte bar per file on stderr.
 * res may be NULL. Returns 0, or TC_EINVAL (no token: the message says to
 * set HF_TOKEN; not a repo id; a path that is not safe), TC_EIO (a file
 * could not be read), TC_ENOTFOUND (401/403/404: the message says the
 * token lacks write access), TC_ENET, TC_EFORMAT (the hub's answer is
 * not what its API says). Messages name the repository, the file and
 * the HTTP status; the token never appears in them. */
TC_API int tc_hub_push(const char *repo, int private_repo, const tc_hub_push_file *files, size_t n,
                       const char *summary, int progress, tc_hub_push_result *res);

/* The Hugging Face token as huggingface_hub finds it: $HF_TOKEN, the legacy
 * $HUGGING_FACE_HUB_TOKEN, then the file $HF_TOKEN_PATH or $HF_HOME/token
 * (HF_HOME defaulting as the cache does); none under
 * HF_HUB_DISABLE_IMPLICIT_TOKEN. malloc'd; NULL when there is none. */
TC_API char *tc_hub_token(void);

/* Frees a NULL-terminated list of strings that a tc_hub_* call returned
 * (each string, then the list); NULL is a no-op. */
TC_API void tc_hub_list_free(char **list);

/* ---------------------------------------------------------------- hashing */

/* SHA-256 (FIPS 180-4), streamed: init, update any number of times, hex.
 * The fields are the hash's running state; read none of them. */
typedef struct tc_sha256 {
    uint32_t h[8];
    uint64_t n;             /* bytes hashed */
    unsigned char buf[64];
    size_t fill;
} tc_sha256;

TC_API void tc_sha256_init(tc_sha256 *s);
TC_API void tc_sha256_update(tc_sha256 *s, const void *data, size_t len);
/* Finishes s and writes 64 lower-case hex digits and a NUL into hex. */
TC_API void tc_sha256_hex(tc_sha256 *s, char hex[65]);

/* ---------------------------------------------------------------- sampling */

/* The order in which `textclust run` takes its texts for seed, as the
 * reference shuffles its dataset before selecting: perm (n) gets 0..n-1
 * shuffled (Fisher-Yates, from the last place down, on splitmix64's
 * stream for seed and the shuffle's stream id), and run keeps perm[start,
 * end), or the first n_samples. The same on every machine and build, so a
 * caller picks the texts the command would. n 0 is a no-op; perm NULL
 * with n > 0 is TC_EINVAL. */
TC_API int tc_shuffle_indices(uint64_t seed, size_t n, size_t *perm);

/* ---------------------------------------------------------------- the machine */

/* 0 when TEXTCLUST_CPU is unset or names a level the CPU has ("baseline",
 * "avx512", "avx512bf16", "amx"), else TC_EINVAL with a message saying why:
 * for a program that would rather refuse to start than run a level lower
 * than asked (the library itself warns once and uses the detected level). */
TC_API int tc_cpu_check_env(void);

/* Re-runs the program (argv, as main got it) once with OPENBLAS_CORETYPE
 * set when OpenBLAS chose a kernel other than the one for this CPU's
 * vector width (SkylakeX with AVX-512, Haswell with AVX2): Debian's
 * OpenBLAS falls back to its slow Prescott kernel on CPUs it does not
 * know. The rule reads only the CPU, so a program that cannot re-run
 * itself can apply it before OpenBLAS loads (the Python package does) and
 * get the same products. Returns when there is nothing to do (a variable
 * the user or the machine set is kept) or the exec failed. For a
 * program's main, before any thread starts. */
TC_API void tc_blas_fix_kernel(char **argv);

/* What a bug report needs about the machine, the lines `textclust
 * --version` prints after its first: the CPU level the kernels use (and
 * the detected one, TEXTCLUST_CPU, the build's target), the CPU's
 * features, and OpenBLAS's build, core and thread count; each line ends
 * in a newline. Into buf (cap bytes, always NUL-terminated when cap > 0);
 * returns the length the whole text needs, as snprintf does. */
TC_API size_t tc_system_info(char *buf, size_t cap);

/* ---------------------------------------------------------------- classifier */

typedef struct tc_classifier tc_classifier;

/* The interactive map's form. */
typedef struct tc_viz_params {
    int map_max_points;           /* 200000: map.html holds up to this many points in one
                                     file; above it the map is written as map/ (tiles, text
                                     chunks and a search index fetched from a web server) */
} tc_viz_params;

typedef struct tc_params {
    const char *embed_model;      /* NULL = tc_default_encoder() */
    tc_encoder_params encoder;
    tc_umap_params umap;
    int cluster_method;           /* TC_CLUSTER_DBSCAN or _HDBSCAN */
    tc_dbscan_params dbscan;
    tc_hdbscan_params hdbscan;
    int assign_noise;             /* 1 = give noise points their nearest cluster's label */
    double assign_noise_max_distance; /* with assign_noise: only noise points this close (map
                                         units, like dbscan.eps) to a cluster; 0 = no limit */
    int summary_create;           /* 1 = name the clusters */
    tc_label_params label;
    tc_viz_params viz;            /* the interactive map (tc_classifier_plot) */
    uint64_t seed;                /* 42; the one seed of every stage (tc_params_inherit) */
    int n_threads;                /* 0 = all cores; every stage's (tc_params_inherit) */
    tc_progress_fn progress;      /* every stage's (tc_params_inherit); the classifier's own
                                     steps too: "noise", "save" and "load" (bytes), "commit"
                                     (tc_classifier_save), "plot" (points) */
    void *progress_ctx;
} tc_params;

TC_API tc_params tc_default_params(void);

/* Copies seed, n_threads and progress (with its ctx) into the stage params
 * (encoder, umap, dbscan, hdbscan, label; hdbscan has no seed), so they are set in one place.
 * The classifier calls it on its copy of the params; a caller of the stage
 * functions calls it before passing p->umap, p->dbscan, ... NULL: no-op. */
TC_API void tc_params_inherit(tc_params *p);

/* ---- settings by name: the one list shared by the command line's flags,
 * the Python keyword arguments and C callers. Names are "stage.field"
 * ("umap.n_neighbors", "dbscan.eps", "embed.batch_size", "label.n_examples")
 * or top-level ("seed", "threads", "embed_model", "cluster_method");
 * tc_params_name lists them all. Values are text as a user types them:
 * numbers ("15", "0.08", "100_000"), "true"/"false"/"1"/"0", an enum's name
 * ("hdbscan", "single_topic"), any string ("" = NULL, the default).
 *
 * Sets one setting of p from text. Unknown name, or a value of the wrong
 * type or out of range: TC_EINVAL, p unchanged, and tc_last_error() reads
 * "<name>: <why>" ("umap.n_neighbors: '1' is out of range: it must be >= 2").
 * String values are interned: copied once per distinct value into a table
 * that lives until the process exits, so p stays a plain value that may be
 * copied or dropped without a free (the table is reachable, hence no leak). */
TC_API int tc_params_set(tc_params *p, const char *name, const char *value);

/* Writes the value of setting name as text into buf (cap bytes, NUL
 * included), in the form tc_params_set reads back to the same value (floats
 * shortest round-trip, enums by name, NULL strings ""). TC_EINVAL when the
 * name is unknown or cap is too small (buf then holds ""). */
TC_API int tc_params_get(const tc_params *p, const char *name, char *buf, size_t cap);

/* The i-th setting's name, NULL past the last (i = 0, 1, ... lists all). */
TC_API const char *tc_params_name(size_t i);
/* One line: what the i-th setting means and its default; NULL past the last. */
TC_API const char *tc_params_help(size_t i);
/* The command line's flag for the i-th setting, without "--"
 * ("umap_n_neighbors", "cluster"); NULL when the command has none for it,
 * or past the last. */
TC_API const char *tc_params_flag(size_t i);

/* A classifier holding params (copied, strings too). */
TC_API int tc_classifier_new(const tc_params *p, tc_classifier **out);

/* Fits on n texts (borrowed during the call; copied). embeddings (n, d)
 * are used as given when not NULL, else the texts are embedded. */
TC_API int tc_classifier_fit(tc_classifier *c, const char *const *texts, size_t n,
                      const float *embeddings, int d);

/* Classifies m texts: labels (m) get the majority label of the top_k
 * nearest training texts (ties to the nearer), dist (m) the squared L2
 * distance to the nearest, embeddings (m, dim) the vectors when not NULL.
 * dist may be NULL. A loaded folder that does not record its encoder (no
 * textclust.json) needs params.embed_model set, else TC_EINVAL.
 * Infer leaves the classifier as it was (its accessors' pointers stay
 * valid), so calls from several threads on one classifier are allowed:
 * the encoder is opened once, on the first call, and embeds for one call
 * at a time; the neighbour search of the calls runs side by side. */
TC_API int tc_classifier_infer(const tc_classifier *c, const char *const *texts, size_t m, int top_k,
                        int64_t *labels, float *dist, float *embeddings);

/* tc_classifier_infer, and xy (m, 2) gets each text's place on the map:
 * the mean of the map positions of its max(top_k, TC_XY_MIN_K) nearest
 * training texts, weighted by 1 / (squared distance + 1e-6). xy NULL is
 * tc_classifier_infer. */
#define TC_XY_MIN_K 5
TC_API int tc_classifier_infer_xy(const tc_classifier *c, const char *const *texts, size_t m, int top_k,
                           int64_t *labels, float *dist, float *embeddings, float *xy);

/* Same, for vectors already embedded (m, dim). */
TC_API int tc_classifier_infer_vectors(const tc_classifier *c, const float *e, size_t m, int top_k,
                                int64_t *labels, float *dist);

/* Saves into folder: tc_save_folder_open(folder, TC_SAVE_WRITE), then
 * tc_classifier_save_to, tc_save_folder_commit, tc_save_folder_close. */
TC_API int tc_classifier_save(const tc_classifier *c, const char *folder);

/* ---------------------------------------------------------------- save folders */

/* A save folder held open: locked, checked, and (for a writer) a staging
 * area inside it where a save's files wait until commit puts them in place.
 * A save replaces only the files textclust owns (embeddings.npy,
 * projections.npy, cluster_labels.npy, texts.json, cluster_summaries.json,
 * faiss.index, textclust.json, map.png, map.html, topics_dist.png,
 * educational_score.png, df_categories_count.csv, hf_texts.parquet,
 * hf_clusters.parquet, tfidf.bin); nothing else in the
 * folder is touched. A kill at any point leaves the old save or the new
 * one, as the next open finds it. Symlinks are followed. Not thread-safe;
 * one handle per folder per process. */
typedef struct tc_save_folder tc_save_folder;

enum {
    TC_SAVE_READ = 0,       /* shared lock: load, show, infer */
    TC_SAVE_WRITE = 1,      /* exclusive lock: a save */
    TC_SAVE_OVERWRITE = 2,  /* with WRITE: accept a non-empty folder that holds no save */
    TC_SAVE_ADD = 4         /* with WRITE: an existing save gains the staged files, keeps
                               the rest (load --build_hf_ds) */
};

/* Opens folder. TC_SAVE_WRITE creates it and its parents when missing and
 * fails, before any work is spent, when the path is a file, the folder
 * cannot be written, another process holds it (no waiting), or it is not
 * empty and holds no save (textclust.json with our format, or the
 * reference's embeddings.npy + texts.json) unless TC_SAVE_OVERWRITE. Both
 * modes first finish or drop a save a killed process left half done. The
 * lock lasts until tc_save_folder_close; *out is NULL on error. */
TC_API int tc_save_folder_open(const char *folder, int flags, tc_save_folder **out);

/* Drops whatever was staged and not committed, releases the lock, and when
 * nothing was committed removes the lock file and folders open created.
 * NULL is a no-op. */
TC_API void tc_save_folder_close(tc_save_folder *f);

/* The folder, symlinks resolved; lives as long as f. */
TC_API const char *tc_save_folder_path(const tc_save_folder *f);

/* 1 when path is one of the files a save owns in f (same inode), else 0:
 * an input there would be replaced by the save. */
TC_API int tc_save_folder_owns(const tc_save_folder *f, const char *path);

/* Stages the classifier's files (f opened with TC_SAVE_WRITE). */
TC_API int tc_classifier_save_to(const tc_classifier *c, tc_save_folder *f);

/* Stages map.png, map.html (and the single_topic plots), so that they
 * belong to the same save. p may be NULL (defaults). */
TC_API int tc_classifier_plot_to(const tc_classifier *c, tc_save_folder *f, const tc_plot_params *p);

/* Stages the reference's two Hugging Face datasets (--build_hf_ds) as
 * Parquet (zstd): hf_texts.parquet, one row per text: X, Y (float32),
 * labels (int64), content_display (textwrap.fill(text[:1024], 64));
 * hf_clusters.parquet, one row per cluster (noise left out, in the order
 * labels first appear): cluster_id (int64), summary, examples (the
 * cluster's texts), position ([x, y] mean projection, float64), and in
 * single_topic mode category and educational_score (null where the
 * summary has no score). All columns nullable; a missing summary is null. */
TC_API int tc_classifier_hf_datasets_to(const tc_classifier *c, tc_save_folder *f);

/* Puts the staged files in place and removes the owned files this save did
 * not produce where the previous save wrote them (its list of files,
 * DIR/.textclust-files). Recoverable at every step. */
TC_API int tc_save_folder_commit(tc_save_folder *f);
/* Progress of tc_save_folder_commit: stage "commit" in the save's owned
 * names, one report before each (renaming over an earlier save's large
 * file frees its blocks: 0.35 s for 1.5 GB); returning non-zero at the first
 * report (done 0) cancels with the earlier save untouched, later ones are
 * not heard (the commit finishes). fn NULL = none (the default);
 * tc_classifier_save passes its params' callback. */
TC_API void tc_save_folder_set_progress(tc_save_folder *f, tc_progress_fn fn, void *ctx);

/* Loads a save folder written by textclust or by the Python reference,
 * under a shared lock (as tc_save_folder_open with TC_SAVE_READ, so a save
 * a killed process left half done is finished or dropped first).
 * p may be NULL (defaults; the saved textclust.json wins where present). */
TC_API int tc_classifier_load(const char *folder, const tc_params *p, tc_classifier **out);
/* The same from a folder the caller holds open (any mode). */
TC_API int tc_classifier_load_from(tc_save_folder *f, const tc_params *p, tc_classifier **out);

TC_API void tc_classifier_free(tc_classifier *c);

/* ---------------------------------------------------------------- from arrays */

/* A fitted classifier's data held by the caller (a binding's arrays, a
 * database), for tc_classifier_from_arrays. All borrowed for the call. */
typedef struct tc_classifier_arrays {
    size_t n;                       /* training texts, >= 1 */
    const char *const *texts;       /* (n) NUL-terminated UTF-8 */
    const float *embeddings;        /* (n, dim) row-major; infer searches these as they are
                                       (the encoders' vectors are unit rows) */
    int dim;                        /* >= 1 */
    const float *projections;       /* (n, 2) map positions */
    const int64_t *labels;          /* (n) cluster of each text, -1 = noise */
    size_t n_summaries;             /* 0 = no names (as fit with summary_create 0) */
    const int64_t *summary_labels;  /* (n_summaries) distinct clusters that some text has;
                                       -1 entries are skipped ("None") */
    const char *const *summaries;   /* (n_summaries) their names, as cluster_summaries.json
                                       holds them; single_topic ones are split into topic
                                       and score */
    const char *model;              /* id of the encoder that made the embeddings (what
                                       tc_encoder_name gave); NULL = unknown: infer on texts
                                       then needs params.embed_model */
} tc_classifier_arrays;

/* A classifier holding params (NULL = defaults) and a copy of a's arrays,
 * as if fit had produced them, with no file read or written. Every value
 * is checked: n and dim >= 1, no NULL text, finite embeddings and
 * projections, summaries only for labels present, none twice; else
 * TC_EINVAL naming the array and row. *out is NULL on error; free it with
 * tc_classifier_free. */
TC_API int tc_classifier_from_arrays(const tc_params *p, const tc_classifier_arrays *a,
                              tc_classifier **out);

/* For callers that cannot hold a tc_params by value (ctypes and other
 * foreign-function interfaces): tc_params_new gives a heap tc_params
 * holding tc_default_params() (NULL when out of memory), set with
 * tc_params_set and tc_params_set_progress, passed as any other, and freed
 * with tc_params_delete (NULL is a no-op). */
TC_API tc_params *tc_params_new(void);
TC_API void tc_params_delete(tc_params *p);
TC_API void tc_params_set_progress(tc_params *p, tc_progress_fn fn, void *ctx);

/* Accessors, read-only. Returned pointers point into the classifier: they
 * stay valid until the next tc_classifier_fit on it or tc_classifier_free
 * (infer, save and plot leave them alone), and must not be written. */
TC_API size_t tc_classifier_n_texts(const tc_classifier *c);
TC_API int tc_classifier_dim(const tc_classifier *c);
TC_API const char *tc_classifier_text(const tc_classifier *c, size_t i);
TC_API const float *tc_classifier_embeddings(const tc_classifier *c);   /* (n, dim) */
TC_API const float *tc_classifier_projections(const tc_classifier *c);  /* (n, 2) */
TC_API const int64_t *tc_classifier_labels(const tc_classifier *c);     /* (n) */
TC_API size_t tc_classifier_n_clusters(const tc_classifier *c);         /* noise not counted */
/* Cluster summaries by label; -1 gives "None"; NULL when unknown. */
TC_API const char *tc_classifier_summary(const tc_classifier *c, int64_t label);
/* Centre (mean projection) of a cluster, -1 included; 0 when found. */
TC_API int tc_classifier_centre(const tc_classifier *c, int64_t label, float xy[2]);
/* The named clusters, ascending label order. */
TC_API const tc_cluster_label *tc_classifier_cluster_labels(const tc_classifier *c, size_t *n);
/* The topic tree (*n nodes, root first); NULL and 0 when the fit found no
 * cluster or a loaded folder has none (older saves). */
TC_API const tc_topic_node *tc_classifier_tree(const tc_classifier *c, size_t *n);
/* Representative texts of cluster label (its leaf's repr): *n of them, or
 * NULL and 0 when unknown. */
TC_API const int64_t *tc_classifier_representatives(const tc_classifier *c, int64_t label, size_t *n);
TC_API const tc_params *tc_classifier_params(const tc_classifier *c);
/* Id of the encoder the embeddings came from ("use-lite", "precomputed",
 * or "" when a loaded folder does not say). */
TC_API const char *tc_classifier_model(const tc_classifier *c);

/* What the last fit spent and found. */
typedef struct tc_fit_stats {
    double embed_s, umap_s, cluster_s, label_s; /* wall-clock seconds per stage */
    size_t n_noise;                             /* texts labelled -1 */
} tc_fit_stats;

TC_API tc_fit_stats tc_classifier_stats(const tc_classifier *c);

/* Writes map.png and map.html (and, in single_topic mode, the topic plots)
 * into folder, each file replaced atomically. p may be NULL (defaults).
 * For a save's own plots use tc_classifier_plot_to. */
TC_API int tc_classifier_plot(const tc_classifier *c, const char *folder, const tc_plot_params *p);

/* As tc_classifier_plot, with the points of ov (borrowed; NULL = none) drawn
 * over map.png (outlined, in their cluster's colour, noise grey, a legend
 * line with the counts) and as a layer of map.html that can be switched off
 * (at most TC_OVERLAY_HTML_MAX points, sampled with seed). */
TC_API int tc_classifier_plot_overlay(const tc_classifier *c, const char *folder, const tc_plot_params *p,
                               const tc_overlay *ov, uint64_t seed);

#ifdef __cplusplus
}
#endif
#endif /* TEXTCLUST_H */
