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
 * in the corpus frequencies but get no label. */
int tc_keywords_ctfidf(const char *const *texts, const tc_label_groups *g, int n_top,
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
 * each text cut to chunk_size bytes on a UTF-8 boundary. malloc'd. */
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
 * LLM answers; a cluster whose request fails keeps its keywords. */
int tc_llm_label(const char *const *texts, const tc_label_groups *g, const tc_label_params *p,
                 tc_cluster_label *out);

/* single_topic result: l->topic = topic (taken over), l->score = score or
 * -1, l->summary = "<topic>. Educational score: <score>" ("None" when the
 * score is missing), as the reference writes it. */
int tc_label_set_single(tc_cluster_label *l, char *topic, int score);

/* ---------------------------------------------------------------- llm_http.c */

/* One request of a batch. */
typedef struct {
    const char *prompt;   /* borrowed */
    int (*check)(void *ctx, const char *answer); /* 0 = answer well-formed; NULL = any */
    void *check_ctx;
    char *answer;         /* out: malloc'd generated text, NULL on failure */
    int malformed;        /* out: 0 well-formed; 1 the answer failed check twice and is
                             kept; 2 the reply was not the API's JSON twice (answer =
                             the start of the raw body) */
    int status;           /* out: 0, or the TC_E* code of the final failure */
    char error[256];      /* out: the final failure, secrets removed */
    int attempts;         /* out: HTTP requests made for it */
} tc_llm_job;

/* Runs every job against the endpoint of p, at most p->concurrency in
 * flight, with timeouts, retries and backoff. Per-job failures are left in
 * the jobs; returns non-zero only when the client cannot start (bad
 * params, no URL, out of memory). p->stats (when set) gets the request and
 * retry counts; progress reports progress_base + jobs done of
 * progress_total. */
int tc_llm_run(const tc_label_params *p, tc_llm_job *jobs, size_t n_jobs, size_t progress_base,
               size_t progress_total);

/* The URL requests go to (malloc'd), or NULL with the error set. */
char *tc_llm_endpoint(const tc_label_params *p);

/* The bearer token for p (malloc'd; NULL when none). Never log it. */
char *tc_llm_token(const tc_label_params *p);
/* Overwrites a token with zeros, then frees it (NULL is a no-op). */
void tc_llm_token_free(char *token);

/* Copies src into dst (size cap) with every occurrence of secret (when it
 * has 4 bytes or more) replaced by "[hidden]". */
void tc_redact(char *dst, size_t cap, const char *src, const char *secret);

#endif
