/* merge.c - textclust merge --output OUT [--output_embeddings EMB] SHARD...:
 * joins the outputs of `infer --num_shards N --shard_index I` into what one
 * process would have written, after checking that every shard 0..N-1 is
 * there once, complete (its marker SHARD.done, written last) and from the
 * same job (input, save folder, flags). Prints per-cluster counts and the
 * distribution of the distances per cluster. */
#include "cli/checkpoint.h"
#include "cli/common.h"
#include "cli/strbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MERGE_MAX_LABEL 10000000 /* labels are cluster numbers; larger ones are not ours */

typedef struct {
    float *d;         /* (n) distances */
    size_t n, cap;
    char *summary;
} cluster_stats;

typedef struct {
    cluster_stats *c; /* (n) by label + 1: -1 first */
    size_t n;
} merge_stats;

static int stats_add(merge_stats *s, long long label, float d, const char *summary) {
    if (label < -1 || label > MERGE_MAX_LABEL) return -1;
    size_t k = (size_t)(label + 1);
    if (k >= s->n) {
        cluster_stats *nc = realloc(s->c, (k + 1) * sizeof *nc);
        if (!nc) return -1;
        memset(nc + s->n, 0, (k + 1 - s->n) * sizeof *nc);
        s->c = nc, s->n = k + 1;
    }
    cluster_stats *c = &s->c[k];
    if (c->n == c->cap) {
        float *nd = realloc(c->d, (c->cap = c->cap ? 2 * c->cap : 256) * sizeof *nd);
        if (!nd) return -1;
        c->d = nd;
    }
    c->d[c->n++] = d;
    if (!c->summary && summary) c->summary = strdup(summary);
    return 0;
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* One line of a shard's output into the stats. */
static int stats_line(merge_stats *s, const char *line, size_t len) {
    cJSON *j = cJSON_ParseWithLength(line, len);
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(j, "label");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "distance");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "summary");
    int rc = cJSON_IsNumber(l) && cJSON_IsNumber(d)
                 ? stats_add(s, (long long)l->valuedouble, (float)d->valuedouble,
                             cJSON_IsString(m) ? m->valuestring : NULL)
                 : -1;
    cJSON_Delete(j);
    return rc;
}

static void stats_print(merge_stats *s, unsigned long long total) {
    printf("%6s %10s %7s %10s %10s %10s %10s  %s\n", "label", "texts", "share", "min", "median",
           "p90", "max", "summary");
    for (size_t k = 0; k < s->n; k++) {
        cluster_stats *c = &s->c[k];
        if (!c->n) continue;
        qsort(c->d, c->n, sizeof *c->d, cmp_float);
        /* median: the mean of the middle two; p90: the nearest rank, ceil(0.9 n) */
        double med = 0.5 * ((double)c->d[(c->n - 1) / 2] + (double)c->d[c->n / 2]);
        size_t r90 = (c->n * 9 + 9) / 10;
        printf("%6lld %10zu %6.1f%% %10.4g %10.4g %10.4g %10.4g  ", (long long)k - 1, c->n,
               total ? 100.0 * (double)c->n / (double)total : 0.0, (double)c->d[0], med,
               (double)c->d[r90 - 1], (double)c->d[c->n - 1]);
        cli_term_printf(stdout, "%s\n", c->summary ? c->summary : "");
    }
}

static void stats_free(merge_stats *s) {
    for (size_t k = 0; k < s->n; k++) free(s->c[k].d), free(s->c[k].summary);
    free(s->c);
}

/* Copies a shard's output into out, line by line into the stats; checks it
 * holds the marker's count of lines. */
