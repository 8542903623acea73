/* tfidf_naive.c - the TF-IDF matrix the slow, obvious way, for the tests:
 * every text's terms kept in a list, document frequencies by linear search,
 * the vocabulary sorted with strcmp, a dense (n, V) matrix in double. It
 * shares only the tokeniser (tc_tfidf_terms) with tfidf_vocab.c, which the
 * scikit-learn test checks on its own. No counting cap: exact. */
#include "embed/tfidf.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct list { char **s; size_t n, cap; } list;

static void list_add(void *ctx, const char *w, size_t n) {
    list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->s = realloc(l->s, l->cap * sizeof *l->s);
    }
    l->s[l->n++] = strndup(w, n);
}

static void list_free(list *l) {
    for (size_t i = 0; i < l->n; i++) free(l->s[i]);
    free(l->s);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static size_t find(char **s, size_t n, const char *w) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i], w) == 0) return i;
    return (size_t)-1;
}

int tc_tfidf_naive(const char *const *texts, size_t n, const tc_tfidf_opts *o, char ***terms,
                   size_t *n_terms, double **dense) {
    list *doc = calloc(n, sizeof *doc);
    list all = {0};
    size_t *df = NULL, df_cap = 0;
    for (size_t d = 0; d < n; d++) {
        tc_tfidf_terms(texts[d], list_add, &doc[d]);
        for (size_t i = 0; i < doc[d].n; i++) {
            if (find(doc[d].s, i, doc[d].s[i]) != (size_t)-1) continue;  /* counted in this text */
            size_t j = find(all.s, all.n, doc[d].s[i]);
            if (j == (size_t)-1) {
                list_add(&all, doc[d].s[i], strlen(doc[d].s[i]));
                if (all.n > df_cap) df_cap = 2 * all.n, df = realloc(df, df_cap * sizeof *df);
                df[all.n - 1] = 0;
                j = all.n - 1;
            }
            df[j]++;
        }
    }
    /* the kept terms: min_df <= df <= max_df * n; past max_terms the most
     * frequent, ties to the smaller term */
    size_t v = 0;
    char **keep = malloc((all.n + 1) * sizeof *keep);
    size_t *kdf = malloc((all.n + 1) * sizeof *kdf);
    for (int pass = 0; pass < 2 && v == 0; pass++) {
        int min_df = pass ? 1 : o->min_df;
        double max_df = pass ? 1.0 : o->max_df;
        for (size_t j = 0; j < all.n; j++)
            if (df[j] >= (size_t)min_df && (double)df[j] <= max_df * (double)n) keep[v] = all.s[j], kdf[v++] = df[j];
    }
    while (v > o->max_terms) {   /* drop the rarest, the largest term among equals */
        size_t worst = 0;
        for (size_t j = 1; j < v; j++)
            if (kdf[j] < kdf[worst] || (kdf[j] == kdf[worst] && strcmp(keep[j], keep[worst]) > 0)) worst = j;
        keep[worst] = keep[v - 1], kdf[worst] = kdf[v - 1];
        v--;
    }
    char **voc = malloc((v + 1) * sizeof *voc);
    double *idf = malloc((v + 1) * sizeof *idf);
    for (size_t j = 0; j < v; j++) voc[j] = strdup(keep[j]);
    qsort(voc, v, sizeof *voc, cmp_str);
    for (size_t j = 0; j < v; j++) idf[j] = log((1.0 + n) / (1.0 + df[find(all.s, all.n, voc[j])])) + 1.0;
    double *x = calloc(n * v + 1, sizeof *x);
    for (size_t d = 0; d < n; d++) {
        double *row = x + d * v, ss = 0;
        for (size_t i = 0; i < doc[d].n; i++) {
            size_t j = find(voc, v, doc[d].s[i]);
            if (j != (size_t)-1) row[j] += 1;
        }
        for (size_t j = 0; j < v; j++) {
            if (row[j] > 0) row[j] = (1 + log(row[j])) * idf[j];
            ss += row[j] * row[j];
        }
        for (size_t j = 0; ss > 0 && j < v; j++) row[j] /= sqrt(ss);
        list_free(&doc[d]);
    }
    free(doc), list_free(&all), free(df), free(keep), free(kdf), free(idf);
    *terms = voc, *n_terms = v, *dense = x;
    return 0;
}
