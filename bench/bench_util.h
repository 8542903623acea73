/* bench_util.h - what the benchmark programs share: reading a corpus,
 * CPU time, sorting timings for medians. */
#ifndef TC_BENCH_UTIL_H
#define TC_BENCH_UTIL_H

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>

/* The "text" of the first want lines of a gzipped JSONL corpus, as in
 * ../shared/corpora; *n of them. Exits when the file cannot be opened. */
static inline char **read_corpus(const char *path, size_t want, size_t *n) {
    gzFile f = gzopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot open %s\n", path); exit(2); }
    char **texts = malloc(sizeof *texts * want);
    size_t cap = 1 << 20;
    char *line = malloc(cap);
    *n = 0;
    while (*n < want && gzgets(f, line, (int)cap)) {
        cJSON *j = cJSON_Parse(line);
        const cJSON *t = j ? cJSON_GetObjectItem(j, "text") : NULL;
        if (cJSON_IsString(t)) texts[(*n)++] = strdup(t->valuestring);
        cJSON_Delete(j);
    }
    free(line);
    gzclose(f);
    return texts;
}

static inline double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* qsort order of doubles */
static inline int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif
