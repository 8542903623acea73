/* test_vote.c - infer's vote (tc_classifier_infer_vectors) against the
 * reference's rule, written out here from /work/shared/reference/REFERENCE.md
 * ("label = most common neighbour label (ties: first seen, i.e. nearer); -1
 * can win"): count the labels of the top_k nearest training texts, take the
 * largest count, and of the labels that have it the one whose nearest member
 * comes first. The neighbours and the returned distance (squared L2 to the
 * nearest) come from distances computed here in double.
 *
 * Training sets are built around each query at known, well separated radii,
 * so the neighbour order is not in doubt; their labels are drawn to make
 * ties (two or three labels sharing the top count, -1 among them) at every
 * top_k from 2 to 30, and top_k beyond the training set. */
#include "check.h"
#include "core/core.h"
#include "textclust.h"
#include "util/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DIM 6

/* The reference's rule on labels listed nearest first. */
static int64_t reference_vote(const int64_t *lab, size_t k) {
    int64_t keys[64];
    size_t counts[64], nk = 0;
    for (size_t i = 0; i < k; i++) {
        size_t j = 0;
        while (j < nk && keys[j] != lab[i]) j++;
        if (j == nk) keys[nk] = lab[i], counts[nk++] = 0;
        counts[j]++;
    }
    size_t top = 0;
    for (size_t j = 0; j < nk; j++)
        if (counts[j] > top) top = counts[j];
    for (size_t i = 0; i < k; i++) /* nearest first: the first label with the top count */
        for (size_t j = 0; j < nk; j++)
            if (keys[j] == lab[i] && counts[j] == top) return lab[i];
    return -2;
}

/* Labels of n training texts in order of distance, made so that at
 * top_k = k two (or three) labels tie for the top count, the one first seen
 * not always the smaller id, -1 sometimes among them; the rest random. */
static void make_labels(tc_rng *r, int64_t *lab, size_t n, size_t k, int style) {
    for (size_t i = 0; i < n; i++) lab[i] = (int64_t)tc_rng_below(r, 7) - 1;
    if (style == 0) return; /* random: ties now and then */
    int64_t a = (int64_t)tc_rng_below(r, 5) - 1, b = a;
    while (b == a) b = (int64_t)tc_rng_below(r, 5) - 1;
    if (style == 2) a = -1; /* noise first: it must win the tie */
    if (a == b) b = a + 1;
    size_t half = k / 2;
    /* a at the nearest place, b next, then both until each has half */
    size_t na = 0, nb = 0;
    for (size_t i = 0; i < k; i++) {
        if (i == 0 || (na < half && (i % 2 == 1 || nb >= half))) lab[i] = a, na++;
        else if (nb < half) lab[i] = b, nb++;
        else lab[i] = 100 + (int64_t)i; /* singletons, never a top count of >= 2 */
    }
    if (style == 3) { /* b nearer than a: reverse the roles */
        for (size_t i = 0; i < k; i++)
            if (lab[i] == a) lab[i] = b;
            else if (lab[i] == b) lab[i] = a;
    }
    if (style == 4 && k >= 6) { /* three labels with k / 3 each, the farthest first seen wins not */
        int64_t cc = 50;
        for (size_t i = 0; i < k; i++) lab[i] = i % 3 == 0 ? cc : i % 3 == 1 ? a : b;
        if (k % 3) for (size_t i = k - k % 3; i < k; i++) lab[i] = 200 + (int64_t)i;
    }
}

