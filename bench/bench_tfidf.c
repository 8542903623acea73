/* bench_tfidf.c - fits the tfidf encoder on a corpus and embeds its texts,
 * timing each step; writes the vectors for bench/tfidf_peer.py's NMI.
 *   bench_tfidf CORPUS.jsonl.gz N_TEXTS DIM THREADS OUT.f32
 * Prints the fit and embed times (wall), CPU time and peak RSS. */
#include "bench_util.h"
#include "embed/tfidf.h"
#include "util/util.h"

void openblas_set_num_threads(int n);

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: bench_tfidf CORPUS N DIM THREADS OUT.f32\n"); return 2; }
    size_t n;
    char **texts = read_corpus(argv[1], (size_t)atol(argv[2]), &n);
    int threads = atoi(argv[4]);
    openblas_set_num_threads(threads);
    tc_encoder_params p = tc_encoder_default_params();
    p.dim = atoi(argv[3]), p.n_threads = threads, p.seed = 42;
    tc_encoder *e;
    double t0 = tc_now();
    if (tc_encoder_open("tfidf", &p, &e) || tc_encoder_fit(e, (const char *const *)texts, n)) {
        fprintf(stderr, "%s\n", tc_last_error());
        return 1;
    }
    double t1 = tc_now();
    int d = tc_encoder_dim(e);
    float *out = malloc(n * (size_t)d * sizeof *out);
    if (tc_encoder_embed(e, (const char *const *)texts, n, out)) { fprintf(stderr, "%s\n", tc_last_error()); return 1; }
    double t2 = tc_now();
    const tc_tfidf_model *m = tc_tfidf_encoder_model(e);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    printf("ours: %zu texts, %u terms, dim %d: fit %.2f s, embed %.2f s, total %.2f s wall, %.2f s CPU (reading "
           "included), peak RSS %.0f MiB\n", n, m->n_terms, d, t1 - t0, t2 - t1, t2 - t0, cpu, ru.ru_maxrss / 1024.0);
    FILE *f = fopen(argv[5], "wb");
    fwrite(out, sizeof *out, n * (size_t)d, f);
    fclose(f);
    return 0;
}
