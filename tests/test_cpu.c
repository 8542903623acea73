/* test_cpu.c - the kernel levels (src/util/cpu.c) and the kernels' variants.
 *
 * The detected level agrees with what the compiler's own CPUID check
 * (__builtin_cpu_supports) says; TEXTCLUST_CPU values parse as documented.
 * Then, at every level this machine supports, each kernel with variants
 * runs on the same inputs as at the baseline level (the plain C path):
 *   kNN scan      tc_knn_search: the same ids and distances, bit for bit,
 *                 as the baseline and the naive search (distances are
 *                 summed in double whatever the level);
 *   NN-descent    tc_knn_dots within a float summation bound of double
 *                 products (the AVX-512 tiles fuse multiply-adds and sum in
 *                 another order); the graph's recall against exact kNN;
 *   UMAP layout   tc_umap_layout, one and two blocks: bit for bit the
 *                 baseline's layout (the same lanes and contractions, only
 *                 the register width differs).
 *   attention     tc_ul_attention (USE-lite), the baseline's BLAS path and
 *                 the fused AVX-512 kernel, against softmax(scale q k^T) v
 *                 in double, at head_dim 64 and 128 and lengths around the
 *                 kernel's 4-row blocks and 16-column tiles; a query row
 *                 repeated at another position gives the same bits.
 * The BERT forward pass runs at every level in test_bert.c, against the
 * golden vectors. */
#include "check.h"
#include "embed/use_lite.h"
#include "index/knn.h"
#include "reduce/reduce.h"
#include "textclust.h"
#include "util/cpu.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int start_level; /* TEXTCLUST_CPU's, restored after each test */

static float *random_rows(uint64_t seed, size_t n, int d) {
    float *x = malloc(n * d * sizeof *x);
    tc_rng r = tc_rng_seed(seed);
    for (size_t i = 0; i < n * d; i++) x[i] = (float)(tc_rng_uniform(&r) * 2 - 1);
    return x;
}

/* ---------------------------------------------------------------- levels */

static void test_levels(void) {
    int det = tc_cpu_detected();
    CHECK(det >= TC_CPU_BASELINE && det < TC_CPU_N_LEVELS);
#if TC_CPU_X86
    __builtin_cpu_init();
    int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                 __builtin_cpu_supports("avx512cd");
    CHECK_MSG((det >= TC_CPU_AVX512) == avx512, "detected %s, cpu_supports avx512: %d",
              tc_cpu_name(det), avx512);
    int bf16 = avx512 && __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512vnni");
    CHECK_MSG((det >= TC_CPU_AVX512BF16) == bf16, "detected %s, cpu_supports avx512bf16: %d",
              tc_cpu_name(det), bf16);
    char feat[512];
    tc_cpu_features(feat, sizeof feat);
    CHECK_MSG((strstr(feat, "avx2") != NULL) == (__builtin_cpu_supports("avx2") != 0), "%s", feat);
    CHECK_MSG((det >= TC_CPU_AMX) == (strstr(feat, "amx-permitted") != NULL), "%s at %s", feat,
              tc_cpu_name(det));
#if defined(__AVX2__) && !defined(__AVX512F__)
    CHECK_STR(tc_cpu_build_target(), "x86-64-v3");
#endif
#endif
    for (int l = 0; l < TC_CPU_N_LEVELS; l++) CHECK(tc_cpu_level_by_name(tc_cpu_name(l)) == l);
    CHECK(tc_cpu_level_by_name("AVX512") == TC_CPU_AVX512);
    CHECK(tc_cpu_level_by_name("avx2") == -1 && tc_cpu_level_by_name("") == -1);
    int lv = -9;
    CHECK(tc_cpu_parse_env(NULL, det, &lv) == 0 && lv == det);
    CHECK(tc_cpu_parse_env("", det, &lv) == 0 && lv == det);
    CHECK(tc_cpu_parse_env("baseline", det, &lv) == 0 && lv == TC_CPU_BASELINE);
    CHECK(tc_cpu_parse_env("amx", TC_CPU_AMX, &lv) == 0 && lv == TC_CPU_AMX);
    CHECK(tc_cpu_parse_env("amx", TC_CPU_AVX512, &lv) == TC_EINVAL && lv == TC_CPU_AVX512);
    CHECK(strstr(tc_last_error(), "up to avx512") != NULL);
    CHECK(tc_cpu_parse_env("sse9", TC_CPU_AVX512, &lv) == TC_EINVAL && lv == TC_CPU_AVX512);
    CHECK(strstr(tc_last_error(), "sse9") != NULL);
    CHECK(tc_cpu_set_level(det + 1) == TC_EINVAL && tc_cpu_set_level(-1) == TC_EINVAL);
    CHECK_OK(tc_cpu_set_level(TC_CPU_BASELINE));
    CHECK(tc_cpu_level() == TC_CPU_BASELINE);
    CHECK_OK(tc_cpu_set_level(det));
    CHECK(tc_cpu_level() == det);
    CHECK_OK(tc_cpu_set_level(start_level));
}

