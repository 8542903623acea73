/* label.h - private seams of the cluster-naming stage (src/label/):
 * example sampling, keyword labels (c-TF-IDF), prompts, answer parsing,
 * the answer cache and the HTTP client for LLM endpoints. */
#ifndef TC_LABEL_PRIVATE_H
#define TC_LABEL_PRIVATE_H

#include "textclust.h"
#include "util/util.h"

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- sample.c */

/* The members of each cluster: labels -1 (noise) excluded, every other
 * value a cluster, in ascending label order whatever the numbering. */
typedef struct {
    size_t n_clusters;
    int64_t *label;     /* (n_clusters) ascending */
    size_t *start;      /* (n_clusters + 1) offsets into member */
    size_t *member;     /* (n - n_noise) text indices, ascending within a cluster */
    size_t n_noise;
    size_t *noise;      /* (n_noise) indices of the -1 texts */
} tc_label_groups;

int tc_label_groups_build(const int64_t *labels, size_t n, tc_label_groups *g);
void tc_label_groups_free(tc_label_groups *g);

/* Draws min(k, size) distinct members of cluster c without replacement,
 * from a stream derived from (seed, label) so that a cluster's sample does
 * not depend on the other clusters. out has room for k; returns the count. */
size_t tc_label_sample(const tc_label_groups *g, size_t c, int k, uint64_t seed, size_t *out);

/* ---------------------------------------------------------------- keywords.c */

/* Keyword labels by class-based TF-IDF: fills kw[c] (top terms, up to
 * n_top, comma-separated) and summary[c] (the first three) for every
 * cluster of g, malloc'd strings. The noise texts count as one more class
 * in the corpus frequencies but get no label. m (NULL = none) is ticked
 * every 1024 texts counted and every cluster scored, done unchanged;
 * TC_ECANCELED once it is stopped (kw and summary then hold what was made:
 * the caller frees them as on any error). */
int tc_keywords_ctfidf(const char *const *texts, const tc_label_groups *g, int n_top, tc_meter *m,
                       char **kw, char **summary);

/* The same scores computed the slow, obvious way (string compares, no
 * hashing) for the tests. */
int tc_keywords_ctfidf_naive(const char *const *texts, const tc_label_groups *g, int n_top,
                             char **kw, char **summary);

/* Shared last step of both: scores m terms of one cluster (cnt in the
 * cluster, total over all classes, avg terms per class, n_docs texts in the
 * cluster) and writes the top n_top (no word shared between two picks)
 * into *kw and the top three into *summary (malloc'd, "" when none). */
int tc_keywords_pick(const char *const *term, const uint32_t *cnt, const double *total,
                     size_t m, double avg, size_t n_docs, int n_top, char **kw,
                     char **summary);

/* Splits text into lower-cased terms; calls fn(ctx, term, len, brk) for each
 * word that is not a stop word, brk = 1 when a stop word or punctuation
 * separates it from the previous word (no bigram across it). */
typedef void (*tc_term_fn)(void *ctx, const char *term, size_t len, int brk);
void tc_keywords_tokenize(const char *text, tc_term_fn fn, void *ctx);

/* ---------------------------------------------------------------- vocabulary */

#define TC_WORD_MAX 40  /* longer "words" are URLs, hashes, base64: dropped */

/* Terms and their counts in the class being read (cnt, touched) and over
 * all classes (total, kept by the caller). */
typedef struct {
    char *arena;          /* term bytes, NUL-terminated each */
    size_t alen, acap;
    size_t *off;          /* (cap) term -> arena offset */
    double *total;        /* (cap) count over all classes */
    uint32_t *cnt;        /* (cap) count in the current class */
    uint32_t *touched;    /* (cap) terms seen in the current class */
    size_t n_touched;
    size_t n, cap;
    uint32_t *slot;       /* (n_slot) term id + 1, 0 = empty; open addressing */
    size_t n_slot;
    int oom;
    int64_t prev;         /* previous word's term id, -1 after a break */
    double n_terms;       /* all occurrences counted */
} tc_vocab;

/* id of term s (n bytes), added when new; -1 when out of memory (v->oom) */
int64_t tc_vocab_intern(tc_vocab *v, const char *s, size_t n);
/* cnt[t] += c, t noted as touched; t < 0 is ignored */
void tc_vocab_add(tc_vocab *v, int64_t t, uint32_t c);
/* tc_keywords_tokenize's callback (ctx a tc_vocab, prev -1 at a text's
 * start): counts the word and, unless brk, the pair with the previous word */
