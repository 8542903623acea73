/* settings.c - every setting of tc_params by name: one table that the
 * command line's flags, the Python keyword arguments and C callers share,
 * with each setting's type, accepted range, flag spelling and help line.
 * Values are read as Python's int() and float() read them (spaces around,
 * one underscore between digits; no hexadecimal), since the reference's
 * users type them that way. */
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { S_INT, S_FLOAT, S_DOUBLE, S_U64, S_BOOL, S_ENUM, S_STR };

typedef struct setting {
    const char *name;           /* "umap.n_neighbors" */
    const char *flag;           /* the CLI's flag without "--"; NULL = none */
    int type;                   /* S_* */
    size_t off;                 /* of the field in tc_params */
    double lo, hi;              /* accepted values (numbers) */
    int lo_open;                /* lo itself refused */
    const char *const *choices; /* S_ENUM: names of 0, 1, ..., NULL-terminated */
    const char *help;
} setting;

#define OFF(f) offsetof(tc_params, f)
#define INF INFINITY

static const char *const cluster_methods[] = {"dbscan", "hdbscan", NULL};
static const char *const umap_inits[] = {"spectral", "random", NULL};
static const char *const knn_methods[] = {"auto", "exact", "approx", NULL};
static const char *const selection_methods[] = {"eom", "leaf", NULL};
static const char *const topic_modes[] = {"multiple_topics", "single_topic", NULL};
static const char *const dtypes[] = {"auto", "fp32", "bf16", "int8", NULL};
static const char *const example_kinds[] = {"random", "representative", NULL};
static const char *const llm_apis[] = {"none", "hf", "openai", NULL};

/* The enums' names are listed in the order of their values: checked below. */
_Static_assert(TC_CLUSTER_DBSCAN == 0 && TC_CLUSTER_HDBSCAN == 1, "cluster_methods order");
_Static_assert(TC_UMAP_INIT_SPECTRAL == 0 && TC_UMAP_INIT_RANDOM == 1, "umap_inits order");
_Static_assert(TC_KNN_AUTO == 0 && TC_KNN_EXACT == 1 && TC_KNN_APPROX == 2, "knn_methods order");
_Static_assert(TC_HDBSCAN_EOM == 0 && TC_HDBSCAN_LEAF == 1, "selection_methods order");
_Static_assert(TC_TOPIC_MULTIPLE == 0 && TC_TOPIC_SINGLE == 1, "topic_modes order");
_Static_assert(TC_DTYPE_AUTO == 0 && TC_DTYPE_FP32 == 1 && TC_DTYPE_BF16 == 2 && TC_DTYPE_INT8 == 3,
               "dtypes order");
_Static_assert(TC_EXAMPLES_RANDOM == 0 && TC_EXAMPLES_REPRESENTATIVE == 1, "example_kinds order");
_Static_assert(TC_LLM_NONE == 0 && TC_LLM_HF == 1 && TC_LLM_OPENAI == 2, "llm_apis order");