static int copy_output(const char *path, FILE *out, unsigned long long texts, merge_stats *s) {
    FILE *f = fopen(path, "rb");
    if (!f) return cli_failf("%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long long lines = 0;
    int rc = 0;
    while (!rc && (len = getline(&line, &cap, f)) > 0) {
        lines++;
        if (stats_line(s, line, (size_t)len) != 0)
            rc = cli_failf("%s:%llu: not an infer result (label, distance)", path, lines);
        else if (fwrite(line, 1, (size_t)len, out) != (size_t)len)
            rc = cli_failf("--output: write failed: %s", strerror(errno));
    }
    if (!rc && ferror(f)) rc = cli_failf("%s: read failed: %s", path, strerror(errno));
    if (!rc && lines != texts)
        rc = cli_failf("%s: %llu lines, its marker counts %llu texts", path, lines, texts);
    free(line);
    fclose(f);
    return rc;
}

/* Appends a shard's embeddings (rows of dim float32, after a .npy v1 header). */
static int copy_embeddings(const char *path, size_t rows, size_t dim, tc_npy_writer *w) {
    FILE *f = fopen(path, "rb");
    if (!f) return cli_failf("%s: %s", path, strerror(errno));
    unsigned char h[10];
    struct stat st;
    int rc = 0;
    if (fread(h, 1, 10, f) != 10 || memcmp(h, "\x93NUMPY\x01", 7) || fstat(fileno(f), &st) != 0)
        rc = cli_failf("%s: not a .npy file written by infer", path);
    size_t off = 10 + (size_t)(h[8] | h[9] << 8);
    if (!rc && (unsigned long long)st.st_size != off + (unsigned long long)rows * dim * sizeof(float))
        rc = cli_failf("%s: %lld bytes, not the %zu rows of %zu floats its marker counts", path,
                       (long long)st.st_size, rows, dim);
    float *buf = rc ? NULL : malloc(1024 * dim * sizeof *buf);
    if (!rc && !buf) rc = cli_fail("out of memory");
    if (!rc && fseek(f, (long)off, SEEK_SET) != 0) rc = cli_failf("%s: %s", path, strerror(errno));
    for (size_t done = 0; !rc && done < rows;) {
        size_t k = rows - done < 1024 ? rows - done : 1024;
        if (fread(buf, dim * sizeof *buf, k, f) != k) rc = cli_failf("%s: read failed", path);
        else if (tc_npy_writer_append(w, buf, k)) rc = cli_fail(tc_last_error());
        done += k;
    }
    free(buf);
    fclose(f);
    return rc;
}

/* The embeddings file a marker names: where it was written, else the same
 * name beside the marker (the shards' folder mounted elsewhere). */
static char *embeddings_of(const cJSON *m, const char *marker) {
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(m, "embeddings");
    if (!cJSON_IsString(e)) return NULL;
    struct stat st;
    if (stat(e->valuestring, &st) == 0) return strdup(e->valuestring);
    const char *slash = strrchr(e->valuestring, '/'), *ms = strrchr(marker, '/');
    cli_sb p = {0};
    cli_sb_printf(&p, "%.*s%s", ms ? (int)(ms - marker + 1) : 0, marker, slash ? slash + 1 : e->valuestring);
    return p.s;
}

static unsigned long long count_of(const cJSON *m, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, key);
    return cJSON_IsNumber(v) ? (unsigned long long)v->valuedouble : 0;
}