void tc_vocab_on_term(void *ctx, const char *w, size_t n, int brk);
void tc_vocab_free(tc_vocab *v);
/* Counts the texts of every class of g (class n_clusters is the noise) into
 * v, one class at a time: ids[c], cnts[c] (malloc'd, nt[c] of each) are the
 * class's terms and counts, v->total sums them over the classes, and
 * *n_classes counts the classes with texts. ids, cnts and nt hold
 * n_clusters + 1 entries, zeroed; -1 when out of memory. m (NULL = none)
 * is ticked every 1024 texts; TC_ECANCELED once it is stopped. */
int tc_vocab_count_classes(tc_vocab *v, const char *const *texts, const tc_label_groups *g, tc_meter *m,
                           uint32_t **ids, uint32_t **cnts, size_t *nt, size_t *n_classes);


/* 1 when the lower-case word (len bytes) is an English stop word. */
int tc_stopword(const char *w, size_t len);

/* The stop word list (for the test that checks it is sorted). */
const char *const *tc_stopword_list(size_t *n);

/* ---------------------------------------------------------------- prompt.c */

/* The built-in instruction for a topic mode and the built-in template for
 * an api (TC_LLM_HF wraps it in the [INST] ... [/INST] instruction format
 * of Mistral-family models, the reference's default model). */
const char *tc_prompt_instruction(int topic_mode);
const char *tc_prompt_template(int api);

/* The examples block: "Example 1:\n<text>\n\nExample 2:\n<text>..." with
 * each text cut to its first chunk_size characters (code points). malloc'd. */
char *tc_prompt_examples(const char *const *texts, const size_t *idx, size_t k, int chunk_size);

/* template with every {examples} and {instruction} replaced. malloc'd. */
char *tc_prompt_format(const char *template_text, const char *examples, const char *instruction);

/* ---------------------------------------------------------------- parse.c */

/* Longest summary kept from an answer, in bytes. */
#define TC_SUMMARY_MAX 200

/* multiple_topics: "A, B, C" from an answer; NULL when nothing usable
 * (malloc'd otherwise). */
char *tc_parse_multiple(const char *answer);

/* single_topic: *topic (malloc'd) and *score (1..10, or -1 when missing).
 * Returns 0 when a topic was found, TC_EFORMAT otherwise (topic NULL). */
int tc_parse_single(const char *answer, char **topic, int *score);

/* The same two for answer bytes that need no terminator (len bytes; a NUL
 * byte reads as a space), for fuzzing: 0 and *out / *topic malloc'd, or
 * TC_EFORMAT (nothing usable) with them NULL, or TC_ENOMEM. */
int tc_parse_answer_multiple(const char *answer, size_t len, char **out);
int tc_parse_answer_single(const char *answer, size_t len, char **topic, int *score);

/* A name as it is kept: one line of printable UTF-8 - control characters
 * (C0, DEL, C1), line and paragraph separators and bidirectional controls
 * dropped, tabs and newlines as spaces, runs of spaces as one, invalid
 * bytes as U+FFFD, trimmed and cut to TC_SUMMARY_MAX bytes on a UTF-8
 * boundary. malloc'd ("" when nothing is left); NULL when out of memory. */
char *tc_label_clean(const char *s);

/* An answer before parsing: the same, but newlines kept (the parsers read
 * lines) and no length cap. malloc'd; NULL when out of memory. */
char *tc_label_clean_answer(const char *s);

/* The first line of an answer, trimmed and cut to TC_SUMMARY_MAX bytes:
 * what is kept of an answer that does not parse. malloc'd. */
char *tc_parse_raw(const char *answer);

/* ---------------------------------------------------------------- cache.c */

/* Key of an answer: 32 hex digits of a 128-bit FNV-1a hash of the endpoint,
 * model, generation parameters and prompt (never the key). key has 33. */
void tc_cache_key(const char *endpoint, const char *model, int max_new_tokens,
                  float temperature, const char *prompt, char key[33]);

/* The cached answer (malloc'd) or NULL. */
char *tc_cache_get(const char *dir, const char key[33]);

/* Stores an answer atomically (temporary file, then rename); creates dir. */
int tc_cache_put(const char *dir, const char key[33], const char *answer);

/* ---------------------------------------------------------------- llm.c */

