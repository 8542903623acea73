/* bench_bert.c - throughput of the BERT encoder (src/embed/bert.c) on token
 * ids: texts/s, tokens/s, the GFLOP/s of its weight products, and OpenBLAS
 * sgemm alone at the same shapes (one single-threaded sgemm per worker, as
 * the encoder runs them), in interleaved rounds because the machine is
 * shared. The model folder comes from bench/make_bert_model.py, the ids from
 * a JSONL file of {"ids": [...]} lines (the same script's --ids).
 *   bench_bert MODEL_DIR IDS.jsonl THREADS [--n N] [--rounds R] [--no-gemm]
 *              [--dtype fp32|bf16|int8] [--out VECTORS.npy] [--shape HIDDEN FFN ROWS]   (sgemm's shapes; default 384 1536 512, MiniLM's
 *                                           widths and the encoder's batch of 512 tokens)
 * Prints "key value" lines. Like the textclust command, it re-runs itself
 * with OPENBLAS_CORETYPE set when OpenBLAS falls back to its Prescott kernel
 * (DESIGN.md, "Matrix speed"). */
#include "embed/bert.h"
#include "io/io.h"
#include "textclust.h"
#include "util/util.h"
#include "bench_util.h"

#include <cblas.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static int32_t **read_ids(const char *path, size_t want, size_t *n, int **len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    int32_t **ids = NULL;
    char *line = NULL;
    size_t cap = 0;
    *n = 0;
    *len = NULL;
    while (*n < want && getline(&line, &cap, f) > 0) {
        cJSON *j = cJSON_Parse(line), *a = cJSON_GetObjectItem(j, "ids"), *v;
        if (!cJSON_IsArray(a)) { fprintf(stderr, "%s: line %zu has no ids\n", path, *n + 1); exit(2); }
        ids = realloc(ids, sizeof *ids * (*n + 1));
        *len = realloc(*len, sizeof **len * (*n + 1));
        ids[*n] = malloc(sizeof(int32_t) * (cJSON_GetArraySize(a) + 1));
        int k = 0;
        cJSON_ArrayForEach(v, a) ids[*n][k++] = v->valueint;
        (*len)[(*n)++] = k;
        cJSON_Delete(j);
    }
    free(line);
    fclose(f);
    return ids;
}

/* sgemm alone: each worker runs the encoder's four weight products
 * (d -> 3d, d -> d, d -> ffn, ffn -> d) on rows tokens, reps times. */
typedef struct { int rows, d, ffn, reps; double flops; } gemm_arg;

static void *gemm_worker(void *p) {
    gemm_arg *g = p;
    const int d = g->d, ff = g->ffn, r = g->rows;
    const int shapes[4][2] = {{d, 3 * d}, {d, d}, {d, ff}, {ff, d}};   /* (in, out) */
    float *a = malloc(sizeof(float) * r * ff), *w = malloc(sizeof(float) * 3 * d * ff), *c = malloc(sizeof(float) * r * ff);
    for (int i = 0; i < r * ff; i++) a[i] = (float)((i * 7 % 13) - 6) * 0.01f, c[i] = 0;
    for (int i = 0; i < 3 * d * ff; i++) w[i] = (float)((i * 5 % 11) - 5) * 0.01f;
    g->flops = 0;
    for (int rep = 0; rep < g->reps; rep++)
        for (int s = 0; s < 4; s++) {
            int k = shapes[s][0], n = shapes[s][1];
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r, n, k, 1.0f, a, k, w, k, 0.0f, c, n);
            g->flops += 2.0 * r * n * k;
        }
    free(a); free(w); free(c);
    return NULL;
}

static double sgemm_gflops(int threads, int rows, int d, int ffn) {
    pthread_t tid[64];
    gemm_arg args[64];
    int bt = openblas_get_num_threads();
    openblas_set_num_threads(1);
    double t0 = tc_now(), flops = 0;
    for (int t = 0; t < threads; t++) {
        args[t] = (gemm_arg){rows, d, ffn, 40, 0};
        pthread_create(&tid[t], NULL, gemm_worker, &args[t]);
    }
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL), flops += args[t].flops;
    double g = flops / (tc_now() - t0) / 1e9;
    openblas_set_num_threads(bt);
    return g;
}

