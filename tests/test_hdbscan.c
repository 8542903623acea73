/* test_hdbscan.c - HDBSCAN*'s condensed tree, stabilities and selection:
 * a tree worked out by hand, and the fast path (condense.c) against the
 * naive one (hdbscan_naive.c) on random spanning trees with ties and zero
 * weights. The comparison with R's dbscan package is tests/hdbscan_r_test.py,
 * which uses the command of this program:
 *   test_hdbscan --tree in.f32 min_cluster_size min_samples out.txt
 * (in.f32: int32 n, int32 d, n*d float32; out.txt: "eom" and "leaf" lines of
 * labels, then "cluster MIN SIZE STABILITY" per cluster but the root, MIN
 * being its smallest point index). */
#include "check.h"
#include "cluster/cluster.h"
#include "textclust.h"
#include "util/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- by hand */

/* Ten points, given as their spanning tree (distance on each edge):
 *
 *     0 -0.5- 1 -0.5- 2 -1- 3 -2- 7         A = {0,1,2,3,7}
 *                     |
 *                     4 (distance 4 from 2)
 *     4 -0.25- 5 -0.5- 6 -0.625- 8 -0.5- 9   B = {4,5,6,8,9}
 *
 * lambda = 1 / distance: 4 -> 0.25, 2 -> 0.5, 1 -> 1, 0.625 -> 1.6,
 * 0.5 -> 2, 0.25 -> 4. Edges are cut heaviest first; among the four of
 * distance 0.5 the larger (a, b) first: 8-9, 5-6, 1-2, 0-1.
 *
 * min_cluster_size 3:
 *   cut 2-4 (0.25): A and B both have 5 >= 3 points: clusters A (id n+1,
 *     the side whose merge came last) and B (n+2) born at 0.25; the root
 *     (birth 0) gets (0.25 - 0) * 10 = 2.5.
 *   A: 7 leaves at 0.5: (0.5 - 0.25) * 1 = 0.25; 3 leaves at 1: 0.75;
 *      cut 1-2 at 2 leaves {0,1} and {2}, both < 3: (2 - 0.25) * 3 = 5.25.
 *      stability(A) = 0.25 + 0.75 + 5.25 = 6.25.
 *   B: {8,9} leaves at 1.6: (1.6 - 0.25) * 2 = 2.7; cut 5-6 at 2 leaves {4,5}
 *      and {6}: (2 - 0.25) * 3 = 5.25. stability(B) = 7.95.
 *   eom = leaf: A and B; labels 0 for A (point 0 first), 1 for B.
 *
 * min_cluster_size 2:
 *   cut 2-4 (0.25): A (n+1), B (n+2) as before, root 2.5.
 *   A: 7 at 0.5 (0.25), 3 at 1 (0.75), 2 at 2 (1.75), 0 and 1 at 2 (3.5):
 *      stability(A) = 6.25.
 *   B: cut 6-8 at 1.6 into {8,9} (n+3, its merge came last) and {4,5,6}
 *      (n+4), both >= 2: B gets (1.6 - 0.25) * 5 = 6.75.
 *   {8,9}: both leave at 2: (2 - 1.6) * 2 = 0.8.
 *   {4,5,6}: 6 leaves at 2: 0.4; 4 and 5 at 4: (4 - 1.6) * 2 = 4.8; = 5.2.
 *   eom: B's 6.75 > 0.8 + 5.2 = 6.0, so B is kept: labels A = 0, B = 1.
 *   leaf: A, {4,5,6}, {8,9}: labels A = 0, {4,5,6} = 1, {8,9} = 2. */
static void hand_tree(tc_mst_edge *e) {
    const double d[9][3] = {{0, 1, 0.5}, {1, 2, 0.5},   {2, 3, 1},   {4, 5, 0.25}, {5, 6, 0.5},
                            {3, 7, 2},   {8, 9, 0.5},   {6, 8, 0.625}, {2, 4, 4}};
    for (int i = 0; i < 9; i++)
        e[i] = (tc_mst_edge){(int64_t)d[i][0], (int64_t)d[i][1], d[i][2] * d[i][2]};
}

static void check_labels(const int64_t *got, const int64_t *want, size_t n, const char *what) {
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) bad += got[i] != want[i];
    CHECK_MSG(bad == 0, "%s: %zu labels differ", what, bad);
}

