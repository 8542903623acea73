/* keywords.c - offline cluster labels by class-based TF-IDF (c-TF-IDF, as
 * in Grootendorst 2022, "BERTopic: Neural topic modeling with a class-based
 * TF-IDF procedure"): all texts of a cluster form one document, and a term
 * t of cluster c scores tf(t, c) * log(1 + A / f(t)), where f(t) is its
 * frequency over all classes and A the average number of terms per class.
 * Terms are lower-cased words (Unicode letters and digits, at least one
 * letter) and bigrams of adjacent words; stop words are dropped and break
 * bigrams, as does punctuation. The three best terms, with no word shared
 * between them, are the label: "kernel, device driver, module".
 *
 * The fast path interns terms in one hash table and counts each class in a
 * dense array; keywords_naive.c counts by sorting strings, and the test
 * compares both. */
#include "label/label.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>


/* ---------------------------------------------------------------- tokenizer */

void tc_keywords_tokenize(const char *text, tc_term_fn fn, void *ctx) {
    char w[TC_WORD_MAX + 8];
    size_t wl = 0;
    int too_long = 0, has_letter = 0, brk = 1;
    const uint8_t *s = (const uint8_t *)text;
    for (size_t i = 0;;) {
        int32_t cp = 0;
        int kind; /* 0 word char, 1 plain separator, 2 breaking separator */
        size_t step = 1;
        uint8_t b = s[i];
        if (b == 0) kind = 2;
        else if (b < 0x80) {
            cp = b;
            if (isalnum(b)) kind = 0;
            else if (b == ' ' || b == '\t' || b == '-' || b == '\'' || b == '_') kind = 1;
            else kind = 2;
        } else {
            utf8proc_ssize_t r = utf8proc_iterate(s + i, -1, &cp);
            if (r <= 0) { kind = 2; }
            else {
                step = (size_t)r;
                utf8proc_category_t cat = utf8proc_category(cp);
                if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO) kind = 0;
                else if (cp == 0x2019 || cp == 0x00A0 || cat == UTF8PROC_CATEGORY_ZS) kind = 1;
                else kind = 2;
            }
        }
        if (kind == 0) {
            if (b < 0x80) {
                if (isalpha(b)) has_letter = 1;
                if (wl < TC_WORD_MAX) w[wl++] = (char)tolower(b);
                else too_long = 1;
            } else {
                utf8proc_category_t cat = utf8proc_category(cp);
                if (cat <= UTF8PROC_CATEGORY_LO) has_letter = 1;
                uint8_t enc[4];
                utf8proc_ssize_t el = utf8proc_encode_char(utf8proc_tolower(cp), enc);
                if (wl + (size_t)el <= TC_WORD_MAX) { memcpy(w + wl, enc, (size_t)el); wl += (size_t)el; }
                else too_long = 1;
            }
        } else {
            if (wl > 0) {
                if (too_long || !has_letter || tc_stopword(w, wl)) brk = 1;
                else if (wl >= 2) { fn(ctx, w, wl, brk); brk = 0; }
            }
            wl = 0;
            too_long = has_letter = 0;
            if (kind == 2) brk = 1;
            if (b == 0) break;
        }
        i += step;
    }
}

/* ---------------------------------------------------------------- choosing */

typedef struct { const char *term; double score; uint32_t cnt; int bigram; } cand;

static int cand_cmp(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    if (x->bigram != y->bigram) return y->bigram - x->bigram;  /* the more specific first */
    return strcmp(x->term, y->term);
}

/* A bigram that holds most occurrences of a unigram names the topic better
 * ("black hole" over "black"): the best-scoring such bigram, or -1. */
#define BIGRAM_SHARE 0.7
static long better_bigram(const cand *c, size_t k, size_t u) {
    size_t ul = strlen(c[u].term);
    for (size_t i = 0; i < k; i++) {
        if (!c[i].bigram || c[i].cnt < BIGRAM_SHARE * c[u].cnt) continue;
        const char *t = c[i].term, *sp = strchr(t, ' ');
        if (((size_t)(sp - t) == ul && !strncmp(t, c[u].term, ul)) || !strcmp(sp + 1, c[u].term))
            return (long)i;
    }
    return -1;
}

/* 1 when words p (lp bytes) and q (lq) are equal or one is the other
 * plus a plural "s" */
static int same_word(const char *p, size_t lp, const char *q, size_t lq) {
    if (lp == lq) return memcmp(p, q, lp) == 0;
    if (lp == lq + 1) return p[lq] == 's' && memcmp(p, q, lq) == 0;
    if (lq == lp + 1) return q[lp] == 's' && memcmp(p, q, lp) == 0;
    return 0;
}