static void test_vote(void) {
    tc_rng r = tc_rng_seed(77);
    int wrong = 0, wrong_dist = 0, cases = 0, ties = 0, noise_won = 0;
    for (int k = 2; k <= 31; k++) {
        for (int t = 0; t < 20; t++) {
            size_t n = k == 31 ? 20 : (size_t)k + 5 + tc_rng_below(&r, 20);
            int top_k = k == 31 ? 30 : k; /* 31: top_k beyond the training set */
            size_t kk = (size_t)top_k < n ? (size_t)top_k : n;
            float q[DIM];
            for (int j = 0; j < DIM; j++) q[j] = (float)(tc_rng_uniform(&r) * 2 - 1);
            tc_classifier *c;
            CHECK_OK(tc_classifier_new(NULL, &c));
            c->n = n, c->dim = DIM;
            c->emb = malloc(n * DIM * sizeof *c->emb);
            c->labels = malloc(n * sizeof *c->labels);
            int64_t *by_rank = malloc(n * sizeof *by_rank);
            size_t *slot = malloc(n * sizeof *slot); /* rank -> training row */
            for (size_t i = 0; i < n; i++) slot[i] = i;
            for (size_t i = n; i-- > 1;) {
                size_t j = tc_rng_below(&r, i + 1), s = slot[i];
                slot[i] = slot[j], slot[j] = s;
            }
            make_labels(&r, by_rank, n, kk, t % 5);
            for (size_t rank = 0; rank < n; rank++) {
                size_t row = slot[rank];
                double u[DIM], norm = 0;
                for (int j = 0; j < DIM; j++) u[j] = tc_rng_uniform(&r) * 2 - 1, norm += u[j] * u[j];
                double rad = 0.3 + 0.1 * (double)rank; /* well apart */
                for (int j = 0; j < DIM; j++)
                    c->emb[row * DIM + j] = (float)(q[j] + rad * u[j] / sqrt(norm));
                c->labels[row] = by_rank[rank];
            }
            /* the reference: neighbours by distances computed here */
            double best_d = INFINITY;
            int64_t nearest_lab[64];
            size_t got_order = 1;
            double prev = -1;
            for (size_t rank = 0; rank < n; rank++) {
                const float *e = c->emb + slot[rank] * DIM;
                double d2 = 0;
                for (int j = 0; j < DIM; j++) d2 += ((double)e[j] - q[j]) * ((double)e[j] - q[j]);
                got_order &= d2 > prev;
                prev = d2;
                if (rank == 0) best_d = d2;
                if (rank < kk) nearest_lab[rank] = c->labels[slot[rank]];
            }
            CHECK(got_order); /* the radii order the training texts */
            int64_t want = reference_vote(nearest_lab, kk), got = -3;
            float dist = -1;
            CHECK_OK(tc_classifier_infer_vectors(c, q, 1, top_k, &got, &dist));
            cases++;
            if (got != want) {
                wrong++;
                if (wrong <= 5) {
                    fprintf(stderr, "top_k %d (n %zu): voted %lld, the rule gives %lld; labels",
                            top_k, n, (long long)got, (long long)want);
                    for (size_t i = 0; i < kk; i++) fprintf(stderr, " %lld", (long long)nearest_lab[i]);
                    fputc('\n', stderr);
                }
            }
            if (fabs(dist - best_d) > 1e-5 * best_d) wrong_dist++;
            /* was it a tie, and did -1 win one? */
            size_t cw = 0, other_top = 0;
            for (size_t i = 0; i < kk; i++) cw += nearest_lab[i] == want;
            for (size_t i = 0; i < kk; i++) {
                size_t cnt = 0;
                if (nearest_lab[i] == want) continue;
                for (size_t j = 0; j < kk; j++) cnt += nearest_lab[j] == nearest_lab[i];
                other_top |= cnt == cw;
            }
            ties += other_top != 0;
            noise_won += other_top && want == -1;
            free(by_rank), free(slot);
            tc_classifier_free(c);
        }
    }
    CHECK_MSG(wrong == 0, "%d of %d votes break the rule", wrong, cases);
    CHECK_MSG(wrong_dist == 0, "%d of %d distances are not the nearest's squared distance", wrong_dist, cases);
    /* the cases must hold what they are for */
    CHECK_MSG(ties >= cases / 2, "only %d of %d cases are ties", ties, cases);
    CHECK_MSG(noise_won >= 20, "-1 won only %d ties", noise_won);
}

int main(void) {
    test_vote();
    return check_report("test_vote");
}
