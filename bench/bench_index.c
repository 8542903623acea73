/* bench_index.c - throughput of exact top-k search (tc_knn_search).
 *
 *   bench_index gen DIR [--n N] [--m M] [--d D] [--seed S]
 *       writes DIR/base.npy (N, D) and DIR/query.npy (M, D), float32 unit
 *       vectors from tc_rng (Gaussian, normalised), for both sides to read.
 *   bench_index run BASE.npy QUERY.npy [--k K] [--threads T] [--repeat R]
 *                   [--qb QB] [--bb BB] [--mode 0|2] [--slices S] [--ids OUT.npy]
 *       searches, prints one line per repeat and a median line:
 *       "ours k=K threads=T queries/s=... GFLOP/s=..." (GFLOP = 2 m n d).
 *       --ids writes the (M, K) int64 neighbour ids for a cross-check.
 *
 * Reads and writes only the .npy subset it needs: version 1.0, '<f4' or
 * '<i8', C order, 1-D or 2-D. */
#include "index/knn.h"
#include "textclust.h"
#include "util/util.h"
#include "bench_util.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* ---------------------------------------------------------------- .npy */

static int npy_write(const char *path, const void *data, const char *descr, size_t elem,
                     size_t rows, size_t cols) {
    char hdr[128];
    int len = snprintf(hdr, sizeof hdr,
                       "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu), }", descr,
                       rows, cols);
    int total = 10 + len + 1;
    int pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    unsigned short hl = (unsigned short)(len + pad + 1);
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc(hl & 0xff, f), fputc(hl >> 8, f);
    fwrite(hdr, 1, (size_t)len, f);
    for (int i = 0; i < pad; i++) fputc(' ', f);
    fputc('\n', f);
    size_t ok = fwrite(data, elem, rows * cols, f);
    return fclose(f) == 0 && ok == rows * cols ? 0 : -1;
}

/* Reads a (rows, cols) '<f4' array; malloc'd. */
static float *npy_read_f32(const char *path, size_t *rows, size_t *cols) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char pre[10];
    char hdr[4096];
    float *x = NULL;
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] != 1) goto out;
    size_t hl = pre[8] | (size_t)pre[9] << 8;
    if (hl >= sizeof hdr || fread(hdr, 1, hl, f) != hl) goto out;
    hdr[hl] = 0;
    if (!strstr(hdr, "'<f4'") || !strstr(hdr, "'fortran_order': False")) goto out;
    const char *s = strstr(hdr, "'shape': (");
    if (!s) goto out;
    *cols = 1;
    if (sscanf(s + 10, "%zu, %zu", rows, cols) < 1) goto out;
    x = malloc(*rows * *cols * sizeof *x);
    if (x && fread(x, sizeof *x, *rows * *cols, f) != *rows * *cols) free(x), x = NULL;
out:
    fclose(f);
    return x;
}

/* ---------------------------------------------------------------- data */

static void gen_unit(tc_rng *r, float *x, size_t n, int d) {
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        float *row = x + i * (size_t)d;
        for (int t = 0; t < d; t++) {
            /* Box-Muller; one normal per pair of uniforms is plenty here */
            double u1 = tc_rng_uniform(r), u2 = tc_rng_uniform(r);
            double z = sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
            row[t] = (float)z;
            s += z * z;
        }
        float inv = (float)(1.0 / sqrt(s));
        for (int t = 0; t < d; t++) row[t] *= inv;
    }
}