static const setting table[] = {
    {"seed", "seed", S_U64, OFF(seed), 0, 18446744073709551615.0, 0, NULL,
     "seed of every random choice: shuffle, UMAP, sampling (default 42)"},
    {"threads", "threads", S_INT, OFF(n_threads), 0, INF, 0, NULL,
     "worker threads of every stage (default 0 = all cores)"},
    {"embed_model", "embed_model", S_STR, OFF(embed_model), 0, 0, 0, NULL,
     "encoder: use-lite, tfidf (fitted on the run's texts), MODEL+tfidf (both side by side), "
     "hashing, a model folder, or a Hugging Face id ORG/NAME[@REV] (sentence-transformers BERT "
     "models) (default use-lite+tfidf; embed: use-lite)"},
    {"embed.batch_size", "embed_batch_size", S_INT, OFF(encoder.batch_size), 0, INF, 0, NULL,
     "texts per forward pass (default 0 = the encoder's)"},
    {"embed.max_length", "embed_max_length", S_INT, OFF(encoder.max_length), 0, INF, 0, NULL,
     "tokens kept per text (default 0 = the model's limit)"},
    {"embed.dim", "embed_dim", S_INT, OFF(encoder.dim), 0, 4096, 0, NULL,
     "tfidf: SVD components, 0 = 256 (default 0)"},
    {"embed.hybrid_weight", "embed_hybrid_weight", S_FLOAT, OFF(encoder.hybrid_weight), 0, 100, 0, NULL,
     "MODEL+tfidf: weight of the TF-IDF half against the model's, 0 = 0.75 (default 0)"},
    {"embed.dtype", "embed_dtype", S_ENUM, OFF(encoder.dtype), 0, 0, 0, dtypes,
     "fp32 | bf16 | int8 weight products; auto = the fastest whose quality bound holds for the "
     "model on this CPU, and for infer what the fit used (default auto)"},

    {"umap.n_neighbors", "umap_n_neighbors", S_INT, OFF(umap.n_neighbors), 2, INF, 0, NULL,
     "neighbourhood size (default 15)"},
    {"umap.n_components", "umap_n_components", S_INT, OFF(umap.n_components), 1, 64, 0, NULL,
     "output dimension of the project command; fit always maps to 2-D (default 2)"},
    {"umap.min_dist", "umap_min_dist", S_FLOAT, OFF(umap.min_dist), 0, INF, 0, NULL,
     "minimum distance in the map (default 0.1)"},
    {"umap.spread", "umap_spread", S_FLOAT, OFF(umap.spread), 0, INF, 1, NULL,
     "scale of the map (default 1)"},
    {"umap.n_epochs", "umap_n_epochs", S_INT, OFF(umap.n_epochs), 0, INF, 0, NULL,
     "epochs (default 0 = 500 up to 10,000 texts, else 200)"},
    {"umap.learning_rate", "umap_learning_rate", S_FLOAT, OFF(umap.learning_rate), 0, INF, 1, NULL,
     "initial SGD step (default 1)"},
    {"umap.negative_sample_rate", "umap_negative_sample_rate", S_INT, OFF(umap.negative_sample_rate),
     0, INF, 0, NULL, "negative samples per edge (default 5)"},
    {"umap.repulsion_strength", "umap_repulsion_strength", S_FLOAT, OFF(umap.repulsion_strength), 0,
     INF, 0, NULL, "weight of negative samples (default 1)"},
    {"umap.local_connectivity", "umap_local_connectivity", S_FLOAT, OFF(umap.local_connectivity), 0,
     INF, 0, NULL, "neighbours assumed connected (default 1)"},
    {"umap.set_op_mix_ratio", "umap_set_op_mix_ratio", S_FLOAT, OFF(umap.set_op_mix_ratio), 0, 1, 0,
     NULL, "1 = fuzzy union, 0 = intersection (default 1)"},
    {"umap.a", "umap_a", S_FLOAT, OFF(umap.a), 0, INF, 0, NULL,
     "curve parameter a (default 0 = fit from min_dist, spread)"},
    {"umap.b", "umap_b", S_FLOAT, OFF(umap.b), 0, INF, 0, NULL, "curve parameter b (default 0 = fit)"},
    {"umap.init", "umap_init", S_ENUM, OFF(umap.init), 0, 0, 0, umap_inits,
     "spectral | random start of the layout (default spectral)"},
    {"umap.knn_method", "umap_knn", S_ENUM, OFF(umap.knn_method), 0, 0, 0, knn_methods,
     "auto | exact | approx neighbour graph (default auto: exact up to 4,096 points)"},

    {"cluster_method", "cluster", S_ENUM, OFF(cluster_method), 0, 0, 0, cluster_methods,
     "dbscan | hdbscan (default dbscan)"},
    {"dbscan.eps", "dbscan_eps", S_DOUBLE, OFF(dbscan.eps), 0, INF, 0, NULL,
     "DBSCAN radius on the 2-D map (default 0.08)"},
    {"dbscan.min_samples", "dbscan_min_samples", S_INT, OFF(dbscan.min_samples), 1, INF, 0, NULL,
     "DBSCAN core point count, itself included (default 50)"},
    {"hdbscan.min_cluster_size", "min_cluster_size", S_INT, OFF(hdbscan.min_cluster_size), 2, INF, 0,
     NULL, "HDBSCAN smallest cluster (default 50)"},
    {"hdbscan.min_samples", "min_samples", S_INT, OFF(hdbscan.min_samples), 0, INF, 0, NULL,
     "HDBSCAN core distance neighbours (default 0 = min_cluster_size)"},
    {"hdbscan.selection_method", "cluster_selection_method", S_ENUM, OFF(hdbscan.selection_method), 0,
     0, 0, selection_methods, "HDBSCAN eom | leaf (default eom)"},
    {"hdbscan.cluster_selection_epsilon", "cluster_selection_epsilon", S_DOUBLE,
     OFF(hdbscan.cluster_selection_epsilon), 0, INF, 0, NULL, "HDBSCAN merge distance (default 0)"},
    {"assign_noise", "assign_noise", S_BOOL, OFF(assign_noise), 0, 1, 0, NULL,
     "give noise points the label of their nearest cluster (default false)"},
    {"assign_noise_max_distance", "assign_noise_max_distance", S_DOUBLE, OFF(assign_noise_max_distance),
     0, INF, 0, NULL, "with assign_noise: only noise points within this distance of a cluster on the "
     "map (default 0 = no limit)"},

    {"summary_create", NULL, S_BOOL, OFF(summary_create), 0, 1, 0, NULL,
     "name the clusters (default true)"},
    {"label.topic_mode", "topic_mode", S_ENUM, OFF(label.topic_mode), 0, 0, 0, topic_modes,
     "multiple_topics (three topic words) | single_topic (topic + educational score) "
     "(default multiple_topics)"},
    {"label.n_examples", "summary_n_examples", S_INT, OFF(label.n_examples), 1, INF, 0, NULL,
     "texts shown per cluster (default 10)"},
    {"label.examples", "summary_examples", S_ENUM, OFF(label.examples), 0, 0, 0, example_kinds,
     "random (a seeded sample, the reference's way) | representative (nearest the centroid, "
     "de-duplicated) (default random)"},
    {"label.mmr_lambda", "summary_mmr_lambda", S_DOUBLE, OFF(label.mmr_lambda), 0, 1, 0, NULL,
     "representative texts: relevance weight of maximal marginal relevance, 1 = nearest "
     "only (default 0.7)"},
    {"label.llm_max_requests", "llm_max_requests", S_INT, OFF(label.llm_max_requests), 0, INF, 0, NULL,
     "topic tree: most nodes above the clusters the LLM names, top levels first, 0 = "
     "keywords only (default 20)"},
    {"label.chunk_size", "summary_chunk_size", S_INT, OFF(label.chunk_size), 1, INF, 0, NULL,
     "characters kept of each example, as the reference's text[:420] (default 420)"},
    {"label.template", NULL, S_STR, OFF(label.template_text), 0, 0, 0, NULL,
     "prompt template text with {examples} and {instruction} (default: built in)"},
    {"label.instruction", NULL, S_STR, OFF(label.instruction), 0, 0, 0, NULL,
     "instruction text replacing the built-in one (default: built in for the topic mode)"},
    {"label.api", NULL, S_ENUM, OFF(label.api), 0, 0, 0, llm_apis,
     "none (keywords offline) | hf (text-generation API) | openai (chat completions) (default none)"},
    {"label.llm_url", NULL, S_STR, OFF(label.llm_url), 0, 0, 0, NULL,
     "LLM endpoint (default: HF serverless API for label.llm_model, or api.openai.com)"},
    {"label.llm_model", NULL, S_STR, OFF(label.llm_model), 0, 0, 0, NULL,
     "LLM model id (default: none; hf without label.llm_url needs one)"},
    {"label.llm_api_key", NULL, S_STR, OFF(label.llm_api_key), 0, 0, 0, NULL,
     "bearer token (default: $HF_TOKEN or the token file; $OPENAI_API_KEY for openai)"},
    {"label.llm_token_file", "llm_token_file", S_STR, OFF(label.llm_token_file), 0, 0, 0, NULL,
     "Hugging Face token file (default: $HF_HOME/token, ~/.cache/huggingface/token)"},
    {"label.max_new_tokens", "llm_max_new_tokens", S_INT, OFF(label.max_new_tokens), 1, INF, 0, NULL,
     "answer length cap (default 64)"},
    {"label.temperature", "llm_temperature", S_FLOAT, OFF(label.temperature), 0, INF, 0, NULL,
     "sampling temperature (default 0 = greedy)"},
    {"label.concurrency", "llm_concurrency", S_INT, OFF(label.concurrency), 1, INF, 0, NULL,
     "requests in flight (default 4)"},
    {"label.timeout_s", "llm_timeout", S_DOUBLE, OFF(label.timeout_s), 0, INF, 1, NULL,
     "seconds per request (default 60)"},
    {"label.max_retries", "llm_retries", S_INT, OFF(label.max_retries), 0, INF, 0, NULL,
     "retries on network errors, 5xx and 429 (default 5)"},
    {"label.retry_delay_s", "llm_retry_delay", S_DOUBLE, OFF(label.retry_delay_s), 0, INF, 0, NULL,
     "first retry delay in seconds, doubled per retry (default 1)"},
    {"label.cache_dir", NULL, S_STR, OFF(label.cache_dir), 0, 0, 0, NULL,
     "folder caching the LLM's answers (default: none)"},
    {"viz.map_max_points", "map_max_points", S_INT, OFF(viz.map_max_points), 1, INF, 0, NULL,
     "most points map.html holds in one file; above it run/show write map/ (tiles fetched from "
     "a web server) instead (default 200000)"},
};

