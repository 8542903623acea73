/* bench_viz.c - times map.png and map.html for a map the size of the WordNet
 * gloss corpus (117,659 texts): the texts come from the corpus, the points
 * are random gaussian blobs, one per lexicographer file (45), with 15%
 * uniform noise. Writes the same points to OUT/xy.f32 (n, 2), OUT/labels.i64
 * (n) and OUT/names.txt (one name per cluster) so that bench/viz.sh can time
 * the reference's matplotlib plot on identical data.
 *
 *   bench_viz OUT_DIR [CORPUS.jsonl.gz] [REPEATS]
 * Prints one line per run: "png <seconds>" / "html <seconds> <bytes>". */
#include "textclust.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define MAX_CLUSTERS 256

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: bench_viz OUT_DIR [CORPUS.jsonl.gz] [REPEATS]\n"); return 2; }
    const char *out = argv[1];
    const char *corpus = argc > 2 && argv[2][0] ? argv[2] : "/work/shared/corpora/wordnet-glosses.jsonl.gz";
    int reps = argc > 3 ? atoi(argv[3]) : 3;
    mkdir(out, 0755);
    gzFile gz = gzopen(corpus, "rb");
    if (!gz) { perror(corpus); return 1; }
    size_t n = 0, cap = 1 << 17;
    char **texts = malloc(cap * sizeof *texts);
    int64_t *labels = malloc(cap * sizeof *labels);
    char *names[MAX_CLUSTERS];
    int k = 0;
    static char line[1 << 20];
    while (gzgets(gz, line, sizeof line)) {
        cJSON *j = cJSON_Parse(line);
        if (!j) continue;
        const cJSON *t = cJSON_GetObjectItem(j, "text"), *l = cJSON_GetObjectItem(j, "label");
        if (cJSON_IsString(t) && cJSON_IsString(l)) {
            if (n == cap) {
                cap *= 2;
                texts = realloc(texts, cap * sizeof *texts);
                labels = realloc(labels, cap * sizeof *labels);
            }
            int c = 0;
            while (c < k && strcmp(names[c], l->valuestring) != 0) c++;
            if (c == k && k < MAX_CLUSTERS) names[k++] = strdup(l->valuestring);
            texts[n] = strdup(t->valuestring);
            labels[n++] = c;
        }
        cJSON_Delete(j);
    }
    gzclose(gz);
    /* random blob per category, noise 15% */
    tc_rng r = tc_rng_seed(2024);
    float cx[MAX_CLUSTERS], cy[MAX_CLUSTERS], sd[MAX_CLUSTERS];
    for (int c = 0; c < k; c++) {
        cx[c] = (float)(20 * tc_rng_uniform(&r));
        cy[c] = (float)(14 * tc_rng_uniform(&r));
        sd[c] = (float)(0.2 + 0.5 * tc_rng_uniform(&r));
    }
    float *xy = malloc(n * 2 * sizeof *xy); /* (n, 2) */
    for (size_t i = 0; i < n; i++) {
        if (tc_rng_uniform(&r) < 0.15) {
            xy[2 * i] = (float)(22 * tc_rng_uniform(&r) - 1);
            xy[2 * i + 1] = (float)(16 * tc_rng_uniform(&r) - 1);
            labels[i] = -1;
            continue;
        }
        int c = (int)labels[i];
        double u1 = tc_rng_uniform(&r) + 1e-12, u2 = tc_rng_uniform(&r), g = sqrt(-2 * log(u1));
        xy[2 * i] = (float)(cx[c] + sd[c] * g * cos(2 * M_PI * u2));
        xy[2 * i + 1] = (float)(cy[c] + sd[c] * g * sin(2 * M_PI * u2));
    }
    tc_cluster_label nm[MAX_CLUSTERS];
    for (int c = 0; c < k; c++) nm[c] = (tc_cluster_label){.label = c, .summary = names[c], .score = -1};

    char path[4096];
    snprintf(path, sizeof path, "%s/xy.f32", out);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(xy, sizeof *xy, 2 * n, f) != 2 * n) { perror(path); return 1; }
    fclose(f);
    snprintf(path, sizeof path, "%s/labels.i64", out);
    f = fopen(path, "wb");
    if (!f || fwrite(labels, sizeof *labels, n, f) != n) { perror(path); return 1; }
    fclose(f);
    snprintf(path, sizeof path, "%s/names.txt", out);
    f = fopen(path, "w");
    for (int c = 0; f && c < k; c++) fprintf(f, "%s\n", names[c]);
    if (f) fclose(f);
    printf("points %zu clusters %d\n", n, k);

    for (int rep = 0; rep < reps; rep++) {
        snprintf(path, sizeof path, "%s/map.png", out);
        double t0 = tc_now();
        if (tc_plot_map_png(xy, n, labels, nm, (size_t)k, NULL, path)) {
            fprintf(stderr, "%s\n", tc_last_error());
            return 1;
        }
        printf("png %.3f\n", tc_now() - t0);
        snprintf(path, sizeof path, "%s/map.html", out);
        t0 = tc_now();
        if (tc_write_map_html(xy, n, labels, (const char *const *)texts, nm, (size_t)k, path)) {
            fprintf(stderr, "%s\n", tc_last_error());
            return 1;
        }
        double dt = tc_now() - t0;
        struct stat st;
        stat(path, &st);
        printf("html %.3f %lld\n", dt, (long long)st.st_size);
        fflush(stdout);
    }
    for (size_t i = 0; i < n; i++) free(texts[i]);
    for (int c = 0; c < k; c++) free(names[c]);
    free(texts); free(labels); free(xy);
    return 0;
}
