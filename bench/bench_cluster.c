/* bench_cluster.c - times textclust's DBSCAN or HDBSCAN on a points file
 * (int32 n, int32 d, n*d float32, as written by bench/cluster_data.py) and
 * writes the labels (n int64) for bench/cluster.sh to compare with its peers.
 *
 *   bench_cluster dbscan  points.f32 eps min_samples threads out.i64
 *   bench_cluster hdbscan points.f32 min_cluster_size min_samples threads out.i64
 *
 * TC_BENCH_DEBUG=1 also prints the library's timings of its steps.
 * Prints one line: "<method> n=<n> seconds=<wall> cpu=<process CPU seconds>
 * clusters=<k> noise=<share>", both times for the clustering call only. */
#include "textclust.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void logger(void *ctx, int level, const char *msg) {
    (void)ctx;
    if (level >= TC_LOG_WARN || getenv("TC_BENCH_DEBUG")) fprintf(stderr, "%s\n", msg);
}

int main(int argc, char **argv) {
    tc_set_logger(logger, NULL);
    if (argc != 7 || (strcmp(argv[1], "dbscan") && strcmp(argv[1], "hdbscan"))) {
        fprintf(stderr, "usage: bench_cluster dbscan|hdbscan points.f32 a b threads out.i64\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "rb");
    int32_t hdr[2];
    if (!f || fread(hdr, 4, 2, f) != 2) {
        fprintf(stderr, "bench_cluster: cannot read %s\n", argv[2]);
        return 1;
    }
    size_t n = (size_t)hdr[0];
    int d = hdr[1];
    float *x = malloc(n * d * sizeof *x);           /* (n, d) */
    int64_t *labels = malloc(n * sizeof *labels);   /* (n) */
    if (!x || !labels || fread(x, sizeof *x, n * d, f) != n * d) {
        fprintf(stderr, "bench_cluster: cannot read %zu points\n", n);
        return 1;
    }
    fclose(f);
    int rc;
    double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    if (!strcmp(argv[1], "dbscan")) {
        tc_dbscan_params p = tc_dbscan_default_params();
        p.eps = atof(argv[3]), p.min_samples = atoi(argv[4]), p.n_threads = atoi(argv[5]);
        rc = tc_dbscan(x, n, d, &p, labels);
    } else {
        tc_hdbscan_params p = tc_hdbscan_default_params();
        p.min_cluster_size = atoi(argv[3]), p.min_samples = atoi(argv[4]);
        p.n_threads = atoi(argv[5]);
        rc = tc_hdbscan(x, n, d, &p, labels);
    }
    double dt = clock_s(CLOCK_MONOTONIC) - t0, dc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (rc) {
        fprintf(stderr, "bench_cluster: %s\n", tc_last_error());
        return 1;
    }
    int64_t k = 0;
    size_t noise = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] + 1 > k) k = labels[i] + 1;
        noise += labels[i] < 0;
    }
    printf("%s n=%zu seconds=%.3f cpu=%.3f clusters=%lld noise=%.3f\n", argv[1], n, dt, dc,
           (long long)k,
           (double)noise / (double)(n ? n : 1));
    f = fopen(argv[6], "wb");
    if (!f || fwrite(labels, 8, n, f) != n || fclose(f)) {
        fprintf(stderr, "bench_cluster: cannot write %s\n", argv[6]);
        return 1;
    }
    free(x), free(labels);
    return 0;
}