#define N_SETTINGS (sizeof table / sizeof *table)

const char *tc_params_name(size_t i) { return i < N_SETTINGS ? table[i].name : NULL; }
const char *tc_params_help(size_t i) { return i < N_SETTINGS ? table[i].help : NULL; }
const char *tc_params_flag(size_t i) { return i < N_SETTINGS ? table[i].flag : NULL; }

static const setting *find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (strcmp(table[i].name, name) == 0) return &table[i];
    return NULL;
}

/* ---------------------------------------------------------------- interning */

/* Distinct string values set by name, kept until exit: a params struct can
 * then be copied by value and dropped without an owner to free it. */
typedef struct interned {
    struct interned *next;
    char s[];
} interned;

static interned *pool;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *intern(const char *s) {
    pthread_mutex_lock(&pool_lock);
    const char *hit = NULL;
    for (interned *it = pool; it && !hit; it = it->next)
        if (strcmp(it->s, s) == 0) hit = it->s;
    if (!hit) {
        size_t len = strlen(s);
        interned *it = malloc(sizeof *it + len + 1);
        if (it) {
            memcpy(it->s, s, len + 1);
            it->next = pool;
            pool = it;
            hit = it->s;
        }
    }
    pthread_mutex_unlock(&pool_lock);
    return hit;
}

