/* test_keywords_score.c - the c-TF-IDF score and the pick of keywords.c
 * (tc_keywords_pick), which both keyword paths share, against the formula
 * written out here: a term's score is tf(t, c) * log(1 + A / f(t))
 * (Grootendorst 2022, BERTopic's c-TF-IDF: tf in the cluster, f over all
 * classes, A the average number of terms per class), the top n_top by score
 * are the keywords and the top three the summary. The terms are single
 * distinct words with distinct scores, so the bigram and shared-word rules
 * and the tie order do not enter. Counts are drawn so that common terms
 * (f > A) compete with rare ones, where a score without the "1 +" would put
 * them in another order. */
#include "check.h"
#include "label/label.h"
#include "textclust.h"
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TERMS 40

static void expect(const char *const *term, const uint32_t *cnt, const double *total, size_t m,
                   double avg, int n_top, char *kw, char *summary, size_t cap) {
    double score[MAX_TERMS];
    int used[MAX_TERMS] = {0};
    for (size_t i = 0; i < m; i++) score[i] = cnt[i] * log1p(avg / total[i]);
    kw[0] = summary[0] = 0;
    for (int r = 0; r < n_top && (size_t)r < m; r++) {
        int best = -1;
        for (size_t i = 0; i < m; i++)
            if (!used[i] && (best < 0 || score[i] > score[best])) best = (int)i;
        used[best] = 1;
        if (r) strncat(kw, ", ", cap - strlen(kw) - 1);
        strncat(kw, term[best], cap - strlen(kw) - 1);
        if (r < 3) {
            if (r) strncat(summary, ", ", cap - strlen(summary) - 1);
            strncat(summary, term[best], cap - strlen(summary) - 1);
        }
    }
}

/* R is common (f = 200 > A = 100), S rare: 50 log 1.5 = 20.3 beats
 * 5 log 21 = 15.2 (without the "1 +": -34.7 against 15.0). */
static void test_by_hand(void) {
    const char *term[] = {"rare", "common"};
    const uint32_t cnt[] = {5, 50};
    const double total[] = {5, 200};
    char *kw = NULL, *sm = NULL;
    CHECK_OK(tc_keywords_pick(term, cnt, total, 2, 100.0, 10, 2, &kw, &sm));
    CHECK_STR(kw, "common, rare");
    free(kw), free(sm);
}

static void test_random(void) {
    tc_rng r = tc_rng_seed(91);
    char names[MAX_TERMS][16];
    const char *term[MAX_TERMS];
    for (int i = 0; i < MAX_TERMS; i++) {
        /* letters only, no word shared: "wa", "wb", ... */
        snprintf(names[i], sizeof names[i], "w%c%c", 'a' + i % 26, 'a' + i / 26);
        term[i] = names[i];
    }
    int bad = 0, n = 0, order_flips = 0;
    for (int t = 0; t < 300; t++) {
        size_t m = 2 + tc_rng_below(&r, MAX_TERMS - 1);
        uint32_t cnt[MAX_TERMS];
        double total[MAX_TERMS], avg = 5 + tc_rng_uniform(&r) * 200;
        for (size_t i = 0; i < m; i++) {
            cnt[i] = 1 + (uint32_t)tc_rng_below(&r, 60);
            total[i] = cnt[i] + (double)tc_rng_below(&r, 400);
        }
        int n_top = 1 + (int)tc_rng_below(&r, 10);
        char want_kw[1024], want_sm[1024];
        expect(term, cnt, total, m, avg, n_top, want_kw, want_sm, sizeof want_kw);
        /* would log(A / f) order the top terms otherwise? */
        char other_kw[1024];
        {
            double s1[MAX_TERMS];
            int used[MAX_TERMS] = {0};
            for (size_t i = 0; i < m; i++) s1[i] = cnt[i] * log(avg / total[i]);
            other_kw[0] = 0;
            for (int k = 0; k < n_top && (size_t)k < m; k++) {
                int best = -1;
                for (size_t i = 0; i < m; i++)
                    if (!used[i] && (best < 0 || s1[i] > s1[best])) best = (int)i;
                used[best] = 1;
                strcat(other_kw, term[best]), strcat(other_kw, ",");
            }
        }
        char *kw = NULL, *sm = NULL;
        CHECK_OK(tc_keywords_pick(term, cnt, total, m, avg, 10, n_top, &kw, &sm));
        n++;
        if (!kw || !sm || strcmp(kw, want_kw) || strcmp(sm, want_sm)) {
            bad++;
            if (bad <= 3)
                fprintf(stderr, "case %d: got \"%s\" / \"%s\", the formula gives \"%s\" / \"%s\"\n", t,
                        kw ? kw : "(null)", sm ? sm : "(null)", want_kw, want_sm);
        }
        char want_plain[1040];
        size_t wp = 0;
        for (const char *p = want_kw; *p; p++)
            if (*p != ' ') want_plain[wp++] = *p;
        want_plain[wp++] = ',', want_plain[wp] = 0;
        order_flips += strcmp(want_plain, other_kw) != 0;
        free(kw), free(sm);
    }
    CHECK_MSG(bad == 0, "%d of %d picks differ from the formula", bad, n);
    CHECK_MSG(order_flips >= n / 4, "only %d of %d cases tell log(1 + A/f) from log(A/f)",
              order_flips, n);
}

int main(void) {
    test_by_hand();
    test_random();
    return check_report("test_keywords_score");
}
