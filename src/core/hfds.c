/* hfds.c - the two Hugging Face datasets the reference's --build_hf_ds
 * builds from a fitted classifier (run_pipeline.py: build_hf_data_files,
 * build_hf_data_clusters + extract_res), written as Parquet into a save's
 * staging area so they are committed with that save:
 *   hf_texts.parquet     X, Y (float32), labels (int64), content_display
 *                        (textwrap.fill(text[:1024], 64)), one row per text;
 *   hf_clusters.parquet  cluster_id (int64), summary, examples (list of the
 *                        cluster's texts in order), position ([x, y] mean
 *                        projection, doubles), and in single_topic mode
 *                        category and educational_score; one row per
 *                        cluster, noise (-1) left out, in the order labels
 *                        first appear (the reference's label2docs order).
 * Every column is optional, as pyarrow makes pandas columns; a missing
 * summary is null. */
#include "core/core.h"
#include "io/io.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int write_texts(const tc_classifier *c, const char *path) {
    static const tc_parquet_column cols[] = {
        {"X", TC_PQ_FLOAT, 1}, {"Y", TC_PQ_FLOAT, 1}, {"labels", TC_PQ_INT64, 1},
        {"content_display", TC_PQ_STRING, 1},
    };
    tc_parquet_writer *w;
    int rc = tc_parquet_writer_open(path, cols, 4, NULL, &w);
    for (size_t i = 0; !rc && i < c->n; i++) {
        char *shown = tc_textwrap_fill(c->texts[i], strlen(c->texts[i]), 1024, 64);
        if (!shown) rc = tc_error(TC_ENOMEM, "%s: out of memory", path);
        if (!rc) rc = tc_parquet_writer_float(w, c->proj[2 * i]);
        if (!rc) rc = tc_parquet_writer_float(w, c->proj[2 * i + 1]);
        if (!rc) rc = tc_parquet_writer_int64(w, c->labels[i]);
        if (!rc) rc = tc_parquet_writer_string(w, shown, strlen(shown));
        if (!rc) rc = tc_parquet_writer_row_end(w);
        free(shown);
    }
    if (rc) {
        tc_parquet_writer_abort(w);
        return rc;
    }
    return tc_parquet_writer_close(w);
}

/* The clusters in first-appearance order and their members: cluster j of
 * order[] has the texts member[start[j] .. start[j + 1]). */
typedef struct {
    size_t k;            /* clusters, noise left out */
    size_t *order;       /* (k) index into c->centre_label, first appearance order */
    size_t *start;       /* (k + 1) by that index */
    size_t *member;      /* (n) text indices grouped by cluster, in order */
} groups;

static int group_texts(const tc_classifier *c, groups *g) {
    size_t nc = c->n_centres;
    memset(g, 0, sizeof *g);
    size_t *cl = malloc((c->n ? c->n : 1) * sizeof *cl);
    size_t *count = calloc(nc + 1, sizeof *count);
    int *seen = calloc(nc ? nc : 1, sizeof *seen);
    g->order = malloc((nc ? nc : 1) * sizeof *g->order);
    g->start = calloc(nc + 1, sizeof *g->start);
    g->member = malloc((c->n ? c->n : 1) * sizeof *g->member);
    int rc = cl && count && seen && g->order && g->start && g->member ? 0 : tc_error(TC_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < c->n; i++) {
        const int64_t *hit = bsearch(&c->labels[i], c->centre_label, nc, sizeof *hit, cmp_i64);
        if (!hit) { rc = tc_error(TC_EINVAL, "label %lld has no centre", (long long)c->labels[i]); break; }
        size_t j = (size_t)(hit - c->centre_label);
        cl[i] = j;
        count[j]++;
        if (!seen[j] && *hit != -1) seen[j] = 1, g->order[g->k++] = j;
    }
    if (!rc) {
        for (size_t j = 0; j < nc; j++) g->start[j + 1] = g->start[j] + count[j];
        memset(count, 0, (nc + 1) * sizeof *count);
        for (size_t i = 0; i < c->n; i++) g->member[g->start[cl[i]] + count[cl[i]]++] = i;
    }
    free(cl), free(count), free(seen);
    if (rc) free(g->order), free(g->start), free(g->member);
    return rc;
}