/* ---------------------------------------------------------------- set */

static int check_range(const setting *s, const char *v, double x) {
    if ((x > s->lo || (x == s->lo && !s->lo_open)) && x <= s->hi) return 0;
    if (isinf(s->hi))
        return tc_error(TC_EINVAL, "%s: '%s' is out of range: it must be %s %g", s->name, v,
                        s->lo_open ? ">" : ">=", s->lo);
    return tc_error(TC_EINVAL, "%s: '%s' is out of range: it must be from %g to %g", s->name, v,
                    s->lo, s->hi);
}

/* "a", "a or b", "a, b or c" */
static void list_choices(const char *const *c, char *buf, size_t cap) {
    size_t n = 0, used = 0;
    while (c[n]) n++;
    buf[0] = 0;
    for (size_t i = 0; i < n && used < cap; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int w = snprintf(buf + used, cap - used, "%s%s", sep, c[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
}

/* Trims spaces and tabs and drops underscores between digits into num
 * (cap bytes); TC_EINVAL when what is left cannot be a decimal number. */
static int clean_number(const setting *s, const char *arg, char *num, size_t cap) {
    const char *v = arg;
    while (*v == ' ' || *v == '\t') v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
    if (n >= cap || memchr(v, 'x', n) || memchr(v, 'X', n))
        return tc_error(TC_EINVAL, "%s: '%s' is not a number", s->name, arg);
    size_t w = 0;
    for (size_t k = 0; k < n; k++) {
        if (v[k] != '_') { num[w++] = v[k]; continue; }
        if (!k || k + 1 >= n || !isdigit((unsigned char)v[k - 1]) || !isdigit((unsigned char)v[k + 1]))
            return tc_error(TC_EINVAL, "%s: '%s' is not a number", s->name, arg);
    }
    num[w] = 0;
    return 0;
}

static int set_integer(const setting *s, const char *v, char *field) {
    char *end;
    errno = 0;
    if (s->type == S_U64) {
        const char *d = v;
        while (isspace((unsigned char)*d)) d++;
        if (*d == '-') {
            strtod(v, &end);
            if (end != v && !*end)
                return tc_error(TC_EINVAL, "%s: '%s' is out of range: it must be >= 0", s->name, v);
            return tc_error(TC_EINVAL, "%s: '%s' is not a number", s->name, v);
        }
        unsigned long long x = strtoull(v, &end, 10);
        if (end == v || *end) goto not_whole;
        if (errno == ERANGE)
            return tc_error(TC_EINVAL, "%s: '%s' is too large (the most is %llu)", s->name, v, ULLONG_MAX);
        uint64_t u = x;
        memcpy(field, &u, sizeof u);
        return 0;
    }
    long long x = strtoll(v, &end, 10);
    if (end == v || *end) goto not_whole;
    if ((errno == ERANGE && x < 0) || x < INT_MIN)
        return tc_error(TC_EINVAL, "%s: '%s' is too small (the least is %d)", s->name, v, INT_MIN);
    if (errno == ERANGE || x > INT_MAX)
        return tc_error(TC_EINVAL, "%s: '%s' is too large (the most is %d)", s->name, v, INT_MAX);
    if (check_range(s, v, (double)x)) return TC_EINVAL;
    int i = (int)x;
    memcpy(field, &i, sizeof i);
    return 0;
not_whole:
    strtod(v, &end); /* "1e99", "2.5": a number, but not a whole one */
    if (end != v && !*end) return tc_error(TC_EINVAL, "%s: '%s' is not a whole number", s->name, v);
    return tc_error(TC_EINVAL, "%s: '%s' is not a number", s->name, v);
}

static int set_real(const setting *s, const char *v, char *field) {
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end) return tc_error(TC_EINVAL, "%s: '%s' is not a number", s->name, v);
    if (!isfinite(x)) return tc_error(TC_EINVAL, "%s: '%s' is not a finite number", s->name, v);
    if ((errno == ERANGE && x != 0) || (s->type == S_FLOAT && fabs(x) > FLT_MAX))
        return tc_error(TC_EINVAL, "%s: '%s' is too large (the most is %g)", s->name, v,
                        s->type == S_FLOAT ? (double)FLT_MAX : DBL_MAX);
    if (check_range(s, v, x)) return TC_EINVAL;
    if (s->type == S_DOUBLE) {
        memcpy(field, &x, sizeof x);
    } else {
        float f = (float)x;
        memcpy(field, &f, sizeof f);
    }
    return 0;
}

int tc_params_set(tc_params *p, const char *name, const char *value) {
    const setting *s = find(name);
    if (!s) return tc_error(TC_EINVAL, "%s: no such setting", name ? name : "(null)");
    if (!p) return tc_error(TC_EINVAL, "%s: no params to set", s->name);
    char *field = (char *)p + s->off;
    if (s->type == S_STR) {
        const char *v = value && *value ? intern(value) : NULL;
        if (value && *value && !v) return tc_error(TC_ENOMEM, "%s: out of memory", s->name);
        memcpy(field, &v, sizeof v);
        return 0;
    }
    if (!value) return tc_error(TC_EINVAL, "%s: needs a value", s->name);
    if (s->type == S_BOOL) {
        int b;
        if (!strcmp(value, "true") || !strcmp(value, "1")) b = 1;
        else if (!strcmp(value, "false") || !strcmp(value, "0")) b = 0;
        else return tc_error(TC_EINVAL, "%s: '%s' is not true, false, 1 or 0", s->name, value);
        memcpy(field, &b, sizeof b);
        return 0;
    }
    if (s->type == S_ENUM) {
        for (int i = 0; s->choices[i]; i++)
            if (strcmp(s->choices[i], value) == 0) {
                memcpy(field, &i, sizeof i);
                return 0;
            }
        char list[256];
        list_choices(s->choices, list, sizeof list);
        return tc_error(TC_EINVAL, "%s: '%s' is not %s", s->name, value, list);
    }
    char num[64];
    if (clean_number(s, value, num, sizeof num)) return TC_EINVAL;
    return s->type == S_FLOAT || s->type == S_DOUBLE ? set_real(s, num, field)
                                                     : set_integer(s, num, field);
}

/* ---------------------------------------------------------------- get */

/* The shortest %g form that reads back as the same value, without an
 * exponent in the range people write without one ("60", not "6e+01"). */
static void format_real(double x, int is_float, char *out, size_t cap) {
    int plain = fabs(x) >= 1e-4 && fabs(x) < 1e15;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, cap, "%.*g", prec, x);
        double back = strtod(out, NULL);
        if ((is_float ? (float)back == (float)x : back == x) && !(plain && strchr(out, 'e'))) return;
    }
    snprintf(out, cap, "%.17g", x);
}

