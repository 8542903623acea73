/* sample.c - groups texts by cluster label and draws the example texts an
 * LLM is shown per cluster: distinct texts, without replacement, seeded
 * (partial Fisher-Yates shuffle), each cut on a UTF-8 boundary.
 * Unlike the reference (sampling with replacement, unseeded, assuming a
 * noise cluster exists), any label numbering works. */
#include "label/label.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- groups */

typedef struct { int64_t label; size_t idx; } pair;

static int pair_cmp(const void *a, const void *b) {
    const pair *x = a, *y = b;
    if (x->label != y->label) return x->label < y->label ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int tc_label_groups_build(const int64_t *labels, size_t n, tc_label_groups *g) {
    memset(g, 0, sizeof *g);
    size_t n_noise = 0;
    for (size_t i = 0; i < n; i++) n_noise += labels[i] == -1;
    size_t m = n - n_noise;
    pair *pr = malloc((m ? m : 1) * sizeof *pr);                 /* (m) */
    g->member = malloc((m ? m : 1) * sizeof *g->member);         /* (m) */
    g->noise = malloc((n_noise ? n_noise : 1) * sizeof *g->noise); /* (n_noise) */
    if (!pr || !g->member || !g->noise) goto oom;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] == -1) g->noise[g->n_noise++] = i;
        else pr[j++] = (pair){labels[i], i};
    }
    qsort(pr, m, sizeof *pr, pair_cmp);
    size_t k = 0;
    for (size_t i = 0; i < m; i++) k += i == 0 || pr[i].label != pr[i - 1].label;
    g->label = malloc((k ? k : 1) * sizeof *g->label);
    g->start = malloc((k + 1) * sizeof *g->start);
    if (!g->label || !g->start) goto oom;
    g->n_clusters = k;
    size_t c = 0;
    for (size_t i = 0; i < m; i++) {
        if (i == 0 || pr[i].label != pr[i - 1].label) {
            g->label[c] = pr[i].label;
            g->start[c++] = i;
        }
        g->member[i] = pr[i].idx;
    }
    g->start[k] = m;
    free(pr);
    return 0;
oom:
    free(pr);
    tc_label_groups_free(g);
    return tc_error(TC_ENOMEM, "label: out of memory grouping %zu texts", n);
}

void tc_label_groups_free(tc_label_groups *g) {
    if (!g) return;
    free(g->label);
    free(g->start);
    free(g->member);
    free(g->noise);
    memset(g, 0, sizeof *g);
}

/* ---------------------------------------------------------------- sampling */

size_t tc_label_sample(const tc_label_groups *g, size_t c, int k, uint64_t seed, size_t *out) {
    size_t lo = g->start[c], size = g->start[c + 1] - lo;
    if (k <= 0) return 0;
    if (size <= (size_t)k) {
        memcpy(out, g->member + lo, size * sizeof *out);
        return size;
    }
    /* Partial Fisher-Yates over positions 0..size-1, with the swaps kept in
     * a small list instead of a copy of the member array: k draws cost
     * O(k^2) at most, independent of the cluster size. */
    tc_rng r = tc_rng_derive(seed, (uint64_t)g->label[c]);
    if (k > 64) {  /* many draws: shuffle a copy, O(size) */
        size_t *v = malloc(size * sizeof *v);
        if (v) {
            memcpy(v, g->member + lo, size * sizeof *v);
            for (size_t i = 0; i < (size_t)k; i++) {
                size_t j = i + (size_t)tc_rng_below(&r, size - i);
                size_t t = v[i]; v[i] = v[j]; v[j] = t;
                out[i] = v[i];
            }
            free(v);
            return (size_t)k;
        }
    }
    size_t *from = malloc((size_t)k * 2 * sizeof *from), *to = from + k;
    size_t n_sw = 0;
    if (!from) {  /* out of memory: the first k members, still deterministic */
        memcpy(out, g->member + lo, (size_t)k * sizeof *out);
        return (size_t)k;
    }
    for (size_t i = 0; i < (size_t)k; i++) {
        size_t j = i + (size_t)tc_rng_below(&r, size - i);
        /* value at position j and at i after the earlier swaps */
        size_t vj = j, vi = i;
        for (size_t s = 0; s < n_sw; s++) {
            if (from[s] == j) vj = to[s];
            if (from[s] == i) vi = to[s];
        }
        out[i] = g->member[lo + vj];
        /* position j now holds the value of position i */
        size_t s;
        for (s = 0; s < n_sw; s++)
            if (from[s] == j) break;
        if (s == n_sw) { from[n_sw] = j; n_sw++; }
        to[s] = vi;
    }
    free(from);
    return (size_t)k;
}