/* ---------------------------------------------------------------- kNN scan */

static void test_knn_scan(void) {
    enum { N = 3000, M = 200, K = 10 };
    int ds[2] = {64, 37}; /* whole vectors, and a tail */
    for (int c = 0; c < 2; c++) {
        int d = ds[c];
        float *base = random_rows(100 + c, N, d), *q = random_rows(200 + c, M, d);
        for (int i = 0; i < 40; i++) /* duplicated rows: ties broken by id */
            memcpy(base + (size_t)(N - 1 - i) * d, base + (size_t)i * d, d * sizeof *base);
        memcpy(q, base + 5 * (size_t)d, d * sizeof *q);
        float *d0 = malloc(M * K * sizeof *d0), *dl = malloc(M * K * sizeof *dl);
        float *dn = malloc(M * K * sizeof *dn);
        int64_t *i0 = malloc(M * K * sizeof *i0), *il = malloc(M * K * sizeof *il);
        int64_t *in = malloc(M * K * sizeof *in);
        CHECK_OK(tc_knn_search_naive(base, N, d, q, M, K, dn, in));
        CHECK_OK(tc_cpu_set_level(TC_CPU_BASELINE));
        CHECK_OK(tc_knn_search(base, N, d, q, M, K, 2, d0, i0));
        CHECK_MSG(memcmp(i0, in, M * K * sizeof *i0) == 0 && memcmp(d0, dn, M * K * sizeof *d0) == 0,
                  "d=%d: baseline differs from naive", d);
        for (int lv = 1; lv <= tc_cpu_detected(); lv++) {
            CHECK_OK(tc_cpu_set_level(lv));
            CHECK_OK(tc_knn_search(base, N, d, q, M, K, 2, dl, il));
            CHECK_MSG(memcmp(il, i0, M * K * sizeof *il) == 0 && memcmp(dl, d0, M * K * sizeof *dl) == 0,
                      "d=%d: level %s differs from baseline", d, tc_cpu_name(lv));
            /* one thread and one slice per tile: the other tiling */
            tc_knn_tiling t = {64, 256, 2, 1};
            CHECK_OK(tc_knn_search_tiled(base, N, d, q, M, K, 2, &t, dl, il));
            CHECK_MSG(memcmp(il, i0, M * K * sizeof *il) == 0, "d=%d: level %s, BLAS threads",
                      d, tc_cpu_name(lv));
        }
        free(base); free(q); free(d0); free(dl); free(dn); free(i0); free(il); free(in);
    }
    CHECK_OK(tc_cpu_set_level(start_level));
}

/* ---------------------------------------------------------------- NN-descent */

/* |float dot - double dot| <= d 2^-23 sum |a_t b_t| bounds any order of
 * float summation, fused or not (Higham, gamma_d, doubled). */
static void test_knn_dots(void) {
    int ds[4] = {16, 64, 512, 40};
    for (int c = 0; c < 4; c++) {
        int d = ds[c], na = 9, nb = 11;
        float *x = random_rows(300 + c, (size_t)na + nb, d);
        const float *ra[9], *rb[11];
        for (int i = 0; i < na; i++) ra[i] = x + (size_t)i * d;
        for (int j = 0; j < nb; j++) rb[j] = x + (size_t)(na + j) * d;
        float base[9 * 11], out[9 * 11];
        tc_knn_dots_baseline(ra, na, rb, nb, d, 0, base);
        for (int lv = 0; lv <= tc_cpu_detected(); lv++) {
            CHECK_OK(tc_cpu_set_level(lv));
            tc_knn_dots_kernel()(ra, na, rb, nb, d, 0, out);
            int bad = 0;
            double worst = 0;
            for (int i = 0; i < na; i++)
                for (int j = 0; j < nb; j++) {
                    double s = 0, sa = 0;
                    for (int t = 0; t < d; t++) {
                        s += (double)ra[i][t] * rb[j][t];
                        sa += fabs((double)ra[i][t] * rb[j][t]);
                    }
                    double bound = d * 0x1p-23 * sa, e = fabs(out[i * nb + j] - s);
                    worst = fmax(worst, e / bound);
                    bad += !(e <= bound) || !(fabs(out[i * nb + j] - base[i * nb + j]) <= 2 * bound);
                }
            CHECK_MSG(bad == 0, "d=%d level %s: %d products off (worst %.3g of the bound)", d,
                      tc_cpu_name(lv), bad, worst);
        }
        free(x);
    }
    CHECK_OK(tc_cpu_set_level(start_level));
}