static void test_hand_mcs3(void) {
    tc_mst_edge e[9];
    hand_tree(e);
    tc_condensed ct;
    CHECK_OK(tc_hdbscan_condense(e, 10, 3, &ct));
    CHECK(ct.n_clusters == 3);
    /* the rows: two clusters, then 7, 3, {8,9}, {4,5,6} and {0,1,2} leaving */
    const int64_t want_rows[][3] = {{10, 11, 5}, {10, 12, 5}};
    for (int r = 0; r < 2 && ct.n_rows >= 2; r++) {
        CHECK(ct.parent[r] == want_rows[r][0] && ct.child[r] == want_rows[r][1]);
        CHECK(ct.size[r] == want_rows[r][2]);
        CHECK_NEAR(ct.lambda[r], 0.25, 1e-15);
    }
    CHECK(ct.n_rows == 2 + 10);
    /* each point's cluster and lambda */
    const int64_t pc[10] = {11, 11, 11, 11, 12, 12, 12, 11, 12, 12};
    const double pl[10] = {2, 2, 2, 1, 2, 2, 2, 0.5, 1.6, 1.6};
    int seen = 0;
    for (size_t r = 0; r < ct.n_rows; r++) {
        int64_t c = ct.child[r];
        if (c >= 10) continue;
        seen++;
        CHECK_MSG(ct.parent[r] == pc[c], "point %lld left %lld", (long long)c, (long long)ct.parent[r]);
        CHECK_NEAR(ct.lambda[r], pl[c], 1e-12);
        CHECK(ct.size[r] == 1);
    }
    CHECK(seen == 10);
    CHECK(ct.cparent[0] == -1 && ct.cparent[1] == 0 && ct.cparent[2] == 0);
    CHECK_NEAR(ct.birth[1], 0.25, 1e-15);
    CHECK_NEAR(ct.stability[0], 2.5, 1e-12);
    CHECK_NEAR(ct.stability[1], 6.25, 1e-12);
    CHECK_NEAR(ct.stability[2], 7.95, 1e-12);
    int64_t l[10];
    const int64_t want[10] = {0, 0, 0, 0, 1, 1, 1, 0, 1, 1};
    tc_hdbscan_params p = tc_hdbscan_default_params();
    p.min_cluster_size = 3;
    CHECK_OK(tc_hdbscan_select(&ct, &p, l));
    check_labels(l, want, 10, "hand mcs 3 eom");
    p.selection_method = TC_HDBSCAN_LEAF;
    CHECK_OK(tc_hdbscan_select(&ct, &p, l));
    check_labels(l, want, 10, "hand mcs 3 leaf");
    tc_condensed_free(&ct);
}

static void test_hand_mcs2(void) {
    tc_mst_edge e[9];
    hand_tree(e);
    tc_condensed ct;
    CHECK_OK(tc_hdbscan_condense(e, 10, 2, &ct));
    CHECK(ct.n_clusters == 5);
    if (ct.n_clusters == 5) {
        const int64_t cpar[5] = {-1, 0, 0, 2, 2};
        const double birth[5] = {0, 0.25, 0.25, 1.6, 1.6};
        const double stab[5] = {2.5, 6.25, 6.75, 0.8, 5.2};
        for (int c = 0; c < 5; c++) {
            CHECK_MSG(ct.cparent[c] == cpar[c], "cluster %d's parent %lld", c, (long long)ct.cparent[c]);
            CHECK_NEAR(ct.birth[c], birth[c], 1e-12);
            CHECK_NEAR(ct.stability[c], stab[c], 1e-12);
        }
        /* {8,9} is n+3, {4,5,6} n+4 */
        for (size_t r = 0; r < ct.n_rows; r++)
            if (ct.child[r] == 8 || ct.child[r] == 9) CHECK(ct.parent[r] == 13);
            else if (ct.child[r] >= 4 && ct.child[r] <= 6) CHECK(ct.parent[r] == 14);
    }
    int64_t l[10];
    tc_hdbscan_params p = tc_hdbscan_default_params();
    p.min_cluster_size = 2;
    CHECK_OK(tc_hdbscan_select(&ct, &p, l));
    const int64_t want_eom[10] = {0, 0, 0, 0, 1, 1, 1, 0, 1, 1};
    check_labels(l, want_eom, 10, "hand mcs 2 eom");
    p.selection_method = TC_HDBSCAN_LEAF;
    CHECK_OK(tc_hdbscan_select(&ct, &p, l));
    const int64_t want_leaf[10] = {0, 0, 0, 0, 1, 1, 1, 0, 2, 2};
    check_labels(l, want_leaf, 10, "hand mcs 2 leaf");
    /* epsilon 0.7: the leaves born at distance 1 / 1.6 = 0.625 < 0.7 give way
     * to B, born at 4 > 0.7 */
    p.cluster_selection_epsilon = 0.7;
    CHECK_OK(tc_hdbscan_select(&ct, &p, l));
    check_labels(l, want_eom, 10, "hand mcs 2 leaf eps 0.7");
    tc_condensed_free(&ct);
    /* the naive path on the same tree */
    hand_tree(e);
    p.cluster_selection_epsilon = 0;
    CHECK_OK(tc_hdbscan_labels_from_mst_naive(e, 10, &p, l));
    check_labels(l, want_leaf, 10, "hand mcs 2 leaf, naive");
    p.selection_method = TC_HDBSCAN_EOM;
    CHECK_OK(tc_hdbscan_labels_from_mst_naive(e, 10, &p, l));
    check_labels(l, want_eom, 10, "hand mcs 2 eom, naive");
}

