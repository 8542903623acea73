/* bench_label.c - time of the offline keyword labels (c-TF-IDF) on a
 * corpus with known categories: every category is one cluster.
 *   build/bench/bench_label CORPUS.jsonl.gz [max_texts [all]]
 * Prints the texts, clusters, seconds of tc_label_clusters (median of 3)
 * and of the naive c-TF-IDF, and a few labels. */
#include "label/label.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s CORPUS.jsonl.gz [max]\n", argv[0]); return 2; }
    size_t max = argc > 2 ? strtoull(argv[2], NULL, 10) : (size_t)-1;
    gzFile f = gzopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    size_t n = 0, cap = 1024, n_cat = 0;
    char **texts = malloc(cap * sizeof *texts), *cats[512];
    int64_t *lab = malloc(cap * sizeof *lab);
    static char line[1 << 20];
    while (n < max && gzgets(f, line, sizeof line)) {
        cJSON *j = cJSON_Parse(line);
        if (!j) continue;
        const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(j, "text"));
        const char *c = cJSON_GetStringValue(cJSON_GetObjectItem(j, "label"));
        if (t && c) {
            if (n == cap) {
                cap *= 2;
                texts = realloc(texts, cap * sizeof *texts);
                lab = realloc(lab, cap * sizeof *lab);
            }
            size_t k;
            for (k = 0; k < n_cat && strcmp(cats[k], c); k++) {}
            if (k == n_cat && n_cat < 512) cats[n_cat++] = strdup(c);
            texts[n] = strdup(t);
            lab[n++] = (int64_t)k;
        }
        cJSON_Delete(j);
    }
    gzclose(f);
    tc_label_params p = tc_label_default_params();
    double best[3];
    tc_cluster_label *l = NULL;
    size_t k = 0;
    for (int r = 0; r < 3; r++) {
        tc_cluster_labels_free(l, k);
        double t0 = tc_now();
        if (tc_label_clusters((const char *const *)texts, n, lab, &p, &l, &k)) {
            fprintf(stderr, "%s\n", tc_last_error());
            return 1;
        }
        best[r] = tc_now() - t0;
    }
    double med = best[0] + best[1] + best[2] - fmin(best[0], fmin(best[1], best[2])) -
                 fmax(best[0], fmax(best[1], best[2]));
    tc_label_groups g;
    tc_label_groups_build(lab, n, &g);
    char **kw = calloc(g.n_clusters, sizeof *kw), **sm = calloc(g.n_clusters, sizeof *sm);
    double t0 = tc_now();
    tc_keywords_ctfidf_naive((const char *const *)texts, &g, 10, kw, sm);
    double naive = tc_now() - t0;
    printf("texts %zu clusters %zu keywords %.3f s (median of 3) naive %.3f s ratio %.1fx\n", n,
           k, med, naive, naive / med);
    /* a third argument "all" lists every cluster, tab-separated */
    int all = argc > 3 && !strcmp(argv[3], "all");
    for (size_t c = 0; c < k && (all || c < 8); c++)
        printf(all ? "  %s\t%s\n" : "  %-14s %s\n", cats[l[c].label], l[c].summary);
    return 0;
}
