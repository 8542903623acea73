/* arrays.c - a classifier from the caller's arrays (tc_classifier_from_arrays):
 * what a binding or a database holds becomes a classifier that infers, saves
 * and plots as a fitted one does, with no file in between. The arrays are
 * copied, so the caller may free them as soon as the call returns. */
#include "core/core.h"
#include "label/label.h"
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- checks */

static int check_finite(const char *what, const float *x, size_t rows, size_t cols) {
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            if (!isfinite(x[i * cols + j]))
                return tc_error(TC_EINVAL, "tc_classifier_from_arrays: %s: row %zu, column %zu is %g "
                                "(values must be finite)", what, i, j, (double)x[i * cols + j]);
    return 0;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int check_arrays(const tc_classifier_arrays *a) {
    if (!a) return tc_error(TC_EINVAL, "tc_classifier_from_arrays: no arrays");
    if (a->n == 0) return tc_error(TC_EINVAL, "tc_classifier_from_arrays: n: no texts");
    if (a->dim < 1) return tc_error(TC_EINVAL, "tc_classifier_from_arrays: dim: %d (must be >= 1)", a->dim);
    if (!a->texts || !a->embeddings || !a->projections || !a->labels)
        return tc_error(TC_EINVAL, "tc_classifier_from_arrays: %s: NULL (texts, embeddings, projections "
                        "and labels are required)", !a->texts ? "texts" : !a->embeddings ? "embeddings"
                        : !a->projections ? "projections" : "labels");
    if (a->n > SIZE_MAX / sizeof(float) / (size_t)a->dim)
        return tc_error(TC_EINVAL, "tc_classifier_from_arrays: n x dim = %zu x %d is too large", a->n, a->dim);
    for (size_t i = 0; i < a->n; i++)
        if (!a->texts[i]) return tc_error(TC_EINVAL, "tc_classifier_from_arrays: texts: text %zu is NULL", i);
    int rc = check_finite("embeddings", a->embeddings, a->n, (size_t)a->dim);
    if (!rc) rc = check_finite("projections", a->projections, a->n, 2);
    if (rc) return rc;
    if (a->n_summaries && (!a->summary_labels || !a->summaries))
        return tc_error(TC_EINVAL, "tc_classifier_from_arrays: n_summaries is %zu but %s is NULL",
                        a->n_summaries, !a->summary_labels ? "summary_labels" : "summaries");
    return 0;
}

/* ---------------------------------------------------------------- copies */

static int copy_summaries(tc_classifier *c, const tc_classifier_arrays *a) {
    if (!a->n_summaries) return 0;
    /* the distinct labels of the texts, to check each summary's cluster */
    int64_t *ids = malloc(c->n * sizeof *ids);
    if (!ids) return tc_error(TC_ENOMEM, "out of memory");
    memcpy(ids, c->labels, c->n * sizeof *ids);
    qsort(ids, c->n, sizeof *ids, cmp_i64);
    c->names = calloc(a->n_summaries, sizeof *c->names);
    if (!c->names) { free(ids); return tc_error(TC_ENOMEM, "out of memory"); }
    int rc = 0;
    for (size_t s = 0; s < a->n_summaries && !rc; s++) {
        int64_t label = a->summary_labels[s];
        if (label < 0) continue;
        if (!a->summaries[s])
            rc = tc_error(TC_EINVAL, "tc_classifier_from_arrays: summaries: entry %zu (cluster %lld) is NULL",
                          s, (long long)label);
        else if (!bsearch(&label, ids, c->n, sizeof *ids, cmp_i64))
            rc = tc_error(TC_EINVAL, "tc_classifier_from_arrays: summary_labels: entry %zu names cluster %lld, "
                          "which no text has", s, (long long)label);
        for (size_t t = 0; !rc && t < c->n_names; t++)
            if (c->names[t].label == label)
                rc = tc_error(TC_EINVAL, "tc_classifier_from_arrays: summary_labels: cluster %lld "
                              "appears twice (again at entry %zu)", (long long)label, s);
        if (rc) break;
        tc_cluster_label *l = &c->names[c->n_names++];
        l->label = label;
        l->score = -1;
        if (!(l->summary = strdup(a->summaries[s]))) rc = tc_error(TC_ENOMEM, "out of memory");
        else if (c->p.label.topic_mode == TC_TOPIC_SINGLE)
            rc = tc_summary_single_parse(l->summary, &l->topic, &l->score);
    }
    free(ids);
    if (rc) return rc;
    /* ascending label order, as fit and load leave them */
    for (size_t i = 1; i < c->n_names; i++)
        for (size_t j = i; j > 0 && c->names[j - 1].label > c->names[j].label; j--) {
            tc_cluster_label t = c->names[j];
            c->names[j] = c->names[j - 1], c->names[j - 1] = t;
        }
    return 0;
}

static int copy_arrays(tc_classifier *c, const tc_classifier_arrays *a) {
    size_t n = a->n, d = (size_t)a->dim;
    c->texts = calloc(n, sizeof *c->texts);
    c->emb = malloc(n * d * sizeof *c->emb);
    c->proj = malloc(n * 2 * sizeof *c->proj);
    c->labels = malloc(n * sizeof *c->labels);
    c->n = n;   /* tc_classifier_clear frees as many texts */
    if (!c->texts || !c->emb || !c->proj || !c->labels)
        return tc_error(TC_ENOMEM, "out of memory for %zu texts of %zu dims", n, d);
    for (size_t i = 0; i < n; i++)
        if (!(c->texts[i] = strdup(a->texts[i]))) return tc_error(TC_ENOMEM, "out of memory");
    memcpy(c->emb, a->embeddings, n * d * sizeof *c->emb);
    memcpy(c->proj, a->projections, n * 2 * sizeof *c->proj);
    memcpy(c->labels, a->labels, n * sizeof *c->labels);
    c->dim = a->dim;
    for (size_t i = 0; i < n; i++) c->stats.n_noise += c->labels[i] < 0;
    if (a->model && strlen(a->model) >= sizeof c->model)
        return tc_error(TC_EINVAL, "tc_classifier_from_arrays: model: id longer than %zu bytes",
                        sizeof c->model - 1);
    snprintf(c->model, sizeof c->model, "%s", a->model ? a->model : "");
    int rc = copy_summaries(c, a);
    return rc ? rc : tc_classifier_compute_centres(c);
}

int tc_classifier_from_arrays(const tc_params *p, const tc_classifier_arrays *a,
                              tc_classifier **out) {
    if (!out) return tc_error(TC_EINVAL, "tc_classifier_from_arrays: out is NULL");
    *out = NULL;
    int rc = check_arrays(a);
    if (rc) return rc;
    tc_classifier *c;
    if ((rc = tc_classifier_new(p, &c))) return rc;
    if ((rc = copy_arrays(c, a))) {
        tc_classifier_free(c);
        return rc;
    }
    *out = c;
    return 0;
}