/* Six equal points (every edge weighs 0), min_cluster_size 3, tree
 * 0-4, 1-4, 4-5, 2-5, 3-5. Equal weights are cut in decreasing (a, b), so
 * 4-5 goes first and splits {0,1,4} from {2,3,5} at lambda = inf: both are
 * clusters born at inf, and their points leave at inf, which adds nothing:
 * stabilities 0, and both are chosen (a tie keeps the cluster over its empty
 * set of children). */
static void test_hand_equal_points(void) {
    tc_mst_edge e[5] = {{0, 4, 0}, {1, 4, 0}, {4, 5, 0}, {2, 5, 0}, {3, 5, 0}};
    tc_condensed ct;
    CHECK_OK(tc_hdbscan_condense(e, 6, 3, &ct));
    CHECK(ct.n_clusters == 3);
    for (int64_t c = 1; c < ct.n_clusters; c++) {
        CHECK(isinf(ct.birth[c]));
        CHECK(ct.stability[c] == 0);
    }
    int64_t l[6];
    const int64_t want[6] = {0, 0, 1, 1, 0, 1};
    tc_hdbscan_params p = tc_hdbscan_default_params();
    p.min_cluster_size = 3;
    CHECK_OK(tc_hdbscan_select(&ct, &p, l));
    check_labels(l, want, 6, "equal points");
    tc_condensed_free(&ct);
}

/* ---------------------------------------------------------------- fast vs naive */

/* Random spanning trees: each point i > 0 hangs from a random earlier one;
 * weights from a few values (ties, zeros) or continuous. */
static void test_random_trees(void) {
    tc_rng r = tc_rng_seed(61);
    int differ = 0;
    for (int t = 0; t < 600; t++) {
        size_t n = 2 + tc_rng_below(&r, t < 300 ? 60 : 700);
        tc_mst_edge *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        int64_t *la = malloc(n * sizeof *la), *lb = malloc(n * sizeof *lb);
        int64_t *perm = malloc(n * sizeof *perm);
        for (size_t i = 0; i < n; i++) perm[i] = (int64_t)i;
        for (size_t i = n; i-- > 1;) { /* the hanging order is not the index order */
            size_t j = tc_rng_below(&r, i + 1);
            int64_t s = perm[i];
            perm[i] = perm[j], perm[j] = s;
        }
        int mode = t % 3;
        for (size_t i = 1; i < n; i++) {
            int64_t u = perm[i], v = perm[tc_rng_below(&r, i)];
            double w;
            if (mode == 0) w = tc_rng_uniform(&r) * 4;
            else if (mode == 1) w = (double)tc_rng_below(&r, 6) * 0.25; /* ties and zeros */
            else w = (double)(1 + tc_rng_below(&r, 3)) + (i % 7 == 0 ? 0 : tc_rng_uniform(&r));
            a[i - 1] = (tc_mst_edge){u < v ? u : v, u < v ? v : u, w};
        }
        memcpy(b, a, (n - 1) * sizeof *a);
        tc_hdbscan_params p = tc_hdbscan_default_params();
        p.min_cluster_size = 2 + (int)tc_rng_below(&r, n < 40 ? 6 : 25);
        p.selection_method = t % 2 ? TC_HDBSCAN_LEAF : TC_HDBSCAN_EOM;
        p.cluster_selection_epsilon = t % 5 == 3 ? 0.2 + tc_rng_uniform(&r) * 1.5 : 0;
        CHECK_OK(tc_hdbscan_labels_from_mst(a, n, &p, la));
        CHECK_OK(tc_hdbscan_labels_from_mst_naive(b, n, &p, lb));
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) bad += la[i] != lb[i];
        if (bad) {
            differ++;
            if (differ <= 5)
                fprintf(stderr, "tree case %d (n=%zu mode=%d mcs=%d %s eps=%g): %zu labels differ\n", t,
                        n, mode, p.min_cluster_size, t % 2 ? "leaf" : "eom",
                        p.cluster_selection_epsilon, bad);
        }
        free(a), free(b), free(la), free(lb), free(perm);
    }
    CHECK_MSG(differ == 0, "%d of 600 random trees give other labels than the naive path", differ);
}