/* Replaces the summaries of out (K entries, keywords already filled) by
 * LLM answers; a cluster whose request fails keeps its keywords. The
 * examples shown are examples[c] (n_examples[c] text indices, the first
 * p->n_examples used) when examples is not NULL, else a seeded sample. */
int tc_llm_label(const char *const *texts, const tc_label_groups *g, const tc_label_params *p,
                 const int64_t *const *examples, const size_t *n_examples, tc_cluster_label *out);

/* The answers to K prompts (borrowed) through the cache and the endpoint,
 * parsed into out[c] (summary, or topic and score); an entry whose request
 * fails keeps what it holds. what names an entry in warnings ("cluster").
 * p->stats counts are added to, not reset. Progress reports stage with
 * progress_base + done of progress_total. */
int tc_llm_name(const tc_label_params *p, const char *const *prompt, size_t K, const char *what,
                const char *stage, size_t progress_base, size_t progress_total, tc_cluster_label *out);

/* tc_label_clusters with examples[c] (n_examples[c] text indices) as the
 * LLM's examples of the c-th cluster in ascending label order (NULL = a
 * seeded sample). */
int tc_label_clusters_ex(const char *const *texts, size_t n, const int64_t *labels,
                         const tc_label_params *p, const int64_t *const *examples,
                         const size_t *n_examples, tc_cluster_label **out, size_t *n_out);

/* ---------------------------------------------------------------- represent.c */

/* The representative texts of one group: from the members (m text indices)
 * the ones nearest to their mean row of e (rows of d floats; squared
 * Euclidean distance in double, ties to the lower index), then at most k of
 * them chosen by maximal marginal relevance (Carbonell & Goldstein 1998):
 * each pick maximises lambda * cos(row, mean) - (1 - lambda) * max cos(row,
 * picked). A member whose text (when texts is not NULL) or row equals a
 * picked one's is never picked. Writes out (k), returns the count. */
size_t tc_label_representatives(const float *e, int d, const char *const *texts,
                                const size_t *members, size_t m, int k, double lambda,
                                int64_t *out);

/* ---------------------------------------------------------------- tree_names.c */

/* The texts below node (its leaves' members, leaf by leaf) into out (room
 * for all of them; NULL = count only); returns the count, SIZE_MAX when out
 * of memory. */
size_t tc_label_node_members(const tc_topic_node *nodes, size_t n_nodes, size_t node,
                             const tc_label_groups *g, size_t *out);

/* Names the nodes of a topic tree (nodes, n_nodes; leaves' cluster labels
 * among labels (n)): keywords of every node by c-TF-IDF over its texts
 * (the noise texts count as one more class in the corpus frequencies, the
 * leaves are the classes), leaves' names from cluster_names (k entries,
 * ascending label; NULL = their keywords), and with an LLM the nodes above
 * the leaves, top levels first, at most p->llm_max_requests of them,
 * named deepest first so that a parent's prompt holds its children's names
 * and sampled (or representative) texts. */
int tc_label_tree(const char *const *texts, size_t n, const int64_t *labels,
                  const tc_cluster_label *cluster_names, size_t k, const tc_label_params *p,
                  tc_topic_node *nodes, size_t n_nodes);

/* single_topic result: l->topic = topic (taken over), l->score = score or
 * -1, l->summary = "<topic>. Educational score: <score>" ("None" when the
 * score is missing), as the reference writes it. */
int tc_label_set_single(tc_cluster_label *l, char *topic, int score);

/* ---------------------------------------------------------------- summary.c */

/* The single_topic summary "<topic>. Educational score: <score>" ("None"
 * for a score < 1), malloc'd; NULL when out of memory. */
char *tc_summary_single(const char *topic, int score);

/* Reads such a summary back: *topic (malloc'd; may be NULL to skip) the
 * text before " Educational score: " less the reference's final '.', *score
 * the number after it when 1..10, else -1. No mark: *topic NULL, *score -1.
 * 0, or TC_ENOMEM. */
int tc_summary_single_parse(const char *summary, char **topic, int *score);

/* ---------------------------------------------------------------- llm_http.c */