/* unit rows around 10 random centres, so that neighbours are meaningful */
static float *clustered_unit_rows(uint64_t seed, size_t n, int d) {
    float *c = random_rows(seed, 10, d), *x = random_rows(seed + 1, n, d);
    for (size_t i = 0; i < n; i++) {
        float *r = x + i * d, s = 0;
        for (int t = 0; t < d; t++) { r[t] = c[(i % 10) * d + t] + 0.4f * r[t]; s += r[t] * r[t]; }
        for (int t = 0; t < d; t++) r[t] /= sqrtf(s);
    }
    free(c);
    return x;
}

static void test_nndescent(void) {
    enum { N = 3000, D = 64, K = 15 };
    float *xn = clustered_unit_rows(400, N, D);
    int32_t *ie = malloc(N * K * sizeof *ie), *ia = malloc(N * K * sizeof *ia);
    float *de = malloc(N * K * sizeof *de), *da = malloc(N * K * sizeof *da);
    CHECK_OK(tc_knn_exact(xn, N, D, K, 2, NULL, ie, de));
    for (int lv = 0; lv <= tc_cpu_detected(); lv++) {
        CHECK_OK(tc_cpu_set_level(lv));
        CHECK_OK(tc_knn_nndescent(xn, N, D, K, 7, 2, NULL, ia, da));
        double rec = tc_knn_recall(ia, ie, N, K);
        CHECK_MSG(rec > 0.95, "level %s: recall %.4f", tc_cpu_name(lv), rec);
        printf("nndescent level %s: recall %.4f\n", tc_cpu_name(lv), rec);
    }
    CHECK_OK(tc_cpu_set_level(start_level));
    free(xn); free(ie); free(ia); free(de); free(da);
}

/* ---------------------------------------------------------------- UMAP layout */

static void layout_case(size_t n, int dim) {
    enum { D = 32, K = 15 };
    float *xn = clustered_unit_rows(500 + n, n, D);
    int32_t *idx = malloc(n * K * sizeof *idx);
    float *dist = malloc(n * K * sizeof *dist);
    tc_csr g = {0};
    CHECK_OK(tc_knn_exact(xn, n, D, K, 2, NULL, idx, dist));
    CHECK_OK(tc_fuzzy_set(idx, dist, n, K, 1.0f, 1.0f, 2, NULL, &g));
    float *init = random_rows(600, n, dim), *y0 = malloc(n * dim * sizeof *y0),
          *y = malloc(n * dim * sizeof *y);
    for (size_t i = 0; i < n * dim; i++) init[i] *= 10;
    tc_layout_params lp = {dim, 60, 5, 2, 1.577f, 0.895f, 1.0f, 1.0f, 11, NULL, NULL};
    CHECK_OK(tc_cpu_set_level(TC_CPU_BASELINE));
    memcpy(y0, init, n * dim * sizeof *y0);
    CHECK_OK(tc_umap_layout(&g, &lp, y0));
    double moved = 0;
    for (size_t i = 0; i < n * dim; i++) moved = fmax(moved, fabs(y0[i] - init[i]));
    CHECK_MSG(moved > 0.1, "n=%zu: the layout did not move (%g)", n, moved);
    for (int lv = 1; lv <= tc_cpu_detected(); lv++) {
        CHECK_OK(tc_cpu_set_level(lv));
        memcpy(y, init, n * dim * sizeof *y);
        CHECK_OK(tc_umap_layout(&g, &lp, y));
        double md = 0;
        for (size_t i = 0; i < n * dim; i++) md = fmax(md, fabs(y[i] - y0[i]));
        CHECK_MSG(memcmp(y, y0, n * dim * sizeof *y) == 0,
                  "n=%zu dim=%d (%zu edges): level %s differs from baseline by up to %g", n, dim,
                  g.nnz, tc_cpu_name(lv), md);
    }
    CHECK_OK(tc_cpu_set_level(start_level));
    tc_csr_free(&g);
    free(xn); free(idx); free(dist); free(init); free(y0); free(y);
}