/* ---------------------------------------------------------------- command */

static float *read_points(const char *path, size_t *n, int *d) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    int32_t hdr[2];
    float *x = NULL;
    if (fread(hdr, 4, 2, f) == 2 && hdr[0] >= 0 && hdr[1] > 0) {
        *n = (size_t)hdr[0], *d = hdr[1];
        x = malloc((*n * *d + 1) * sizeof *x);
        if (x && fread(x, 4, *n * *d, f) != *n * *d) free(x), x = NULL;
    }
    fclose(f);
    return x;
}

static int command_tree(char **argv) {
    size_t n;
    int d;
    float *x = read_points(argv[2], &n, &d);
    FILE *out = fopen(argv[5], "w");
    if (!x || !out || n < 2) {
        fprintf(stderr, "test_hdbscan: cannot read %s or write %s\n", argv[2], argv[5]);
        return 2;
    }
    int mcs = atoi(argv[3]), ms = atoi(argv[4]);
    tc_mst_edge *e = malloc(n * sizeof *e);
    int64_t *l = malloc(n * sizeof *l);
    tc_condensed ct;
    int rc = tc_hdbscan_mst(x, n, d, ms, 1, NULL, e);
    if (!rc) rc = tc_hdbscan_condense(e, n, mcs, &ct);
    if (rc) {
        fprintf(stderr, "test_hdbscan: %s\n", tc_last_error());
        return 1;
    }
    tc_hdbscan_params p = tc_hdbscan_default_params();
    p.min_cluster_size = mcs, p.min_samples = ms;
    for (int m = 0; m < 2 && !rc; m++) {
        p.selection_method = m ? TC_HDBSCAN_LEAF : TC_HDBSCAN_EOM;
        rc = tc_hdbscan_select(&ct, &p, l);
        fputs(m ? "leaf" : "eom", out);
        for (size_t i = 0; i < n; i++) fprintf(out, " %lld", (long long)l[i]);
        fputc('\n', out);
    }
    /* each cluster's points: those that left it or a cluster below it */
    int64_t *first = malloc(ct.n_clusters * sizeof *first), *count = calloc(ct.n_clusters, sizeof *count);
    for (int64_t c = 0; c < ct.n_clusters; c++) first[c] = INT64_MAX;
    for (size_t r = 0; r < ct.n_rows; r++) {
        int64_t pt = ct.child[r];
        if (pt >= (int64_t)n) continue;
        for (int64_t c = ct.parent[r] - (int64_t)n; c >= 0; c = ct.cparent[c]) {
            count[c]++;
            if (pt < first[c]) first[c] = pt;
        }
    }
    for (int64_t c = 1; c < ct.n_clusters; c++)
        fprintf(out, "cluster %lld %lld %.17g\n", (long long)first[c], (long long)count[c],
                ct.stability[c]);
    free(first), free(count);
    tc_condensed_free(&ct);
    free(x), free(e), free(l);
    return fclose(out) == 0 && rc == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 6 && !strcmp(argv[1], "--tree")) return command_tree(argv);
    test_hand_mcs3();
    test_hand_mcs2();
    test_hand_equal_points();
    test_random_trees();
    return check_report("test_hdbscan");
}
