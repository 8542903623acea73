/* keywords_naive.c - the obvious version of the c-TF-IDF keyword labels
 * of keywords.c, for the test that compares them: every term occurrence is
 * copied as a string, counts come from sorting, totals from a binary
 * search over all classes' sorted counts. Slow; same scores. */
#include "label/label.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char **s;        /* (n) term strings, one per occurrence */
    size_t n, cap;
    char prev[96];   /* previous word, "" after a break */
    int oom;
} occ;

static void push(occ *o, const char *s, size_t n) {
    if (o->oom) return;
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 256;
        char **p = realloc(o->s, nc * sizeof *p);
        if (!p) { o->oom = 1; return; }
        o->s = p;
        o->cap = nc;
    }
    char *t = malloc(n + 1);
    if (!t) { o->oom = 1; return; }
    memcpy(t, s, n);
    t[n] = 0;
    o->s[o->n++] = t;
}

static void on_term(void *ctx, const char *w, size_t n, int brk) {
    occ *o = ctx;
    push(o, w, n);
    if (!brk && o->prev[0]) {
        char bi[200];
        size_t pl = strlen(o->prev);
        memcpy(bi, o->prev, pl);
        bi[pl] = ' ';
        memcpy(bi + pl + 1, w, n);
        push(o, bi, pl + 1 + n);
    }
    memcpy(o->prev, w, n);
    o->prev[n] = 0;
}

static int scmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* run-length of a sorted list: unique strings into u, counts into c */
static size_t runs(char **s, size_t n, char **u, uint32_t *c) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && strcmp(u[k - 1], s[i]) == 0) c[k - 1]++;
        else { u[k] = s[i]; c[k++] = 1; }
    }
    return k;
}

int tc_keywords_ctfidf_naive(const char *const *texts, const tc_label_groups *g, int n_top,
                             char **kw, char **summary) {
    size_t K = g->n_clusters;
    occ *o = calloc(K + 1, sizeof *o);
    if (!o) return tc_error(TC_ENOMEM, "label: out of memory");
    int rc = 0;
    size_t n_classes = 0, n_all = 0;
    for (size_t c = 0; c <= K; c++) {
        const size_t *mem = c < K ? g->member + g->start[c] : g->noise;
        size_t nm = c < K ? g->start[c + 1] - g->start[c] : g->n_noise;
        n_classes += nm > 0;
        for (size_t i = 0; i < nm; i++) {
            o[c].prev[0] = 0;
            tc_keywords_tokenize(texts[mem[i]] ? texts[mem[i]] : "", on_term, &o[c]);
        }
        if (o[c].oom) rc = tc_error(TC_ENOMEM, "label: out of memory");
        if (o[c].n) qsort(o[c].s, o[c].n, sizeof *o[c].s, scmp);
        n_all += o[c].n;
    }
    /* all occurrences of all classes, sorted, for the totals */
    char **all = malloc((n_all ? n_all : 1) * sizeof *all);
    char **au = malloc((n_all ? n_all : 1) * sizeof *au);
    uint32_t *ac = malloc((n_all ? n_all : 1) * sizeof *ac);
    if (!all || !au || !ac) rc = tc_error(TC_ENOMEM, "label: out of memory");
    size_t na = 0;
    if (rc == 0) {
        for (size_t c = 0; c <= K; c++) {
            if (o[c].n) memcpy(all + na, o[c].s, o[c].n * sizeof *all);
            na += o[c].n;
        }
        qsort(all, na, sizeof *all, scmp);
        na = runs(all, na, au, ac);
    }
    double avg = n_classes ? (double)n_all / (double)n_classes : 0;
    for (size_t c = 0; c < K && rc == 0; c++) {
        char **u = malloc((o[c].n ? o[c].n : 1) * sizeof *u);
        uint32_t *cnt = malloc((o[c].n ? o[c].n : 1) * sizeof *cnt);
        double *tot = malloc((o[c].n ? o[c].n : 1) * sizeof *tot);
        if (!u || !cnt || !tot) rc = tc_error(TC_ENOMEM, "label: out of memory");
        else {
            size_t m = runs(o[c].s, o[c].n, u, cnt);
            for (size_t i = 0; i < m; i++) {
                char **hit = bsearch(&u[i], au, na, sizeof *au, scmp);
                tot[i] = ac[hit - au];
            }
            rc = tc_keywords_pick((const char *const *)u, cnt, tot, m, avg,
                                  g->start[c + 1] - g->start[c], n_top, &kw[c], &summary[c]);
        }
        free(u);
        free(cnt);
        free(tot);
    }
    for (size_t c = 0; c <= K; c++) {
        for (size_t i = 0; i < o[c].n; i++) free(o[c].s[i]);
        free(o[c].s);
    }
    free(o);
    free(all);
    free(au);
    free(ac);
    return rc;
}
