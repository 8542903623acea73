/* bench_umap_init.c - times UMAP's spectral initialisation (tc_spectral_init)
 * alone, on the graph tc_umap_fit builds: kNN (exact up to 8,192 points,
 * else RP-forest + NN-descent), fuzzy set, edges below max / n_epochs
 * dropped (n_epochs 500 up to 10,000 points, else 200).
 *
 *   bench_umap_init X.npy [--n N] [--threads T] [--seed S] [--reps R] [--out P.f32]
 *
 * X.npy: NumPy v1 float32 C-order (N, d). Prints "key value" lines: the
 * graph's size, each repetition's wall and CPU seconds and their medians;
 * the solver's debug line (restarts, products, residual) goes to stderr.
 * --out writes the last layout as raw float32 (N, 2).
 */
#include "reduce/reduce.h"
#include "textclust.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float *load_npy(const char *path, size_t *n, int *d) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    unsigned char h[10];
    if (fread(h, 1, 10, f) != 10 || memcmp(h, "\x93NUMPY", 6)) { fprintf(stderr, "%s: not .npy\n", path); exit(1); }
    size_t hl = h[8] | (h[9] << 8);
    char *hdr = calloc(hl + 1, 1);
    long a = 0, b = 0;
    char *sh;
    if (fread(hdr, 1, hl, f) != hl || !strstr(hdr, "'<f4'") || strstr(hdr, "True") ||
        !(sh = strstr(hdr, "'shape': (")) || sscanf(sh, "'shape': (%ld, %ld)", &a, &b) != 2) {
        fprintf(stderr, "%s: need a float32 C-order (N, d) array\n", path);
        exit(1);
    }
    free(hdr);
    *n = (size_t)a;
    *d = (int)b;
    float *x = malloc(*n * *d * sizeof *x);
    if (fread(x, sizeof *x, *n * *d, f) != *n * *d) { fprintf(stderr, "%s: short\n", path); exit(1); }
    fclose(f);
    return x;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void logger(void *ctx, int level, const char *msg) {
    (void)ctx;
    fprintf(stderr, "[%d] %s\n", level, msg);
}

int main(int argc, char **argv) {
    tc_set_logger(logger, NULL);
    if (argc < 2) { fprintf(stderr, "usage: see bench_umap_init.c\n"); return 2; }
    const char *out = NULL;
    size_t nmax = 0;
    int threads = 0, reps = 5, k = 15;
    uint64_t seed = 42;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc) nmax = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else { fprintf(stderr, "unknown argument %s\n", argv[i]); return 2; }
    }
    if (reps < 1 || reps > 100) reps = 5;
    size_t n;
    int d;
    float *x = load_npy(argv[1], &n, &d);
    if (nmax && nmax < n) n = nmax;
    float *xn = malloc(n * d * sizeof *xn), *dist = malloc(n * k * sizeof *dist); /* (n, d), (n, k) */
    int32_t *idx = malloc(n * k * sizeof *idx);                                   /* (n, k) */
    tc_rows_normalise(x, n, d, xn);
    int rc = n > 8192 ? tc_knn_nndescent(xn, n, d, k, seed, threads, NULL, NULL, idx, dist)
                      : tc_knn_exact(xn, n, d, k, threads, idx, dist);
    tc_csr g;
    if (rc || tc_fuzzy_set(idx, dist, n, k, 1.0f, 1.0f, threads, &g)) return 1;
    float wmax = 0, cut;
    for (size_t e = 0; e < g.nnz; e++) if (g.val[e] > wmax) wmax = g.val[e];
    cut = wmax / (n <= 10000 ? 500.0f : 200.0f);
    size_t w = 0;
    int64_t start = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t end = g.rowptr[i + 1];
        for (int64_t e = start; e < end; e++)
            if (!(g.val[e] < cut)) { g.col[w] = g.col[e]; g.val[w++] = g.val[e]; }
        start = end;
        g.rowptr[i + 1] = (int64_t)w;
    }
    g.nnz = w;
    int32_t *lab = malloc(n * sizeof *lab);
    printf("n %zu\nedges %zu\ncomponents %d\nthreads %d\n", n, g.nnz, tc_csr_components(&g, lab),
           tc_threads(threads));
    float *y = malloc(n * 2 * sizeof *y); /* (n, 2) */
    double *wall = malloc(reps * sizeof *wall), *cpu = malloc(reps * sizeof *cpu);
    for (int r = 0; r < reps; r++) {
        int fb = 0;
        double t0 = tc_now(), c0 = cpu_now();
        if (tc_spectral_init(&g, xn, d, 2, seed, threads, y, &fb)) return 1;
        wall[r] = tc_now() - t0;
        cpu[r] = cpu_now() - c0;
        printf("rep %d wall_s %.3f cpu_s %.3f fell_back %d\n", r, wall[r], cpu[r], fb);
    }
    qsort(wall, reps, sizeof *wall, cmp_double);
    qsort(cpu, reps, sizeof *cpu, cmp_double);
    printf("init_wall_median_s %.3f\ninit_cpu_median_s %.3f\n", wall[reps / 2], cpu[reps / 2]);
    if (out) {
        FILE *f = fopen(out, "wb");
        if (!f || fwrite(y, sizeof *y, n * 2, f) != n * 2) { perror(out); return 1; }
        fclose(f);
    }
    free(x); free(xn); free(dist); free(idx); free(lab); free(y); free(wall); free(cpu);
    tc_csr_free(&g);
    return 0;
}