/* 1 when terms a and b (space-separated words) share a word */
static int share_word(const char *a, const char *b) {
    for (const char *p = a; *p;) {
        size_t la = strcspn(p, " ");
        for (const char *q = b; *q;) {
            size_t lb = strcspn(q, " ");
            if (same_word(p, la, q, lb)) return 1;
            q += lb;
            if (*q) q++;
        }
        p += la;
        if (*p) p++;
    }
    return 0;
}

int tc_keywords_pick(const char *const *term, const uint32_t *cnt, const double *total,
                     size_t m, double avg, size_t n_docs, int n_top, char **kw,
                     char **summary) {
    cand *c = malloc((m ? m : 1) * sizeof *c);
    if (!c) return tc_error(TC_ENOMEM, "label: out of memory scoring keywords");
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        /* a bigram seen once in a cluster of several texts is a phrase of
         * one text, not of the cluster */
        if (cnt[i] < 2 && n_docs >= 2 && strchr(term[i], ' ')) continue;
        c[k].term = term[i];
        c[k].score = cnt[i] * log(1.0 + avg / total[i]);
        c[k].cnt = cnt[i];
        c[k].bigram = strchr(term[i], ' ') != NULL;
        k++;
    }
    qsort(c, k, sizeof *c, cand_cmp);
    const char **pick = malloc((size_t)(n_top > 0 ? n_top : 1) * sizeof *pick);
    if (!pick) { free(c); return tc_error(TC_ENOMEM, "label: out of memory"); }
    int np = 0;
    for (size_t i = 0; i < k && np < n_top; i++) {
        const char *t = c[i].term;
        if (!c[i].bigram) {
            long b = better_bigram(c, k, i);
            if (b >= 0) t = c[b].term;
        }
        int dup = 0;
        for (int j = 0; j < np && !dup; j++) dup = share_word(t, pick[j]);
        if (!dup) pick[np++] = t;
    }
    tc_sb a = {0}, b = {0};
    tc_sb_puts(&a, "");
    tc_sb_puts(&b, "");
    for (int j = 0; j < np; j++) {
        if (j) tc_sb_puts(&a, ", ");
        tc_sb_puts(&a, pick[j]);
        if (j < 3) {
            if (j) tc_sb_puts(&b, ", ");
            tc_sb_puts(&b, pick[j]);
        }
    }
    free(pick);
    free(c);
    if (a.oom || b.oom) {
        tc_sb_free(&a);
        tc_sb_free(&b);
        return tc_error(TC_ENOMEM, "label: out of memory");
    }
    *kw = a.s;
    *summary = b.s;
    return 0;
}

/* ---------------------------------------------------------------- c-TF-IDF */

int tc_keywords_ctfidf(const char *const *texts, const tc_label_groups *g, int n_top, tc_meter *m,
                       char **kw, char **summary) {
    size_t K = g->n_clusters;
    tc_vocab v = {0};
    /* per class, the (term, count) pairs; class K is the noise */
    uint32_t **ids = calloc(K + 1, sizeof *ids), **cnts = calloc(K + 1, sizeof *cnts);
    size_t *nt = calloc(K + 1, sizeof *nt);
    const char **term = NULL;
    uint32_t *cc = NULL;
    double *tot = NULL;
    int rc = 0;
    if (!ids || !cnts || !nt) goto oom;
    size_t n_classes = 0;
    if ((rc = tc_vocab_count_classes(&v, texts, g, m, ids, cnts, nt, &n_classes)) == TC_ECANCELED) goto done;
    if (rc) goto oom;
    double avg = n_classes ? v.n_terms / (double)n_classes : 0;
    size_t mx = 1;
    for (size_t c = 0; c < K; c++) mx = nt[c] > mx ? nt[c] : mx;
    term = malloc(mx * sizeof *term);
    cc = malloc(mx * sizeof *cc);
    tot = malloc(mx * sizeof *tot);
    if (!term || !cc || !tot) goto oom;
    for (size_t c = 0; c < K && rc == 0; c++) {
        if ((rc = tc_meter_tick(m))) break;
        for (size_t i = 0; i < nt[c]; i++) {
            term[i] = v.arena + v.off[ids[c][i]];
            cc[i] = cnts[c][i];
            tot[i] = v.total[ids[c][i]];
        }
        rc = tc_keywords_pick(term, cc, tot, nt[c], avg, g->start[c + 1] - g->start[c], n_top,
                              &kw[c], &summary[c]);
    }
    goto done;
oom:
    rc = tc_error(TC_ENOMEM, "label: out of memory counting keywords");
done:
    if (ids)
        for (size_t c = 0; c <= K; c++) { free(ids[c]); free(cnts[c]); }
    free(ids);
    free(cnts);
    free(nt);
    free(term);
    free(cc);
    free(tot);
    tc_vocab_free(&v);
    return rc;
}