static int write_clusters(const tc_classifier *c, const char *path) {
    int single = c->p.label.topic_mode == TC_TOPIC_SINGLE;
    static const tc_parquet_column cols[] = {
        {"cluster_id", TC_PQ_INT64, 1}, {"summary", TC_PQ_STRING, 1},
        {"examples", TC_PQ_LIST_STRING, 1}, {"position", TC_PQ_LIST_DOUBLE, 1},
        {"category", TC_PQ_STRING, 1}, {"educational_score", TC_PQ_STRING, 1},
    };
    groups g;
    int rc = group_texts(c, &g);
    if (rc) return rc;
    tc_parquet_writer *w;
    rc = tc_parquet_writer_open(path, cols, single ? 6 : 4, NULL, &w);
    for (size_t r = 0; !rc && r < g.k; r++) {
        size_t j = g.order[r];
        int64_t label = c->centre_label[j];
        const char *summary = tc_classifier_summary(c, label);
        rc = tc_parquet_writer_int64(w, label);
        if (!rc) rc = tc_parquet_writer_string(w, summary, summary ? strlen(summary) : 0);
        if (!rc) rc = tc_parquet_writer_list_begin(w);
        double x = 0, y = 0;
        for (size_t m = g.start[j]; !rc && m < g.start[j + 1]; m++) {
            size_t i = g.member[m];
            x += c->proj[2 * i], y += c->proj[2 * i + 1];
            rc = tc_parquet_writer_string(w, c->texts[i], strlen(c->texts[i]));
        }
        double size = (double)(g.start[j + 1] - g.start[j]);
        if (!rc) rc = tc_parquet_writer_list_end(w);
        if (!rc) rc = tc_parquet_writer_list_begin(w);
        if (!rc) rc = tc_parquet_writer_double(w, x / size);
        if (!rc) rc = tc_parquet_writer_double(w, y / size);
        if (!rc) rc = tc_parquet_writer_list_end(w);
        if (!rc && single) {
            char *cat, *score;
            if (tc_summary_split(summary, &cat, &score)) {
                rc = tc_error(TC_ENOMEM, "%s: out of memory", path);
            } else {
                rc = tc_parquet_writer_string(w, cat, cat ? strlen(cat) : 0);
                if (!rc) rc = tc_parquet_writer_string(w, score, score ? strlen(score) : 0);
            }
            free(cat), free(score);
        }
        if (!rc) rc = tc_parquet_writer_row_end(w);
    }
    free(g.order), free(g.start), free(g.member);
    if (rc) {
        tc_parquet_writer_abort(w);
        return rc;
    }
    return tc_parquet_writer_close(w);
}

int tc_classifier_hf_datasets_to(const tc_classifier *c, tc_save_folder *f) {
    if (!c || !f) return tc_error(TC_EINVAL, "tc_classifier_hf_datasets_to: no classifier or folder");
    if (!c->n) return tc_error(TC_EINVAL, "no datasets to build: the classifier is not fitted");
    const char *stage;
    int rc = tc_save_folder_stage(f, &stage);
    char path[4400];
    if (!rc) {
        snprintf(path, sizeof path, "%s/hf_texts.parquet", stage);
        rc = write_texts(c, path);
    }
    if (!rc) {
        snprintf(path, sizeof path, "%s/hf_clusters.parquet", stage);
        rc = write_clusters(c, path);
    }
    return rc ? tc_error_prefix(rc, "building the Hugging Face datasets of %s", tc_save_folder_path(f)) : 0;
}