/* One request of a batch. */
typedef struct {
    const char *prompt;   /* borrowed */
    int (*check)(void *ctx, const char *answer); /* 0 = answer well-formed; NULL = any */
    void *check_ctx;
    char *answer;         /* out: malloc'd generated text, NULL on failure */
    int malformed;        /* out: 0 well-formed; 1 the answer failed check twice and is
                             kept (a reply that is not the API's JSON is a failure:
                             status set, answer NULL) */
    int status;           /* out: 0, or the TC_E* code of the final failure */
    char error[256];      /* out: the final failure, secrets removed */
    int attempts;         /* out: HTTP requests made for it */
} tc_llm_job;

/* Runs every job against the endpoint of p, at most p->concurrency in
 * flight, with timeouts, retries and backoff. Per-job failures are left in
 * the jobs; returns non-zero only when the client cannot start (bad
 * params, no URL, out of memory). p->stats (when set) gets the request and
 * retry counts; progress reports stage with progress_base + jobs done of
 * progress_total. */
int tc_llm_run(const tc_label_params *p, tc_llm_job *jobs, size_t n_jobs, const char *stage,
               size_t progress_base, size_t progress_total);

/* The URL requests go to (malloc'd), or NULL with the error set. */
char *tc_llm_endpoint(const tc_label_params *p);

/* The bearer token for p (malloc'd; NULL when none). Never log it.
 * OpenAI: p->llm_api_key, else $OPENAI_API_KEY. Hugging Face: $HF_TOKEN,
 * $HUGGING_FACE_HUB_TOKEN, p->llm_token_file, then tc_hub_token's file. */
char *tc_llm_token(const tc_label_params *p);
/* Overwrites a token with zeros, then frees it (NULL is a no-op). */
void tc_llm_token_free(char *token);

/* One HTTP reply body -> the generated text, with no network: the pure
 * parsers a fuzzer drives. body has len bytes (NUL bytes allowed, no
 * terminator needed). Returns 0 and *answer (malloc'd, NUL-terminated; a
 * NUL inside the text ends it) when the body has the API's shape, else
 * TC_EFORMAT with *answer NULL and nothing printed (TC_ENOMEM likewise).
 *   openai  {"choices": [{"message": {"content": "<text>"}}, ...]} (or
 *           choices[0].text, the completions API);
 *   hf      [{"generated_text": "<text>"}, ...] or {"generated_text": ...};
 *           prompt (may be NULL) is cut from the front when the server
 *           sent it back (some ignore return_full_text=false). */
int tc_llm_answer_openai(const char *body, size_t len, char **answer);
int tc_llm_answer_hf(const char *body, size_t len, const char *prompt, char **answer);

/* Longest reply body read; the transfer of a longer one is aborted. */
#define TC_LLM_BODY_MAX (1u << 20)

/* ---------------------------------------------------------------- secret.c */

/* src (len bytes) with every form of every secret hidden as "[hidden]":
 * raw, JSON-escaped, percent-encoded (and these nested), any 8 bytes of it,
 * 4 to 7 of its bytes at the text's edges. secrets: NULL-terminated list
 * (NULL = none; secrets under 4 bytes are ignored). malloc'd; NULL when
 * out of memory. */
char *tc_secret_mask(const char *src, size_t len, const char *const *secrets);

/* The first line of a token file, trimmed; NULL when unreadable or blank.
 * The read buffer is wiped. malloc'd. */
char *tc_secret_read_file(const char *path);

/* tc_secret_mask of src, then cut to fit dst (cap bytes, UTF-8 boundary):
 * the mask comes first, so a cut never leaves part of a secret. */
void tc_redact(char *dst, size_t cap, const char *src, const char *const *secrets);

/* The parts of scheme://user:password@host:port/path?query#fragment; each
 * a pointer into the URL and a length (NULL when absent). */
typedef struct {
    const char *scheme, *user, *password, *host, *path, *query, *fragment;
    size_t scheme_len, user_len, password_len, host_len, path_len, query_len, fragment_len;
} tc_url;

/* Splits url; TC_EINVAL when it has no "://". */
int tc_url_split(const char *url, tc_url *u);

/* url as it may be shown or saved: the password and every query value
 * (and any fragment) as "***": http://user:***@host/v1?api-key=***.
 * malloc'd (NULL for NULL or out of memory). */
char *tc_url_redact(const char *url);

/* The secrets of a request: token (may be NULL), and from url its password,
 * query values and fragment of 8 bytes or more, each raw and
 * percent-decoded. NULL-terminated, malloc'd, free with tc_secrets_free
 * (which zeroes them); NULL when out of memory. */
char **tc_url_secrets(const char *url, const char *token);
void tc_secrets_free(char **list);

#endif
