/* bench_umap.c - times tc_umap_fit on a matrix of embeddings and measures
 * the approximate kNN graph's recall against the exact one.
 *
 *   bench_umap X.npy|X.f32 [--dim D (raw f32)] [--n N] [--threads T] [--seed S]
 *              [--knn auto|exact|approx] [--out P.npy] [--recall Q] [--knn-only] [--no-fit] [--init-random]
 *
 * X.npy: NumPy v1 float32 C-order (N, d). --n keeps the first N rows.
 * --recall Q: recall@k of the approximate graph on Q sampled rows against
 * brute force. --knn-only: time the exact and the approximate kNN graphs
 * (no layout), to choose the switch point. --no-fit: stop after the kNN
 * measurements. Prints "key value" lines.
 */
#include "reduce/reduce.h"
#include "textclust.h"
#include "util/util.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float *load(const char *path, int dim_raw, size_t *n, int *d) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    size_t off = 0;
    if (strstr(path, ".npy")) {
        unsigned char h[10];
        if (fread(h, 1, 10, f) != 10 || memcmp(h, "\x93NUMPY", 6)) { fprintf(stderr, "%s: not .npy\n", path); exit(1); }
        size_t hl = h[8] | (h[9] << 8);
        char *hdr = calloc(hl + 1, 1);
        if (fread(hdr, 1, hl, f) != hl) exit(1);
        if (!strstr(hdr, "'<f4'") || strstr(hdr, "True")) { fprintf(stderr, "%s: need float32 C order\n", path); exit(1); }
        char *sh = strstr(hdr, "'shape': (");
        long a = 0, b = 0;
        if (!sh || sscanf(sh, "'shape': (%ld, %ld)", &a, &b) != 2) { fprintf(stderr, "%s: shape\n", path); exit(1); }
        *n = (size_t)a;
        *d = (int)b;
        off = 10 + hl;
        free(hdr);
    } else {
        *d = dim_raw;
        *n = (size_t)sz / sizeof(float) / dim_raw;
    }
    float *x = malloc(*n * *d * sizeof *x);
    fseek(f, (long)off, SEEK_SET);
    if (fread(x, sizeof *x, *n * *d, f) != *n * *d) { fprintf(stderr, "%s: short\n", path); exit(1); }
    fclose(f);
    return x;
}

static void save_npy(const char *path, const float *y, size_t n, int dim) {
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(1); }
    char hdr[128];
    int len = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %d), }", n, dim);
    int total = 10 + len + 1, pad = (64 - total % 64) % 64;
    unsigned short hl = (unsigned short)(len + pad + 1);
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fwrite(&hl, 2, 1, f);
    fwrite(hdr, 1, len, f);
    for (int i = 0; i < pad; i++) fputc(' ', f);
    fputc('\n', f);
    fwrite(y, sizeof *y, n * dim, f);
    fclose(f);
}

/* exact neighbour ids (q, k) of the rows qs among all rows, self first */
static void exact_rows(const float *xn, size_t n, int d, const int32_t *qs, int q, int k, int32_t *out) {
    float *qx = malloc((size_t)q * d * sizeof *qx), *s = malloc((size_t)q * n * sizeof *s);
    for (int i = 0; i < q; i++) memcpy(qx + (size_t)i * d, xn + (size_t)qs[i] * d, d * sizeof *qx);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, q, (int)n, d, 1.0f, qx, d, xn, d, 0.0f, s, (int)n);
    for (int i = 0; i < q; i++) {
        float *row = s + (size_t)i * n;
        out[(size_t)i * k] = qs[i];
        row[qs[i]] = -INFINITY;
        for (int j = 1; j < k; j++) {
            size_t best = 0;
            for (size_t c = 1; c < n; c++) if (row[c] > row[best]) best = c;
            out[(size_t)i * k + j] = (int32_t)best;
            row[best] = -INFINITY;
        }
    }
    free(qx);
    free(s);
}

static void logger(void *ctx, int level, const char *msg) {
    (void)ctx;
    fprintf(stderr, "[%d] %s\n", level, msg);
}

