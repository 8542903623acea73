/* bench_embed.c - throughput of the USE-lite encoder (texts/s, tokens/s),
 * the GFLOP/s its matrix products reach against OpenBLAS sgemm alone at the
 * same shapes, and peak memory. Reads texts from a gzipped JSONL corpus
 * ({"text": ...} per line, as in ../shared/corpora).
 *   bench_embed CORPUS.jsonl.gz N THREADS [--texts-out FILE] [--no-gemm] [--tokenise-only]
 *               [--dtype fp32|bf16|int8] [--vectors-out FILE (raw float32, N x 512)]
 * --tokenise-only times SentencePiece alone over the texts on THREADS threads
 * (as the encoder splits them) and stops (bench/infer.sh's stage shares).
 * Prints "key value" lines; bench/embed.sh runs it beside the JavaScript
 * reference. Set OPENBLAS_CORETYPE=SkylakeX before running (see DESIGN.md). */
#include "embed/use_lite.h"
#include "textclust.h"
#include "util/util.h"
#include "bench_util.h"

#include <cblas.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>

/* GFLOP/s of sgemm alone over the encoder's shapes, rows tokens per call. */
static double sgemm_gflops(int rows) {
    const int shapes[][2] = {{256, 768}, {256, 512}, {256, 512}, {512, 1536}, {1536, 512},
                             {512, 1536}, {512, 512}, {512, 1536}};   /* as use_lite.c runs them */
    float *a = malloc(sizeof(float) * rows * 1536), *w = malloc(sizeof(float) * 1536 * 1536),
          *c = malloc(sizeof(float) * rows * 1536);
    for (int i = 0; i < rows * 1536; i++) a[i] = (float)((i * 7 % 13) - 6) * 0.01f;
    for (int i = 0; i < 1536 * 1536; i++) w[i] = (float)((i * 5 % 11) - 5) * 0.01f;
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        double flops = 0, t0 = tc_now();
        for (int s = 0; s < 8; s++) {
            int k = shapes[s][0], m = shapes[s][1];
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, m, k, 1.0f, a, k, w, m, 1.0f, c, m);
            flops += 2.0 * rows * k * m;
        }
        double g = flops / (tc_now() - t0) / 1e9;
        if (g > best) best = g;
    }
    free(a); free(w); free(c);
    return best;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s CORPUS.jsonl.gz N THREADS [--texts-out FILE] [--no-gemm]\n", argv[0]); return 2; }
    size_t want = strtoull(argv[2], NULL, 10), n;
    int threads = atoi(argv[3]), do_gemm = 1, tok_only = 0;
    const char *texts_out = NULL, *vectors_out = NULL;
    int dtype = TC_DTYPE_AUTO;
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--texts-out") == 0 && i + 1 < argc) texts_out = argv[++i];
        else if (strcmp(argv[i], "--no-gemm") == 0) do_gemm = 0;
        else if (strcmp(argv[i], "--tokenise-only") == 0) tok_only = 1;
        else if (strcmp(argv[i], "--dtype") == 0 && i + 1 < argc) dtype = tc_dtype_by_name(argv[++i]);
        else if (strcmp(argv[i], "--vectors-out") == 0 && i + 1 < argc) vectors_out = argv[++i];
    }
    char **texts = read_corpus(argv[1], want, &n);
    if (texts_out) {            /* the same texts for the JavaScript side, one JSON string per line */
        FILE *f = fopen(texts_out, "w");
        for (size_t i = 0; f && i < n; i++) {
            cJSON *s = cJSON_CreateString(texts[i]);
            char *js = cJSON_PrintUnformatted(s);
            fprintf(f, "%s\n", js);
            free(js);
            cJSON_Delete(s);
        }
        if (f) fclose(f);
    }
    tc_encoder_params p = tc_encoder_default_params();
    p.n_threads = threads;
    p.dtype = dtype < 0 ? TC_DTYPE_AUTO : dtype;
    tc_encoder *e;
    if (tc_encoder_open("use-lite", &p, &e) != 0) { fprintf(stderr, "%s\n", tc_last_error()); return 1; }
    const ul_model *m = tc_use_lite_model(e);
    printf("dtype %s\n", tc_encoder_dtype(e));
    if (tok_only) {
        double t0 = tc_now(), tok = 0;
        #pragma omp parallel num_threads(threads) reduction(+ : tok)
        {
            tc_sp_scratch s1 = {0};
            #pragma omp for schedule(dynamic, 16)
            for (long i = 0; i < (long)n; i++) tok += tc_sp_encode(m->sp, texts[i], &s1);
            tc_sp_scratch_free(&s1);
        }
        printf("texts %zu\ntokens %.0f\ntokenise_s %.3f\n", n, tok, tc_now() - t0);
        return 0;
    }
    /* token count (clipped as the encoder clips) */
    tc_sp_scratch s = {0};
    double tokens = 0;
    for (size_t i = 0; i < n; i++) {
        int k = tc_sp_encode(m->sp, texts[i], &s);
        tokens += k > m->max_len ? m->max_len : k;
    }
    tc_sp_scratch_free(&s);
    float *out = malloc(sizeof(float) * n * 512);
    double best = 1e30, best_cpu = 0;
    int reps = n >= 5000 ? 1 : 3;
    for (int r = 0; r < reps; r++) {
        double c0 = cpu_seconds(), t0 = tc_now();
        if (tc_encoder_embed(e, (const char *const *)texts, n, out) != 0) { fprintf(stderr, "%s\n", tc_last_error()); return 1; }
        double t = tc_now() - t0;
        if (t < best) { best = t; best_cpu = cpu_seconds() - c0; }
    }
    if (vectors_out) {          /* raw float32 rows, n x 512 */
        FILE *f = fopen(vectors_out, "wb");
        if (!f || fwrite(out, sizeof(float) * 512, n, f) != n) { fprintf(stderr, "cannot write %s\n", vectors_out); return 1; }
        fclose(f);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("corename %s\n", openblas_get_corename());
    printf("texts %zu\ntokens %.0f\nthreads %d\nseconds %.3f\n", n, tokens, threads, best);
    printf("texts_per_s %.1f\ntokens_per_s %.0f\n", n / best, tokens / best);
    printf("cpu_seconds %.3f\ntexts_per_cpu_s %.2f\n", best_cpu, n / best_cpu);
    double flops = tc_use_lite_gemm_flops(tokens, (double)n, 1);
    printf("encoder_gflops %.1f\n", flops / best / 1e9);
    printf("model_gflops_equiv %.1f\n", tc_use_lite_gemm_flops(tokens, (double)n, 0) / best / 1e9);
    if (do_gemm) {
        /* the machine is shared and its load shifts: alternate the encoder
         * (on up to 1000 texts) and sgemm alone, 5 rounds, median ratio */
        size_t ns = n < 1000 ? n : 1000;
        double tok_s = 0;
        for (size_t i = 0; i < ns; i++) {
            tc_sp_scratch s1 = {0};
            int k = tc_sp_encode(m->sp, texts[i], &s1);
            tok_s += k > m->max_len ? m->max_len : k;
            tc_sp_scratch_free(&s1);
        }
        double fl = tc_use_lite_gemm_flops(tok_s, (double)ns, 1), ratio[5], enc[5], sg[5];
        for (int r = 0; r < 5; r++) {
            double t0 = tc_now();
            tc_encoder_embed(e, (const char *const *)texts, ns, out);
            enc[r] = fl / (tc_now() - t0) / 1e9;
            openblas_set_num_threads(threads);
            sg[r] = sgemm_gflops(2048);
            ratio[r] = enc[r] / sg[r];
        }
        qsort(ratio, 5, sizeof *ratio, cmp_double);
        qsort(enc, 5, sizeof *enc, cmp_double);
        qsort(sg, 5, sizeof *sg, cmp_double);
        printf("interleaved_encoder_gflops %.1f\nsgemm_gflops %.1f\nratio_of_sgemm %.2f\n", enc[2], sg[2], ratio[2]);
    }
    printf("peak_rss_mib %.1f\n", ru.ru_maxrss / 1024.0);
    tc_encoder_free(e);
    free(out);
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts);
    return 0;
}