static int merge_shards(cli_opts *o) {
    if (!o->output) return cli_fail("merge needs --output FILE, the joined results");
    if (o->n_paths == 0)
        return cli_fail("merge needs the shards: textclust merge --output OUT OUT.shard-*-of-*.jsonl");
    int n = 0, rc = 1;
    cJSON **m = calloc((size_t)o->n_paths, sizeof *m);   /* (n_paths) markers, by index once sorted */
    char **marker = calloc((size_t)o->n_paths, sizeof *marker);
    cJSON **by = NULL;
    const char **mk_by = NULL;
    merge_stats st = {0};
    tc_atomic_file *out = NULL;
    tc_npy_writer *w = NULL;
    if (!m || !marker) { cli_fail("out of memory"); goto done; }
    for (int i = 0; i < o->n_paths; i++) {
        const char *p = o->paths[i];
        size_t len = strlen(p);
        cli_sb s = {0};
        cli_sb_printf(&s, "%s%s", p, len > 5 && !strcmp(p + len - 5, ".done") ? "" : ".done");
        marker[i] = s.s;
        struct stat sb;
        if (!marker[i]) { cli_fail("out of memory"); goto done; }
        if (stat(marker[i], &sb) != 0) {
            cli_failf("%s: not complete: no marker %s (its infer was interrupted or is still "
                      "running; run that shard again, and it continues from its checkpoint)", p, marker[i]);
            goto done;
        }
        if (infer_marker_read(marker[i], &m[i])) goto done;
    }
    const cJSON *s0 = cJSON_GetObjectItemCaseSensitive(m[0], "shard");
    n = (int)count_of(s0, "count");
    if (n < 1 || n > (1 << 20)) { cli_failf("%s: a shard count of %d", marker[0], n); goto done; }
    by = calloc((size_t)n, sizeof *by);
    mk_by = calloc((size_t)n, sizeof *mk_by);
    if (!by || !mk_by) { cli_fail("out of memory"); goto done; }
    for (int i = 0; i < o->n_paths; i++) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(m[i], "shard");
        int k = (int)count_of(s, "index");
        char msg[1024];
        if ((int)count_of(s, "count") != n) {
            cli_failf("%s: shard %d of %llu, and %s is one of %d: not the same job", marker[i], k,
                      count_of(s, "count"), marker[0], n);
            goto done;
        }
        if (k < 0 || k >= n) { cli_failf("%s: shard index %d of %d", marker[i], k, n); goto done; }
        if (by[k]) { cli_failf("shard %d of %d given twice: %s and %s", k, n, mk_by[k], marker[i]); goto done; }
        if (infer_identity_diff(cJSON_GetObjectItemCaseSensitive(m[0], "identity"),
                                cJSON_GetObjectItemCaseSensitive(m[i], "identity"), msg, sizeof msg)) {
            cli_failf("%s is not from the same job as %s: %s", marker[i], marker[0], msg);
            goto done;
        }
        by[k] = m[i], mk_by[k] = marker[i];
    }
    for (int k = 0; k < n; k++)
        if (!by[k]) {
            cli_failf("shard %d of %d is missing: name all %d shards (OUT.shard-*-of-%05d.*)", k, n, n, n);
            goto done;
        }
    size_t dim = (size_t)count_of(by[0], "dim");
    if (o->output_embeddings) {
        for (int k = 0; k < n; k++)
            if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(by[k], "embeddings"))) {
                cli_failf("--output_embeddings: shard %d (%s) was run without --output_embeddings", k, mk_by[k]);
                goto done;
            }
        if (tc_npy_writer_open(o->output_embeddings, dim, &w)) { cli_fail(tc_last_error()); goto done; }
    }
    if (tc_atomic_file_open(o->output, &out)) { cli_fail(tc_last_error()); goto done; }
    unsigned long long texts = 0, skipped = 0;
    for (int k = 0; k < n; k++) {
        char *shard_out = strndup(mk_by[k], strlen(mk_by[k]) - 5);
        int bad = !shard_out || copy_output(shard_out, tc_atomic_file_stream(out), count_of(by[k], "texts"), &st);
        free(shard_out);
        if (bad) goto done;
        if (w) {
            char *e = embeddings_of(by[k], mk_by[k]);
            bad = !e || copy_embeddings(e, (size_t)count_of(by[k], "embedding_rows"), dim, w);
            free(e);
            if (bad) goto done;
        }
        texts += count_of(by[k], "texts"), skipped += count_of(by[k], "skipped");
    }
    tc_atomic_file *done_out = out;
    out = NULL;
    if (tc_atomic_file_commit(done_out)) { cli_fail(tc_last_error()); goto done; }
    if (w) {
        tc_npy_writer *ww = w;
        w = NULL;
        if (tc_npy_writer_close(ww)) { cli_fail(tc_last_error()); goto done; }
    }
    cli_term_printf(stdout, "merged %d shards into %s: %llu texts, %llu malformed records skipped\n",
                    n, o->output, texts, skipped);
    stats_print(&st, texts);
    rc = 0;
done:
    tc_atomic_file_abort(out);
    tc_npy_writer_abort(w);
    stats_free(&st);
    for (int i = 0; m && marker && i < o->n_paths; i++) cJSON_Delete(m[i]), free(marker[i]);
    free(m), free(marker), free(by), free(mk_by);
    return rc;
}

int cmd_merge(cli_opts *o) {
    int rc = merge_shards(o);
    free(o->paths), o->paths = NULL, o->n_paths = 0;  /* cli_parse's list */
    return rc;
}