/* User + system CPU seconds of the process so far. */
static const char *arg_val(int argc, char **argv, const char *name, const char *def) {
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return def;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "gen") == 0) {
        size_t n = strtoull(arg_val(argc, argv, "--n", "63440"), NULL, 10);
        size_t m = strtoull(arg_val(argc, argv, "--m", "10000"), NULL, 10);
        int d = atoi(arg_val(argc, argv, "--d", "512"));
        uint64_t seed = strtoull(arg_val(argc, argv, "--seed", "42"), NULL, 10);
        float *b = malloc(n * d * sizeof *b), *q = malloc(m * d * sizeof *q);
        if (!b || !q || d <= 0) return fprintf(stderr, "bench_index: bad sizes\n"), 1;
        tc_rng r = tc_rng_derive(seed, 1);
        gen_unit(&r, b, n, d);
        r = tc_rng_derive(seed, 2);
        gen_unit(&r, q, m, d);
        char path[4096];
        snprintf(path, sizeof path, "%s/base.npy", argv[2]);
        if (npy_write(path, b, "<f4", 4, n, (size_t)d)) return perror(path), 1;
        snprintf(path, sizeof path, "%s/query.npy", argv[2]);
        if (npy_write(path, q, "<f4", 4, m, (size_t)d)) return perror(path), 1;
        free(b), free(q);
        return 0;
    }
    if (argc < 4 || strcmp(argv[1], "run") != 0) {
        fprintf(stderr, "usage: bench_index gen DIR [--n N --m M --d D --seed S]\n"
                        "       bench_index run BASE.npy QUERY.npy [--k K --threads T "
                        "--repeat R --qb QB --bb BB --mode 0|2 --slices S --ids OUT.npy]\n");
        return 2;
    }
    size_t n, d, m, dq;
    float *base = npy_read_f32(argv[2], &n, &d);
    float *q = npy_read_f32(argv[3], &m, &dq);
    if (!base || !q || d != dq) return fprintf(stderr, "bench_index: cannot read inputs\n"), 1;
    int k = atoi(arg_val(argc, argv, "--k", "10"));
    int threads = tc_threads(atoi(arg_val(argc, argv, "--threads", "0")));
    int repeat = atoi(arg_val(argc, argv, "--repeat", "3"));
    tc_knn_tiling t = {atoi(arg_val(argc, argv, "--qb", "0")),
                       atoi(arg_val(argc, argv, "--bb", "0")),
                       atoi(arg_val(argc, argv, "--mode", "0")),
                       atoi(arg_val(argc, argv, "--slices", "0"))};
    const char *ids_path = arg_val(argc, argv, "--ids", NULL);
    float *dist = malloc(m * k * sizeof *dist);
    int64_t *ids = malloc(m * k * sizeof *ids);
    double *secs = malloc((repeat > 0 ? repeat : 1) * sizeof *secs);
    double *cpus = malloc((repeat > 0 ? repeat : 1) * sizeof *cpus);
    if (!dist || !ids || !secs || !cpus || k <= 0 || repeat <= 0)
        return fprintf(stderr, "bench_index: bad arguments\n"), 1;
    double gflop = 2.0 * m * n * d * 1e-9;
    fprintf(stderr, "openblas core %s, n=%zu m=%zu d=%zu k=%d threads=%d\n",
            openblas_get_corename(), n, m, d, k, threads);
    for (int r = 0; r < repeat; r++) {
        double t0 = tc_now(), c0 = cpu_seconds();
        if (tc_knn_search_tiled(base, n, (int)d, q, m, k, threads, &t, dist, ids) != 0)
            return fprintf(stderr, "bench_index: %s\n", tc_last_error()), 1;
        secs[r] = tc_now() - t0;
        cpus[r] = cpu_seconds() - c0;
        fprintf(stderr, "  run %d: %.3f s, cpu %.3f s\n", r, secs[r], cpus[r]);
    }
    qsort(secs, repeat, sizeof *secs, cmp_double);
    qsort(cpus, repeat, sizeof *cpus, cmp_double);
    double med = secs[repeat / 2];
    printf("ours k=%d threads=%d seconds=%.3f queries/s=%.0f GFLOP/s=%.1f cpu_s=%.3f\n", k,
           threads, med, m / med, gflop / med, cpus[repeat / 2]);
    if (ids_path && npy_write(ids_path, ids, "<i8", 8, m, (size_t)k))
        return perror(ids_path), 1;
    free(base), free(q), free(dist), free(ids), free(secs), free(cpus);
    return 0;
}