int main(int argc, char **argv) {
    tc_set_logger(logger, NULL);
    if (argc < 2) { fprintf(stderr, "usage: see bench_umap.c\n"); return 2; }
    const char *path = argv[1], *out = NULL, *knn = "auto";
    size_t nmax = 0;
    int dim_raw = 512, threads = 0, recall_q = 0, knn_only = 0, no_fit = 0, init_random = 0;
    uint64_t seed = 42;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--dim") && i + 1 < argc) dim_raw = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--n") && i + 1 < argc) nmax = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--knn") && i + 1 < argc) knn = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--recall") && i + 1 < argc) recall_q = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--knn-only")) knn_only = 1;
        else if (!strcmp(argv[i], "--no-fit")) no_fit = 1;
        else if (!strcmp(argv[i], "--init-random")) init_random = 1;
        else { fprintf(stderr, "unknown argument %s\n", argv[i]); return 2; }
    }
    size_t n;
    int d;
    float *x = load(path, dim_raw, &n, &d);
    if (nmax && nmax < n) n = nmax;
    printf("n %zu\nd %d\nthreads %d\n", n, d, tc_threads(threads));
    tc_umap_params p = tc_umap_default_params();
    p.n_threads = threads;
    p.seed = seed;
    p.knn_method = !strcmp(knn, "exact") ? TC_KNN_EXACT : !strcmp(knn, "approx") ? TC_KNN_APPROX : TC_KNN_AUTO;
    if (init_random) p.init = TC_UMAP_INIT_RANDOM;
    int k = p.n_neighbors;
    if (knn_only || recall_q > 0) {
        float *xn = malloc(n * d * sizeof *xn), *dist = malloc(n * k * sizeof *dist);
        int32_t *ia = malloc(n * k * sizeof *ia);
        tc_rows_normalise(x, n, d, xn);
        double t0 = tc_now();
        if (tc_knn_nndescent(xn, n, d, k, seed, threads, NULL, ia, dist)) return 1;
        printf("knn_approx_s %.3f\n", tc_now() - t0);
        if (knn_only) {
            int32_t *ie = malloc(n * k * sizeof *ie);
            t0 = tc_now();
            if (tc_knn_exact(xn, n, d, k, threads, NULL, ie, dist)) return 1;
            printf("knn_exact_s %.3f\n", tc_now() - t0);
            printf("recall_full %.4f\n", tc_knn_recall(ia, ie, n, k));
            free(ie);
        }
        if (recall_q > 0) {
            int q = recall_q < (int)n ? recall_q : (int)n;
            int32_t *qs = malloc(q * sizeof *qs), *ex = malloc((size_t)q * k * sizeof *ex);
            int32_t *ap = malloc((size_t)q * k * sizeof *ap);
            tc_rng r = tc_rng_seed(seed + 1);
            for (int i = 0; i < q; i++) qs[i] = (int32_t)tc_rng_below(&r, n);
            exact_rows(xn, n, d, qs, q, k, ex);
            for (int i = 0; i < q; i++) memcpy(ap + (size_t)i * k, ia + (size_t)qs[i] * k, k * sizeof *ap);
            printf("recall_sample %.4f (%d rows, k=%d)\n", tc_knn_recall(ap, ex, q, k), q, k);
            /* ties: an approximate neighbour as near as the exact k-th counts */
            size_t hit = 0;
            for (int i = 0; i < q; i++) {
                const float *xi = xn + (size_t)qs[i] * d;
                double kth = 0;
                for (int j = 1; j < k; j++) {
                    const float *xe = xn + (size_t)ex[(size_t)i * k + j] * d;
                    double s = 0;
                    for (int t = 0; t < d; t++) s += xi[t] * xe[t];
                    if (1 - s > kth) kth = 1 - s;
                }
                for (int j = 1; j < k; j++) {
                    const float *xa = xn + (size_t)ap[(size_t)i * k + j] * d;
                    double s = 0;
                    for (int t = 0; t < d; t++) s += xi[t] * xa[t];
                    hit += 1 - s <= kth + 1e-6;
                }
            }
            printf("recall_sample_ties %.4f\n", (double)hit / ((double)q * (k - 1)));
            free(qs); free(ex); free(ap);
        }
        free(xn); free(dist); free(ia);
        if (knn_only || no_fit) return 0;
    }
    float *y = malloc(n * 2 * sizeof *y);
    double t0 = tc_now();
    int rc = tc_umap_fit(x, n, d, &p, y);
    double t = tc_now() - t0;
    if (rc) { fprintf(stderr, "tc_umap_fit: %s\n", tc_last_error()); return 1; }
    printf("umap_s %.3f\n", t);
    if (out) save_npy(out, y, n, 2);
    free(x);
    free(y);
    return 0;
}
