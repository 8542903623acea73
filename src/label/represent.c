/* represent.c - the texts that best show what a cluster or topic is about:
 * the members nearest to the group's mean embedding, then maximal marginal
 * relevance (Carbonell & Goldstein, SIGIR 1998) over a shortlist of them so
 * that near-copies of one text do not fill the list. Exact copies (same
 * text, or the same vector) are never picked twice. */
#include "label/label.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The shortlist MMR picks from: the nearest POOL_FACTOR * k (at least
 * POOL_MIN) members. Wider finds more variety, at k times its size in
 * dot products. */
#define POOL_FACTOR 5
#define POOL_MIN 50

typedef struct { double d; size_t i; } cand;

static int cand_cmp(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->d != y->d) return x->d < y->d ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static double dot(const float *a, const float *b, int d) {
    double s = 0;
    for (int t = 0; t < d; t++) s += (double)a[t] * b[t];
    return s;
}

size_t tc_label_representatives(const float *e, int d, const char *const *texts,
                                const size_t *members, size_t m, int k, double lambda,
                                int64_t *out) {
    if (k <= 0 || m == 0) return 0;
    double *mu = calloc((size_t)d, sizeof *mu);   /* (d) mean row */
    cand *c = malloc(m * sizeof *c);              /* (m) members by distance */
    if (!mu || !c) { free(mu), free(c); return 0; }
    for (size_t j = 0; j < m; j++) {
        const float *x = e + members[j] * (size_t)d;
        for (int t = 0; t < d; t++) mu[t] += x[t];
    }
    double mu2 = 0;
    for (int t = 0; t < d; t++) mu[t] /= (double)m, mu2 += mu[t] * mu[t];
    #pragma omp parallel for schedule(static) if (m * (size_t)d > (1u << 20))
    for (size_t j = 0; j < m; j++) {
        const float *x = e + members[j] * (size_t)d;
        double s = 0;
        for (int t = 0; t < d; t++) {
            double v = x[t] - mu[t];
            s += v * v;
        }
        c[j] = (cand){s, members[j]};
    }
    size_t pool = (size_t)k * POOL_FACTOR;
    if (pool < POOL_MIN) pool = POOL_MIN;
    if (pool > m) pool = m;
    qsort(c, m, sizeof *c, cand_cmp);  /* ties to the lower index */

    /* relevance: cosine to the mean; redundancy: cosine to the picks */
    double *rel = malloc(pool * sizeof *rel), *red = malloc(pool * sizeof *red), *nrm = malloc(pool * sizeof *nrm);
    uint8_t *gone = calloc(pool, 1);
    size_t got = 0;
    if (!rel || !red || !nrm || !gone) goto done;
    for (size_t j = 0; j < pool; j++) {
        const float *x = e + c[j].i * (size_t)d;
        double xx = dot(x, x, d), xm = 0;
        for (int t = 0; t < d; t++) xm += x[t] * mu[t];
        nrm[j] = sqrt(xx);
        rel[j] = nrm[j] > 0 && mu2 > 0 ? xm / (nrm[j] * sqrt(mu2)) : 0;
        red[j] = -INFINITY;
    }
    while (got < (size_t)k) {
        size_t best = SIZE_MAX;
        double bs = -INFINITY;
        for (size_t j = 0; j < pool; j++) {
            if (gone[j]) continue;
            double s = got ? lambda * rel[j] - (1 - lambda) * red[j] : rel[j];
            if (best == SIZE_MAX || s > bs) best = j, bs = s;  /* ties: the nearer (earlier) */
        }
        if (best == SIZE_MAX) break;
        gone[best] = 1;
        out[got++] = (int64_t)c[best].i;
        const float *p = e + c[best].i * (size_t)d;
        for (size_t j = 0; j < pool; j++) {
            if (gone[j]) continue;
            const float *x = e + c[j].i * (size_t)d;
            if (!memcmp(x, p, (size_t)d * sizeof *x) ||
                (texts && texts[c[j].i] && texts[c[best].i] && !strcmp(texts[c[j].i], texts[c[best].i]))) {
                gone[j] = 1;  /* a copy of the pick */
                continue;
            }
            double cs = nrm[j] > 0 && nrm[best] > 0 ? dot(x, p, d) / (nrm[j] * nrm[best]) : 0;
            if (cs > red[j]) red[j] = cs;
        }
    }
done:
    free(mu), free(c), free(rel), free(red), free(nrm), free(gone);
    return got;
}