int main(int argc, char **argv) {
    tc_blas_fix_kernel(argv);
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL_DIR IDS.jsonl THREADS [--n N] [--rounds R] [--no-gemm] "
                "[--out VECTORS.npy] [--shape HIDDEN FFN ROWS]\n", argv[0]);
        return 2;
    }
    size_t want = (size_t)-1;
    const char *out_path = NULL;
    int threads = atoi(argv[3]), rounds = 3, do_gemm = 1, hidden = 384, ffn = 1536, rows = 512, dtype = TC_DTYPE_FP32;
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--n") == 0 && i + 1 < argc) want = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--no-gemm") == 0) do_gemm = 0;
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) out_path = argv[++i];
        else if (strcmp(argv[i], "--dtype") == 0 && i + 1 < argc) dtype = tc_dtype_by_name(argv[++i]);
        else if (strcmp(argv[i], "--shape") == 0 && i + 3 < argc)
            hidden = atoi(argv[i + 1]), ffn = atoi(argv[i + 2]), rows = atoi(argv[i + 3]), i += 3;
    }
    tc_bert *m;
    double tl = tc_now();
    if (threads < 1 || threads > 64 || hidden < 1 || ffn < 1 || rows < 1) { fprintf(stderr, "bad arguments\n"); return 2; }
    if (tc_bert_load(argv[1], &m) != 0) { fprintf(stderr, "%s\n", tc_last_error()); return 1; }
    int got = TC_DTYPE_FP32;
    if (dtype > TC_DTYPE_FP32 && tc_bert_set_dtype(m, dtype, &got) != 0) { fprintf(stderr, "%s\n", tc_last_error()); return 1; }
    printf("dtype %s\n", tc_dtype_name(got));
    tl = tc_now() - tl;
    size_t n;
    int *len;
    int32_t **ids = read_ids(argv[2], want, &n, &len);
    double tokens = 0;
    for (size_t i = 0; i < n; i++) {
        if (len[i] > tc_bert_max_len(m)) len[i] = tc_bert_max_len(m);
        tokens += len[i];
    }
    const int dim = tc_bert_dim(m);
    float *out = malloc(sizeof(float) * n * dim);
    double flops = tc_bert_gemm_flops(m, tokens);
    printf("corename %s\nload_seconds %.3f\ntexts %zu\ntokens %.0f\nthreads %d\n", openblas_get_corename(), tl, n,
           tokens, threads);
    double *sec = malloc(sizeof(double) * rounds), *enc = malloc(sizeof(double) * rounds),
           *sg = malloc(sizeof(double) * rounds), *ratio = malloc(sizeof(double) * rounds), cpu = 0;
    for (int r = 0; r < rounds; r++) {
        double c0 = cpu_seconds(), t0 = tc_now();
        if (tc_bert_embed_ids(m, (const int32_t *const *)ids, len, n, threads, out) != 0) {
            fprintf(stderr, "%s\n", tc_last_error());
            return 1;
        }
        sec[r] = tc_now() - t0;
        cpu += cpu_seconds() - c0;
        enc[r] = flops / sec[r] / 1e9;
        if (do_gemm) {
            sg[r] = sgemm_gflops(threads, rows, hidden, ffn);
            ratio[r] = enc[r] / sg[r];
        }
    }
    qsort(sec, (size_t)rounds, sizeof *sec, cmp_double);
    qsort(enc, (size_t)rounds, sizeof *enc, cmp_double);
    double s = sec[rounds / 2];
    printf("seconds_median %.3f\nseconds_best %.3f\n", s, sec[0]);
    printf("texts_per_s %.1f\ntokens_per_s %.0f\n", n / s, tokens / s);
    printf("cpu_seconds_per_round %.3f\n", cpu / rounds);
    printf("encoder_gflops %.1f\n", enc[rounds / 2]);
    if (do_gemm) {
        qsort(sg, (size_t)rounds, sizeof *sg, cmp_double);
        qsort(ratio, (size_t)rounds, sizeof *ratio, cmp_double);
        printf("sgemm_gflops %.1f\nencoder_vs_sgemm %.3f\n", sg[rounds / 2], ratio[rounds / 2]);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak_rss_mib %.1f\n", ru.ru_maxrss / 1024.0);
    double sum = 0;
    for (size_t i = 0; i < n * (size_t)dim; i++) sum += out[i];
    printf("checksum %.6f\n", sum);
    if (out_path && tc_npy_save_f32(out_path, out, n, (size_t)dim) != 0) { fprintf(stderr, "%s\n", tc_last_error()); return 1; }
    for (size_t i = 0; i < n; i++) free(ids[i]);
    free(ids); free(len); free(out); free(sec); free(enc); free(sg); free(ratio);
    tc_bert_free(m);
    return 0;
}
