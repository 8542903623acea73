/* test_cluster.c - DBSCAN against scikit-learn's labels (golden files made by
 * tests/make_cluster_golden.py) and against the naive reference, HDBSCAN
 * against its naive O(N^2) reference and against known blobs, and noise
 * assignment against brute force.
 *
 * Also a small command used by tests/cluster_sklearn_test.py:
 *   test_cluster --dbscan  in.f32 eps min_samples out.i64
 *   test_cluster --hdbscan in.f32 min_cluster_size min_samples eom|leaf sel_eps out.i64
 * (in.f32: int32 n, int32 d, n*d float32; out.i64: n int64). */
#include "check.h"
#include "cluster/cluster.h"
#include "textclust.h"
#include "util/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA "tests/data/cluster/"

/* ---------------------------------------------------------------- files */

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

static int64_t *read_labels(const char *path, size_t n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    int64_t *l = malloc((n + 1) * sizeof *l);
    if (l && fread(l, 8, n, f) != n) free(l), l = NULL;
    fclose(f);
    return l;
}

static int write_labels(const char *path, const int64_t *l, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(l, 8, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

static size_t count_diff(const int64_t *a, const int64_t *b, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += a[i] != b[i];
    return k;
}

/* ---------------------------------------------------------------- point sets */

/* k Gaussian blobs (sd) with centres in [0, box)^d, plus a share of uniform
 * noise; truth gets the blob (or -1). Points in random order. */
static void make_blobs(tc_rng *r, float *x, int64_t *truth, size_t n, int d, int k, double sd,
                       double noise, double box) {
    double *c = malloc(k * d * sizeof *c);
    for (int i = 0; i < k * d; i++) c[i] = tc_rng_uniform(r) * box;
    for (size_t i = 0; i < n; i++) {
        int is_noise = tc_rng_uniform(r) < noise;
        int b = (int)tc_rng_below(r, k);
        for (int j = 0; j < d; j++) {
            if (is_noise) {
                x[i * d + j] = (float)(tc_rng_uniform(r) * box);
            } else {
                double u1 = tc_rng_uniform(r) + 1e-300, u2 = tc_rng_uniform(r);
                double g = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
                x[i * d + j] = (float)(c[b * d + j] + sd * g);
            }
        }
        if (truth) truth[i] = is_noise ? -1 : b;
    }
    free(c);
}

/* ---------------------------------------------------------------- DBSCAN */

static void test_dbscan_golden(void) {
    FILE *f = fopen(DATA "dbscan_cases.txt", "r");
    CHECK_MSG(f != NULL, "cannot open " DATA "dbscan_cases.txt (run from the repo root)");
    if (!f) return;
    char name[128];
    double eps;
    int ms, n_cases = 0;
    while (fscanf(f, "%127s %lf %d", name, &eps, &ms) == 3) {
        char path[256];
        size_t n;
        int d;
        snprintf(path, sizeof path, DATA "%s.f32", name);
        float *x = read_points(path, &n, &d);
        snprintf(path, sizeof path, DATA "%s.i64", name);
        int64_t *want = x ? read_labels(path, n) : NULL;
        CHECK_MSG(x && want, "%s: cannot read the case files", name);
        if (!x || !want) continue;
        int64_t *got = malloc((n + 1) * sizeof *got);
        for (int threads = 1; threads <= 2; threads++) {
            tc_dbscan_params p = tc_dbscan_default_params();
            p.eps = eps, p.min_samples = ms, p.n_threads = threads;
            CHECK_OK(tc_dbscan(x, n, d, &p, got));
            size_t bad = count_diff(got, want, n);
            CHECK_MSG(bad == 0, "%s (%d threads): %zu of %zu labels differ from scikit-learn",
                      name, threads, bad, n);
            if (eps * eps == 0) { /* eps = 0 means exact duplicates, like eps^2 == 0 */
                p.eps = 0;
                CHECK_OK(tc_dbscan(x, n, d, &p, got));
                CHECK_MSG(count_diff(got, want, n) == 0, "%s with eps = 0", name);
            }
        }
        tc_dbscan_params p = tc_dbscan_default_params();
        p.eps = eps, p.min_samples = ms;
        CHECK_OK(tc_dbscan_naive(x, n, d, &p, got));
        CHECK_MSG(count_diff(got, want, n) == 0, "%s: naive reference differs from scikit-learn",
                  name);
        free(got), free(x), free(want);
        n_cases++;
    }
    fclose(f);
    CHECK_MSG(n_cases >= 10, "only %d golden cases read", n_cases);
}

/* Random inputs of many shapes: the grid path agrees with the naive scan. */
static void test_dbscan_vs_naive(void) {
    tc_rng r = tc_rng_seed(11);
    const int dims[] = {1, 2, 2, 2, 3, 5, 20};
    for (int t = 0; t < 28; t++) {
        int d = dims[t % 7];
        size_t n = 50 + tc_rng_below(&r, 1500);
        float *x = malloc(n * d * sizeof *x);
        int64_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        make_blobs(&r, x, NULL, n, d, 1 + t % 6, 0.05 + 0.1 * tc_rng_uniform(&r), 0.2, 3.0);
        if (t % 4 == 3) /* snap to a lattice: duplicates and ties at eps */
            for (size_t i = 0; i < n * d; i++) x[i] = (float)(floor(x[i] * 8) / 8);
        tc_dbscan_params p = tc_dbscan_default_params();
        p.eps = t % 4 == 3 ? 0.125 : 0.02 + 0.2 * tc_rng_uniform(&r);
        if (t % 9 == 8) p.eps = 0;
        p.min_samples = 1 + (int)tc_rng_below(&r, 12);
        p.n_threads = 1 + t % 2;
        CHECK_OK(tc_dbscan(x, n, d, &p, a));
        CHECK_OK(tc_dbscan_naive(x, n, d, &p, b));
        size_t bad = count_diff(a, b, n);
        CHECK_MSG(bad == 0, "case %d (n=%zu d=%d eps=%g ms=%d): %zu labels differ", t, n, d,
                  p.eps, p.min_samples, bad);
        free(x), free(a), free(b);
    }
}

/* Far-apart points force the grid to cap its cells per axis, so cells are
 * larger than eps / sqrt(2): the path without the clique shortcut. */
static void test_dbscan_capped_grid(void) {
    tc_rng r = tc_rng_seed(3);
    size_t n = 1500;
    float *x = malloc(n * 2 * sizeof *x);
    int64_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    make_blobs(&r, x, NULL, n, 2, 4, 0.004, 0.1, 0.05);
    x[0] = 1e5f, x[1] = -1e5f, x[2] = -1e5f, x[3] = 1e5f;
    tc_dbscan_params p = tc_dbscan_default_params();
    p.eps = 0.002, p.min_samples = 4, p.n_threads = 2;
    CHECK_OK(tc_dbscan(x, n, 2, &p, a));
    CHECK_OK(tc_dbscan_naive(x, n, 2, &p, b));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += a[i] >= 0;
    CHECK_MSG(count_diff(a, b, n) == 0 && k > n / 2, "capped grid: %zu labels differ, %zu clustered",
              count_diff(a, b, n), k);
    free(x), free(a), free(b);
}

static void test_dbscan_edges(void) {
    tc_dbscan_params p = tc_dbscan_default_params();
    CHECK(p.eps == 0.08 && p.min_samples == 50);
    float x[6] = {0, 0, 0, 0, 1, 1};
    int64_t l[3] = {7, 7, 7};
    CHECK_OK(tc_dbscan(x, 0, 2, &p, l)); /* n = 0 is fine */
    CHECK(l[0] == 7);
    p.eps = -1;
    CHECK(tc_dbscan(x, 3, 2, &p, l) == TC_EINVAL);
    p.eps = 0.1, p.min_samples = 0;
    CHECK(tc_dbscan(x, 3, 2, &p, l) == TC_EINVAL);
    p.min_samples = 2;
    CHECK(tc_dbscan(x, 3, 0, &p, l) == TC_EINVAL);
    CHECK(tc_dbscan(x, 3, 2, NULL, l) == TC_EINVAL);
    x[5] = NAN;
    CHECK(tc_dbscan(x, 3, 2, &p, l) == TC_EINVAL);
    CHECK(strstr(tc_last_error(), "x[2][1]") != NULL);
    x[5] = 1;
    p.eps = 0;
    CHECK_OK(tc_dbscan(x, 3, 2, &p, l)); /* two duplicates make a cluster at eps 0 */
    CHECK(l[0] == 0 && l[1] == 0 && l[2] == -1);
}

/* ---------------------------------------------------------------- noise */

static void test_assign_noise(void) {
    tc_rng r = tc_rng_seed(5);
    for (int t = 0; t < 8; t++) {
        int d = t % 4 == 3 ? 6 : 2;
        size_t n = 300 + tc_rng_below(&r, 3000);
        float *x = malloc(n * d * sizeof *x);
        int64_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        make_blobs(&r, x, NULL, n, d, 5, 0.1, 0.3, 4.0);
        if (t == 5) /* ties: lattice points */
            for (size_t i = 0; i < n * d; i++) x[i] = (float)floor(x[i] * 4);
        tc_dbscan_params p = tc_dbscan_default_params();
        p.eps = 0.1, p.min_samples = 5;
        CHECK_OK(tc_dbscan(x, n, d, &p, a));
        memcpy(b, a, n * sizeof *a);
        size_t noise = 0;
        for (size_t i = 0; i < n; i++) noise += a[i] == -1;
        CHECK_OK(tc_assign_noise(x, n, d, a));
        CHECK_OK(tc_assign_noise_naive(x, n, d, 0, b));
        CHECK_MSG(count_diff(a, b, n) == 0, "assign_noise case %d: differs from brute force", t);
        size_t left = 0;
        for (size_t i = 0; i < n; i++) left += a[i] == -1;
        CHECK_MSG(noise > 0 && left == 0, "case %d: %zu noise before, %zu after", t, noise, left);
        free(x), free(a), free(b);
    }
    float x[4] = {0, 0, 5, 5};
    int64_t l[2] = {-1, -1};
    CHECK_OK(tc_assign_noise(x, 2, 2, l)); /* all noise: no-op */
    CHECK(l[0] == -1 && l[1] == -1);
    /* a point far outside the clustered points' grid */
    float y[8] = {0, 0, 1, 0, 0.5f, 0.1f, -1e6f, 3e5f};
    int64_t m[4] = {3, 4, -1, -1};
    CHECK_OK(tc_assign_noise(y, 4, 2, m));
    CHECK(m[2] == 3 && m[3] == 3);
}

/* The distance bound, against a check written here: a noise point takes the
 * label of its nearest clustered point when that point is within D (ties to
 * the lower index), else stays noise. */
static void test_assign_noise_bound(void) {
    tc_rng r = tc_rng_seed(11);
    for (int t = 0; t < 6; t++) {
        int d = t == 4 ? 5 : 2;
        size_t n = 400 + tc_rng_below(&r, 1500);
        float *x = malloc(n * d * sizeof *x);
        int64_t *a = malloc(n * sizeof *a), *want = malloc(n * sizeof *want);
        make_blobs(&r, x, NULL, n, d, 4, 0.1, 0.3, 4.0);
        tc_dbscan_params p = tc_dbscan_default_params();
        p.eps = 0.1, p.min_samples = 6;
        CHECK_OK(tc_dbscan(x, n, d, &p, a));
        double D = t == 5 ? 1e-3 : 0.05 + 0.1 * t;
        size_t absorbed = 0, kept = 0;
        for (size_t i = 0; i < n; i++) {
            want[i] = a[i];
            if (a[i] != -1) continue;
            double best = INFINITY;
            size_t arg = 0;
            for (size_t j = 0; j < n; j++) {
                if (a[j] == -1) continue;
                double s = 0;
                for (int k = 0; k < d; k++) s += ((double)x[i * d + k] - x[j * d + k]) * ((double)x[i * d + k] - x[j * d + k]);
                if (s < best) best = s, arg = j;
            }
            if (sqrt(best) <= D) want[i] = a[arg], absorbed++;
            else kept++;
        }
        CHECK_OK(tc_assign_noise_within(x, n, d, D, a));
        CHECK_MSG(count_diff(a, want, n) == 0, "bound case %d (D %g): %zu differ", t, D, count_diff(a, want, n));
        CHECK_MSG(t == 5 || (absorbed > 0 && kept > 0), "case %d: %zu absorbed, %zu kept", t, absorbed, kept);
        free(x), free(a), free(want);
    }
    /* inclusive at exactly D; just beyond it stays noise */
    float y[6] = {0, 0, 3, 4, 0, 5.0001f};
    int64_t m[3] = {7, -1, -1};
    CHECK_OK(tc_assign_noise_within(y, 3, 2, 5.0, m));
    CHECK(m[1] == 7 && m[2] == -1);
    CHECK(tc_assign_noise_within(y, 3, 2, -1.0, m) == TC_EINVAL);
}

/* ---------------------------------------------------------------- HDBSCAN */

/* Adjusted Rand index of two labelings (n), -1 counted as a label. */
static double ari(const int64_t *a, const int64_t *b, size_t n) {
    int64_t ka = 0, kb = 0;
    for (size_t i = 0; i < n; i++) {
        if (a[i] + 2 > ka) ka = a[i] + 2;
        if (b[i] + 2 > kb) kb = b[i] + 2;
    }
    double *t = calloc(ka * kb, sizeof *t), *ra = calloc(ka, sizeof *ra), *rb = calloc(kb, sizeof *rb);
    for (size_t i = 0; i < n; i++) t[(a[i] + 1) * kb + b[i] + 1]++, ra[a[i] + 1]++, rb[b[i] + 1]++;
    double s = 0, sa = 0, sb = 0;
    for (int64_t i = 0; i < ka * kb; i++) s += t[i] * (t[i] - 1) / 2;
    for (int64_t i = 0; i < ka; i++) sa += ra[i] * (ra[i] - 1) / 2;
    for (int64_t i = 0; i < kb; i++) sb += rb[i] * (rb[i] - 1) / 2;
    double all = (double)n * (n - 1) / 2, e = sa * sb / all, mx = (sa + sb) / 2;
    free(t), free(ra), free(rb);
    return mx == e ? 1.0 : (s - e) / (mx - e);
}

static int cmp_edge(const void *pa, const void *pb) {
    const tc_mst_edge *a = pa, *b = pb;
    if (a->a != b->a) return a->a < b->a ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

/* The kd-tree Boruvka tree is the naive Prim tree, edge for edge. */
static void test_mst_vs_naive(void) {
    tc_rng r = tc_rng_seed(23);
    const int dims[] = {2, 2, 1, 3, 5};
    for (int t = 0; t < 15; t++) {
        int d = dims[t % 5];
        size_t n = 2 + tc_rng_below(&r, 900);
        float *x = malloc(n * d * sizeof *x);
        make_blobs(&r, x, NULL, n, d, 1 + t % 5, 0.1, 0.2, 3.0);
        if (t % 3 == 2) /* lattice: equal points and many equal weights */
            for (size_t i = 0; i < n * d; i++) x[i] = (float)floor(x[i] * 4);
        int ms = 1 + (int)tc_rng_below(&r, 20);
        tc_mst_edge *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        CHECK_OK(tc_hdbscan_mst(x, n, d, ms, 1 + t % 2, NULL, a));
        CHECK_OK(tc_hdbscan_mst_naive(x, n, d, ms, b));
        qsort(a, n - 1, sizeof *a, cmp_edge);
        qsort(b, n - 1, sizeof *b, cmp_edge);
        size_t bad = 0;
        for (size_t i = 0; i + 1 < n; i++)
            bad += a[i].a != b[i].a || a[i].b != b[i].b || a[i].w != b[i].w;
        CHECK_MSG(bad == 0, "mst case %d (n=%zu d=%d ms=%d): %zu edges differ", t, n, d, ms, bad);
        free(x), free(a), free(b);
    }
}

static void test_hdbscan_vs_naive(void) {
    tc_rng r = tc_rng_seed(31);
    for (int t = 0; t < 16; t++) {
        int d = t % 4 == 3 ? 3 : 2;
        size_t n = 100 + tc_rng_below(&r, 1400);
        float *x = malloc(n * d * sizeof *x);
        int64_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        make_blobs(&r, x, NULL, n, d, 2 + t % 6, 0.05 + 0.2 * tc_rng_uniform(&r), 0.15, 4.0);
        if (t % 5 == 4)
            for (size_t i = 0; i < n * d; i++) x[i] = (float)(floor(x[i] * 10) / 10);
        tc_hdbscan_params p = tc_hdbscan_default_params();
        p.min_cluster_size = 5 + (int)tc_rng_below(&r, 40);
        p.min_samples = t % 3 == 0 ? 0 : 1 + (int)tc_rng_below(&r, 15);
        p.selection_method = t % 2 ? TC_HDBSCAN_LEAF : TC_HDBSCAN_EOM;
        p.cluster_selection_epsilon = t % 4 == 1 ? 0.3 : 0;
        p.n_threads = 1 + t % 2;
        CHECK_OK(tc_hdbscan(x, n, d, &p, a));
        CHECK_OK(tc_hdbscan_naive(x, n, d, &p, b));
        size_t bad = count_diff(a, b, n);
        CHECK_MSG(bad == 0, "hdbscan case %d (n=%zu mcs=%d ms=%d): %zu labels differ", t, n,
                  p.min_cluster_size, p.min_samples, bad);
        /* labels are 0..K-1, numbered by first appearance */
        int64_t next = 0;
        int ok = 1;
        for (size_t i = 0; i < n; i++) {
            if (a[i] == next) next++;
            else if (a[i] > next || a[i] < -1) ok = 0;
        }
        CHECK_MSG(ok, "hdbscan case %d: labels not numbered by first appearance", t);
        free(x), free(a), free(b);
    }
}

/* Well-separated blobs in uniform background noise: the true partition. */
static void test_hdbscan_blobs(void) {
    tc_rng r = tc_rng_seed(47);
    for (int t = 0; t < 3; t++) {
        size_t n = 20000;
        int d = t == 2 ? 3 : 2;
        float *x = malloc(n * d * sizeof *x);
        int64_t *truth = malloc(n * sizeof *truth), *l = malloc(n * sizeof *l);
        make_blobs(&r, x, truth, n, d, 8, 0.15, 0.05, 30.0);
        tc_hdbscan_params p = tc_hdbscan_default_params();
        p.selection_method = t == 1 ? TC_HDBSCAN_LEAF : TC_HDBSCAN_EOM;
        p.min_cluster_size = t == 1 ? 200 : 50;
        CHECK_OK(tc_hdbscan(x, n, d, &p, l));
        double s = ari(l, truth, n);
        CHECK_MSG(s >= 0.95, "blobs case %d: ARI %.4f < 0.95", t, s);
        int64_t k = 0;
        for (size_t i = 0; i < n; i++) k = l[i] + 1 > k ? l[i] + 1 : k;
        CHECK_MSG(k >= 7 && k <= 9, "blobs case %d: %lld clusters for 8 blobs", t, (long long)k);
        free(x), free(truth), free(l);
    }
}

/* cluster_selection_epsilon: two blobs 1 apart and a third 10 away. EOM
 * keeps the three; epsilon 2 merges the near pair (born closer than 2);
 * epsilon 20 still never selects the root, so two clusters remain. */
static void test_hdbscan_epsilon(void) {
    tc_rng r = tc_rng_seed(77);
    size_t n = 1500;
    float *x = malloc(n * 2 * sizeof *x);
    int64_t *l = malloc(n * sizeof *l);
    const float cx[3] = {0, 1, 10};
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < 2; j++) {
            double u1 = tc_rng_uniform(&r) + 1e-300, u2 = tc_rng_uniform(&r);
            double g = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
            x[i * 2 + j] = (float)((j == 0 ? cx[i % 3] : 0) + 0.05 * g);
        }
    tc_hdbscan_params p = tc_hdbscan_default_params();
    const double eps[3] = {0, 2, 20};
    const int64_t want[3] = {3, 2, 2};
    for (int t = 0; t < 3; t++) {
        p.cluster_selection_epsilon = eps[t];
        CHECK_OK(tc_hdbscan(x, n, 2, &p, l));
        int64_t k = 0;
        for (size_t i = 0; i < n; i++) k = l[i] + 1 > k ? l[i] + 1 : k;
        int same01 = l[0] == l[1], same02 = l[0] == l[2];
        CHECK_MSG(k == want[t] && same01 == (t > 0) && !same02,
                  "epsilon %g: %lld clusters (want %lld), blobs 0/1 %s, 0/2 %s", eps[t],
                  (long long)k, (long long)want[t], same01 ? "merged" : "apart",
                  same02 ? "merged" : "apart");
    }
    free(x), free(l);
}

static void test_hdbscan_edges(void) {
    tc_hdbscan_params p = tc_hdbscan_default_params();
    CHECK(p.min_cluster_size == 50 && p.min_samples == 0 && p.selection_method == TC_HDBSCAN_EOM);
    float x[2 * 64];
    int64_t l[64];
    for (int i = 0; i < 128; i++) x[i] = (float)(i % 7);
    CHECK_OK(tc_hdbscan(x, 0, 2, &p, l));
    l[0] = 5;
    CHECK_OK(tc_hdbscan(x, 1, 2, &p, l)); /* one point: noise */
    CHECK(l[0] == -1);
    CHECK_OK(tc_hdbscan(x, 64, 2, &p, l)); /* fewer points than min_cluster_size */
    int all_noise = 1;
    for (int i = 0; i < 64; i++) all_noise &= l[i] == -1;
    CHECK(all_noise);
    for (int i = 0; i < 128; i++) x[i] = 1.5f; /* all equal */
    p.min_cluster_size = 5;
    CHECK_OK(tc_hdbscan(x, 64, 2, &p, l));
    CHECK(l[0] == -1 && l[63] == -1); /* one cluster only: never selected */
    p.min_cluster_size = 1;
    CHECK(tc_hdbscan(x, 64, 2, &p, l) == TC_EINVAL);
    p.min_cluster_size = 5, p.selection_method = 7;
    CHECK(tc_hdbscan(x, 64, 2, &p, l) == TC_EINVAL);
    p.selection_method = TC_HDBSCAN_EOM, p.cluster_selection_epsilon = -1;
    CHECK(tc_hdbscan(x, 64, 2, &p, l) == TC_EINVAL);
}

/* ---------------------------------------------------------------- command */

static int command(int argc, char **argv) {
    size_t n;
    int d;
    float *x = argc > 2 ? read_points(argv[2], &n, &d) : NULL;
    if (!x) {
        fprintf(stderr, "test_cluster: cannot read points\n");
        return 2;
    }
    int64_t *l = malloc((n + 1) * sizeof *l);
    int rc = -1;
    const char *out = NULL;
    if (!strcmp(argv[1], "--dbscan") && argc == 6) {
        tc_dbscan_params p = tc_dbscan_default_params();
        p.eps = atof(argv[3]), p.min_samples = atoi(argv[4]);
        rc = tc_dbscan(x, n, d, &p, l);
        out = argv[5];
    } else if (!strcmp(argv[1], "--hdbscan") && argc == 8) {
        tc_hdbscan_params p = tc_hdbscan_default_params();
        p.min_cluster_size = atoi(argv[3]), p.min_samples = atoi(argv[4]);
        p.selection_method = strcmp(argv[5], "leaf") ? TC_HDBSCAN_EOM : TC_HDBSCAN_LEAF;
        p.cluster_selection_epsilon = atof(argv[6]);
        rc = tc_hdbscan(x, n, d, &p, l);
        out = argv[7];
    }
    if (rc == 0 && write_labels(out, l, n) != 0) rc = -1;
    if (rc) fprintf(stderr, "test_cluster: %s\n", tc_last_error());
    free(x), free(l);
    return rc ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc > 1) return command(argc, argv);
    tc_cluster_parallel_min = 0; /* small inputs too take the parallel paths */
    test_dbscan_edges();
    test_dbscan_golden();
    test_dbscan_vs_naive();
    test_dbscan_capped_grid();
    test_assign_noise();
    test_assign_noise_bound();
    test_hdbscan_edges();
    test_mst_vs_naive();
    test_hdbscan_vs_naive();
    test_hdbscan_blobs();
    test_hdbscan_epsilon();
    return check_report("test_cluster");
}
