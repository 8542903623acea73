/* bench_umap_init.c - times UMAP's spectral initialisation (tc_spectral_init)
 * alone, on the graph tc_umap_fit builds: kNN (exact up to 8,192 points,
 * else RP-forest + NN-descent), fuzzy set, edges below max / n_epochs
 * dropped (n_epochs 500 up to 10,000 points, else 200).
 *
 *   bench_umap_init X.npy [--n N] [--threads T] [--seed S] [--reps R] [--out P.f32]
 *                   [--compare]
 *
 * X.npy: NumPy v1 float32 C-order (N, d). Prints "key value" lines: the
 * graph's size, each repetition's wall and CPU seconds and their medians;
 * the solver's debug line (restarts, products, residual) goes to stderr.
 * --out writes the last layout as raw float32 (N, 2). --compare: on the
 * largest component, the eigenpairs of the solver as used (tolerance 1e-2)
 * against the plain solver at umap-learn's 1e-4: eigenvalues, residuals
 * ||M v - lambda v|| and the cosines of the principal angles between the two
 * 2-D subspaces.
 */
#include "reduce/reduce.h"
#include "textclust.h"
#include "util/util.h"
#include "bench_util.h"

#include <math.h>
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

/* largest component of g as its own graph (local ids) */
static void largest_component(const tc_csr *g, const int32_t *lab, int nc, tc_csr *c) {
    size_t n = g->n;
    int64_t *size = calloc(nc, sizeof *size);
    int32_t *loc = malloc(n * sizeof *loc);
    for (size_t i = 0; i < n; i++) size[lab[i]]++;
    int big = 0;
    for (int k = 1; k < nc; k++) if (size[k] > size[big]) big = k;
    c->n = 0;
    for (size_t i = 0; i < n; i++) loc[i] = lab[i] == big ? (int32_t)c->n++ : -1;
    c->rowptr = malloc((c->n + 1) * sizeof *c->rowptr);
    c->col = malloc(g->nnz * sizeof *c->col);
    c->val = malloc(g->nnz * sizeof *c->val);
    c->rowptr[0] = 0;
    size_t r = 0, e2 = 0;
    for (size_t i = 0; i < n; i++) {
        if (loc[i] < 0) continue;
        for (int64_t e = g->rowptr[i]; e < g->rowptr[i + 1]; e++) {
            c->col[e2] = loc[g->col[e]];
            c->val[e2++] = g->val[e];
        }
        c->rowptr[++r] = (int64_t)e2;
    }
    c->nnz = e2;
    free(size);
    free(loc);
}

/* max over the 2 vectors of ||M v - lambda v|| */
static double residual(const tc_csr *g, const double *vec, const double *val) {
    size_t n = g->n;
    double *sd = malloc(n * sizeof *sd), worst = 0;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t e = g->rowptr[i]; e < g->rowptr[i + 1]; e++) s += g->val[e];
        sd[i] = sqrt(s);
    }
    for (int t = 0; t < 2; t++) {
        const double *v = vec + (size_t)t * n;
        double r2 = 0;
        for (size_t i = 0; i < n; i++) {
            double s = 0;
            for (int64_t e = g->rowptr[i]; e < g->rowptr[i + 1]; e++)
                s += g->val[e] / (sd[i] * sd[g->col[e]]) * v[g->col[e]];
            r2 += (s - val[t] * v[i]) * (s - val[t] * v[i]);
        }
        if (sqrt(r2) > worst) worst = sqrt(r2);
    }
    free(sd);
    return worst;
}

/* cosines of the principal angles between the spans of a (2, n) and b (2, n):
 * the singular values of the 2 x 2 matrix a b^T */
static void principal_cosines(const double *a, const double *b, size_t n, double *c) {
    double m[4] = {0, 0, 0, 0};
    for (int s = 0; s < 2; s++)
        for (int t = 0; t < 2; t++)
            for (size_t i = 0; i < n; i++) m[s * 2 + t] += a[s * n + i] * b[t * n + i];
    double p = m[0] * m[0] + m[1] * m[1] + m[2] * m[2] + m[3] * m[3], q = m[0] * m[3] - m[1] * m[2];
    double disc = sqrt(fmax(p * p / 4 - q * q, 0));
    c[0] = sqrt(p / 2 + disc);
    c[1] = sqrt(fmax(p / 2 - disc, 0));
}

static void compare(const tc_csr *g, const int32_t *lab, int nc, uint64_t seed) {
    tc_csr c;
    largest_component(g, lab, nc, &c);
    size_t n = c.n;
    double *a = malloc(2 * n * sizeof *a), *b = malloc(2 * n * sizeof *b), va[2], vb[2];
    double t0 = tc_now();
    int ra = tc_spectral_eigs(&c, 2, seed, 1, TC_EIG_FAST, 0, a, va);
    double t1 = tc_now();
    int rb = tc_spectral_eigs(&c, 2, seed, 1, TC_EIG_REF, 1e-4, b, vb);
    double t2 = tc_now();
    printf("component_n %zu\n", n);
    printf("fast_tol1e-2 rc %d s %.3f eigenvalues %.6f %.6f residual %.2g\n", ra, t1 - t0, va[0],
           va[1], residual(&c, a, va));
    printf("plain_tol1e-4 rc %d s %.3f eigenvalues %.6f %.6f residual %.2g\n", rb, t2 - t1, vb[0],
           vb[1], residual(&c, b, vb));
    double *o = malloc(2 * n * sizeof *o), vo[2], cs[2];
    int ro = tc_spectral_eigs(&c, 2, seed + 1, 1, TC_EIG_REF, 1e-4, o, vo);
    printf("plain_tol1e-4_other_start rc %d eigenvalues %.6f %.6f residual %.2g\n", ro, vo[0], vo[1],
           residual(&c, o, vo));
    principal_cosines(a, b, n, cs);
    printf("principal_cosines fast_vs_plain %.4f %.4f\n", cs[0], cs[1]);
    principal_cosines(o, b, n, cs);
    printf("principal_cosines plain_vs_plain_other_start %.4f %.4f\n", cs[0], cs[1]);
    free(a); free(b); free(o);
    tc_csr_free(&c);
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
    int threads = 0, reps = 5, k = 15, cmp = 0;
    uint64_t seed = 42;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc) nmax = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--compare")) cmp = 1;
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
    int rc = n > 8192 ? tc_knn_nndescent(xn, n, d, k, seed, threads, NULL, idx, dist)
                      : tc_knn_exact(xn, n, d, k, threads, NULL, idx, dist);
    tc_csr g;
    if (rc || tc_fuzzy_set(idx, dist, n, k, 1.0f, 1.0f, threads, NULL, &g)) return 1;
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
    int nc = tc_csr_components(&g, lab);
    printf("n %zu\nedges %zu\ncomponents %d\nthreads %d\n", n, g.nnz, nc, tc_threads(threads));
    if (cmp) compare(&g, lab, nc, seed);
    float *y = malloc(n * 2 * sizeof *y); /* (n, 2) */
    double *wall = malloc(reps * sizeof *wall), *cpu = malloc(reps * sizeof *cpu);
    for (int r = 0; r < reps; r++) {
        int fb = 0;
        double t0 = tc_now(), c0 = cpu_now();
        if (tc_spectral_init(&g, xn, d, 2, seed, threads, NULL, y, &fb)) return 1;
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