int tc_params_get(const tc_params *p, const char *name, char *buf, size_t cap) {
    const setting *s = find(name);
    if (buf && cap) buf[0] = 0;
    if (!s) return tc_error(TC_EINVAL, "%s: no such setting", name ? name : "(null)");
    if (!p || !buf) return tc_error(TC_EINVAL, "%s: no params or buffer", s->name);
    const char *field = (const char *)p + s->off;
    char tmp[64];
    const char *text = tmp;
    int i;
    switch (s->type) {
    case S_INT: memcpy(&i, field, sizeof i); snprintf(tmp, sizeof tmp, "%d", i); break;
    case S_BOOL: memcpy(&i, field, sizeof i); text = i ? "true" : "false"; break;
    case S_ENUM: {
        memcpy(&i, field, sizeof i);
        int n = 0;
        while (s->choices[n]) n++;
        if (i >= 0 && i < n) text = s->choices[i];
        else snprintf(tmp, sizeof tmp, "%d", i); /* set in the struct to no known value */
        break;
    }
    case S_U64: {
        uint64_t u;
        memcpy(&u, field, sizeof u);
        snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)u);
        break;
    }
    case S_FLOAT: {
        float f;
        memcpy(&f, field, sizeof f);
        format_real(f, 1, tmp, sizeof tmp);
        break;
    }
    case S_DOUBLE: {
        double d;
        memcpy(&d, field, sizeof d);
        format_real(d, 0, tmp, sizeof tmp);
        break;
    }
    default: { /* S_STR */
        const char *v;
        memcpy(&v, field, sizeof v);
        text = v ? v : "";
    }
    }
    size_t len = strlen(text);
    if (len >= cap)
        return tc_error(TC_EINVAL, "%s: the value needs %zu bytes, the buffer has %zu", s->name,
                        len + 1, cap);
    memcpy(buf, text, len + 1);
    return 0;
}