static void test_layout(void) {
    layout_case(1500, 2); /* under 65,536 edges: one block */
    layout_case(1500, 5); /* a dimension that is not unrolled */
    layout_case(6000, 2); /* two blocks, snapshot and deltas */
}

/* ---------------------------------------------------------------- attention */

/* ctx (n, din) = per head softmax(scale q k^T) v, in double, from the
 * definition (use_lite.h) */
static void attention_naive(int n, int din, int heads, double scale, const float *qkv, double *ctx) {
    const int hd = din / heads, ld = 3 * din;
    double *w = malloc((size_t)n * sizeof *w);
    for (int h = 0; h < heads; h++)
        for (int i = 0; i < n; i++) {
            const float *q = qkv + (size_t)i * ld + h * hd;
            double mx = -INFINITY, sum = 0;
            for (int j = 0; j < n; j++) {
                const float *k = qkv + (size_t)j * ld + din + h * hd;
                double s = 0;
                for (int t = 0; t < hd; t++) s += (double)q[t] * k[t];
                w[j] = s * scale;
                mx = fmax(mx, w[j]);
            }
            for (int j = 0; j < n; j++) sum += w[j] = exp(w[j] - mx);
            for (int t = 0; t < hd; t++) {
                double c = 0;
                for (int j = 0; j < n; j++) c += w[j] * qkv[(size_t)j * ld + 2 * din + h * hd + t];
                ctx[(size_t)i * din + h * hd + t] = c / sum;
            }
        }
    free(w);
}

static void test_attention(void) {
    const int lens[] = {1, 2, 3, 4, 5, 15, 16, 17, 33, 64, 100, 128};
    const int shapes[2][2] = {{256, 4}, {512, 4}}; /* head_dim 64 (layer 0) and 128 (layer 1) */
    tc_ul_attention_fn *fns[2] = {tc_ul_attention_baseline, tc_ul_attention_avx512};
    const int nfn = tc_cpu_detected() >= TC_CPU_AVX512 ? 2 : 1;
    for (int s = 0; s < 2; s++)
        for (size_t c = 0; c < sizeof lens / sizeof *lens; c++) {
            const int n = lens[c], din = shapes[s][0], heads = shapes[s][1], hd = din / heads;
            const float scale = 1 / sqrtf((float)hd);
            float *qkv = random_rows(700 + 31 * s + c, n, 3 * din), *ctx = malloc((size_t)n * din * sizeof *ctx);
            for (size_t i = 0; i < (size_t)n * 3 * din; i++) qkv[i] *= 3; /* peaked weights, not near-uniform */
            if (n > 5) memcpy(qkv + 5 * (size_t)3 * din, qkv, din * sizeof *qkv); /* q of row 5 = row 0's */
            double *ref = malloc((size_t)n * din * sizeof *ref);
            attention_naive(n, din, heads, scale, qkv, ref);
            float *scratch = aligned_alloc(64, tc_ul_attention_scratch(n, hd));
            for (int f = 0; f < nfn; f++) {
                memset(ctx, 0xff, (size_t)n * din * sizeof *ctx); /* NaN: every entry must be written */
                fns[f](n, din, heads, scale, qkv, ctx, scratch);
                double worst = 0;
                for (size_t i = 0; i < (size_t)n * din; i++) worst = fmax(worst, fabs(ctx[i] - ref[i]));
                CHECK_MSG(worst <= 2e-5, "attention %s n=%d head_dim %d: off by %g (or unwritten)",
                          f ? "avx512" : "baseline", n, hd, worst);
                if (n > 5)
                    CHECK_MSG(memcmp(ctx, ctx + 5 * (size_t)din, din * sizeof *ctx) == 0,
                              "attention %s n=%d head_dim %d: the same query row at 0 and 5 differs",
                              f ? "avx512" : "baseline", n, hd);
            }
            free(scratch);
            free(qkv); free(ctx); free(ref);
        }
}

int main(void) {
    start_level = tc_cpu_level();
    printf("cpu: detected %s, built for %s\n", tc_cpu_name(tc_cpu_detected()), tc_cpu_build_target());
    test_levels();
    test_knn_scan();
    test_knn_dots();
    test_nndescent();
    test_layout();
    test_attention();
    return check_report("test_cpu");
}
