/* tool_umap.c - runs one internal stage of the UMAP projection on arrays
 * given as raw little-endian files, so that tests/umap_learn_test.py can
 * feed umap-learn and this code the same kNN graph, fuzzy graph or
 * initialisation and compare what comes out. Not a test by itself (the
 * Makefile builds tests/tool_*.c next to the tests; tests/run.sh runs only
 * test_*). Not API: it links the private seams of src/reduce/reduce.h.
 *
 *   tool_umap fuzzy N K LC MIX IDX.i32 DIST.f32 OUT
 *       tc_smooth_knn_dist and tc_fuzzy_set on the (N, K) kNN lists; writes
 *       OUT.sigma.f32, OUT.rho.f32 (N) and the graph as OUT.rowptr.i64
 *       (N + 1), OUT.col.i32, OUT.val.f32 (nnz).
 *   tool_umap spectral N DIM SEED GRAPH OUT.f32
 *       tc_spectral_init of the graph GRAPH.rowptr.i64/.col.i32/.val.f32
 *       (connected: no vectors to place components) into (N, DIM).
 *   tool_umap eigs N NEV SEED TOL GRAPH OUT.f64
 *       tc_spectral_eigs (the fused solver tc_spectral_init uses) at the
 *       residual bound TOL: the NEV vectors (NEV, N), unit length.
 *   tool_umap layout N DIM EPOCHS NEG A B SEED THREADS GRAPH INIT.f32 OUT.f32
 *       tc_umap_layout of GRAPH from INIT (N, DIM), learning rate 1,
 *       repulsion 1.
 */
#include "reduce/reduce.h"
#include "textclust.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *slurp(const char *path, size_t elem, size_t count) {
    FILE *f = fopen(path, "rb");
    void *p = malloc(count * elem + 1);
    if (!f || !p || fread(p, elem, count, f) != count) {
        fprintf(stderr, "tool_umap: %s: cannot read %zu x %zu bytes\n", path, count, elem);
        exit(1);
    }
    fclose(f);
    return p;
}

static void spill(const char *prefix, const char *suffix, const void *p, size_t elem, size_t count) {
    char path[4096];
    snprintf(path, sizeof path, "%s%s", prefix, suffix);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, elem, count, f) != count || fclose(f) != 0) {
        fprintf(stderr, "tool_umap: %s: cannot write\n", path);
        exit(1);
    }
}

static tc_csr read_graph(const char *prefix, size_t n) {
    char path[4096];
    tc_csr g = {n, 0, NULL, NULL, NULL};
    snprintf(path, sizeof path, "%s.rowptr.i64", prefix);
    g.rowptr = slurp(path, sizeof *g.rowptr, n + 1);
    g.nnz = (size_t)g.rowptr[n];
    snprintf(path, sizeof path, "%s.col.i32", prefix);
    g.col = slurp(path, sizeof *g.col, g.nnz);
    snprintf(path, sizeof path, "%s.val.f32", prefix);
    g.val = slurp(path, sizeof *g.val, g.nnz);
    return g;
}

static int fail(const char *what) {
    fprintf(stderr, "tool_umap: %s: %s\n", what, tc_last_error());
    return 1;
}

int main(int argc, char **argv) {
    if (argc == 9 && strcmp(argv[1], "fuzzy") == 0) {
        size_t n = strtoul(argv[2], NULL, 10);
        int k = atoi(argv[3]);
        float lc = strtof(argv[4], NULL), mix = strtof(argv[5], NULL);
        int32_t *idx = slurp(argv[6], sizeof *idx, n * k);
        float *dist = slurp(argv[7], sizeof *dist, n * k);
        float *sigma = malloc(n * sizeof *sigma), *rho = malloc(n * sizeof *rho);
        tc_csr g;
        tc_smooth_knn_dist(dist, n, k, lc, 1, NULL, sigma, rho);
        if (tc_fuzzy_set(idx, dist, n, k, lc, mix, 2, NULL, &g)) return fail("fuzzy");
        spill(argv[8], ".sigma.f32", sigma, sizeof *sigma, n);
        spill(argv[8], ".rho.f32", rho, sizeof *rho, n);
        spill(argv[8], ".rowptr.i64", g.rowptr, sizeof *g.rowptr, n + 1);
        spill(argv[8], ".col.i32", g.col, sizeof *g.col, g.nnz);
        spill(argv[8], ".val.f32", g.val, sizeof *g.val, g.nnz);
        tc_csr_free(&g);
        free(idx); free(dist); free(sigma); free(rho);
        return 0;
    }
    if (argc == 7 && strcmp(argv[1], "spectral") == 0) {
        size_t n = strtoul(argv[2], NULL, 10);
        int dim = atoi(argv[3]), fb = 0;
        tc_csr g = read_graph(argv[5], n);
        float *y = malloc(n * dim * sizeof *y);
        if (tc_spectral_init(&g, NULL, 0, dim, strtoull(argv[4], NULL, 10), 2, NULL, y, &fb))
            return fail("spectral");
        if (fb) { fprintf(stderr, "tool_umap: spectral: fell back to random\n"); return 1; }
        spill(argv[6], "", y, sizeof *y, n * dim);
        tc_csr_free(&g);
        free(y);
        return 0;
    }
    if (argc == 8 && strcmp(argv[1], "eigs") == 0) {
        size_t n = strtoul(argv[2], NULL, 10);
        int nev = atoi(argv[3]);
        tc_csr g = read_graph(argv[6], n);
        double *vec = malloc(n * nev * sizeof *vec);
        if (tc_spectral_eigs(&g, nev, strtoull(argv[4], NULL, 10), 2, TC_EIG_FAST,
                             strtod(argv[5], NULL), vec, NULL) < 0)
            return fail("eigs");
        spill(argv[7], "", vec, sizeof *vec, n * nev);
        tc_csr_free(&g);
        free(vec);
        return 0;
    }
    if (argc == 13 && strcmp(argv[1], "layout") == 0) {
        size_t n = strtoul(argv[2], NULL, 10);
        tc_layout_params lp = {0};
        lp.dim = atoi(argv[3]);
        lp.n_epochs = atoi(argv[4]);
        lp.negative_sample_rate = atoi(argv[5]);
        lp.a = strtof(argv[6], NULL);
        lp.b = strtof(argv[7], NULL);
        lp.seed = strtoull(argv[8], NULL, 10);
        lp.n_threads = atoi(argv[9]);
        lp.gamma = 1.0f;
        lp.learning_rate = 1.0f;
        tc_csr g = read_graph(argv[10], n);
        float *y = slurp(argv[11], sizeof *y, n * lp.dim);
        if (tc_umap_layout(&g, &lp, y)) return fail("layout");
        spill(argv[12], "", y, sizeof *y, n * lp.dim);
        tc_csr_free(&g);
        free(y);
        return 0;
    }
    fprintf(stderr, "usage: tool_umap fuzzy|spectral|eigs|layout ... (see tests/tool_umap.c)\n");
    return 2;
}
