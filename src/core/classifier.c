/* classifier.c - the pipeline: fit (embed, UMAP, cluster, name), infer by
 * majority vote of the nearest training texts, and the accessors. */
#include "core/core.h"
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- life */

int tc_classifier_new(const tc_params *p, tc_classifier **out) {
    *out = NULL;
    tc_classifier *c = calloc(1, sizeof *c);
    if (!c) return tc_error(TC_ENOMEM, "out of memory");
    tc_params d = tc_default_params();
    int rc = tc_params_copy(&c->p, p ? p : &d);
    if (rc) { free(c); return rc; }
    tc_params_inherit(&c->p);
    pthread_mutex_init(&c->enc_lock, NULL);
    *out = c;
    return 0;
}

void tc_classifier_clear(tc_classifier *c) {
    for (size_t i = 0; c->texts && i < c->n; i++) free(c->texts[i]);
    free(c->texts);
    free(c->emb);
    free(c->proj);
    free(c->labels);
    tc_cluster_labels_free(c->names, c->n_names);
    tc_topic_nodes_free(c->tree, c->n_tree);
    c->tree = NULL, c->n_tree = 0;
    free(c->centre_label);
    free(c->centre);
    free(c->centre_size);
    c->texts = NULL, c->emb = c->proj = c->centre = NULL, c->labels = c->centre_label = NULL;
    c->centre_size = NULL;
    free(c->enc_state);
    c->enc_state = NULL, c->enc_state_len = 0;
    c->names = NULL, c->n_names = c->n_centres = c->n = 0;
    c->dim = 0;
    memset(&c->stats, 0, sizeof c->stats);
}

void tc_classifier_free(tc_classifier *c) {
    if (!c) return;
    tc_classifier_clear(c);
    tc_encoder_free(c->enc);
    pthread_mutex_destroy(&c->enc_lock);
    tc_params_free(&c->p);
    free(c);
}

int tc_classifier_open_encoder(tc_classifier *c) {
    if (c->enc) return 0;
    /* A loaded folder names its encoder; an explicit embed_model wins. A
     * folder that names none (no textclust.json: the Python reference's, or
     * one whose file was lost) may hold any encoder's vectors, and another
     * encoder of the same width would give wrong labels without a word. */
    if (c->dim > 0 && !c->model[0]) {
        if (!c->p.embed_model)
            return tc_error(TC_EINVAL, "the save folder does not record the encoder of its embeddings "
                                       "(no model in textclust.json); name it with --embed_model");
        tc_warn("the save folder does not record the encoder of its embeddings; using %s as "
                "--embed_model says", c->p.embed_model);
    }
    const char *model = c->p.embed_model ? c->p.embed_model : c->model[0] ? c->model : NULL;
    if (model && strcmp(model, "precomputed") == 0)
        return tc_error(TC_EINVAL, "the embeddings were precomputed outside textclust; "
                                   "name the encoder that made them (--embed_model)");
    /* infer embeds in the dtype the fit recorded, so that a training text
     * gets its stored vector back; an explicit --embed_dtype wins */
    tc_encoder_params ep = c->p.encoder;
    if (ep.dtype == TC_DTYPE_AUTO && c->dtype > 0) ep.dtype = c->dtype;
    int rc = tc_encoder_open(model, &ep, &c->enc);
    if (rc) return rc;
    if (c->dtype > 0 && tc_dtype_by_name(tc_encoder_dtype(c->enc)) != c->dtype)
        tc_warn("the save's embeddings were made in %s; this CPU (or TEXTCLUST_CPU) runs %s, so new vectors differ "
                "slightly", tc_dtype_name(c->dtype), tc_encoder_dtype(c->enc));
    /* an encoder fitted on the training texts takes back what it learned */
    if (tc_encoder_needs_fit(c->enc) && c->dim) {
        rc = c->enc_state ? tc_encoder_set_state(c->enc, c->enc_state, c->enc_state_len, "tfidf.bin")
                          : tc_error(TC_ENOTFOUND, "encoder %s is fitted on the training texts, but the save folder "
                                     "has no tfidf.bin holding what it learned", tc_encoder_name(c->enc));
        if (rc) { tc_encoder_free(c->enc); c->enc = NULL; return rc; }
    }
    if (c->dim && tc_encoder_dim(c->enc) != c->dim) {
        rc = tc_error(TC_EMISMATCH, "encoder %s gives %d-dim vectors but the training "
                      "embeddings have %d dims; pass the encoder that made them (--embed_model)",
                      tc_encoder_name(c->enc), tc_encoder_dim(c->enc), c->dim);
        tc_encoder_free(c->enc);
        c->enc = NULL;
    }
    return rc;
}

/* ---------------------------------------------------------------- fit */

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int tc_classifier_compute_centres(tc_classifier *c) {
    free(c->centre_label);
    free(c->centre);
    free(c->centre_size);
    c->centre_label = NULL, c->centre = NULL, c->centre_size = NULL, c->n_centres = 0;
    if (!c->n) return 0;
    int64_t *ids = malloc(c->n * sizeof *ids);
    if (!ids) return tc_error(TC_ENOMEM, "out of memory");
    memcpy(ids, c->labels, c->n * sizeof *ids);
    qsort(ids, c->n, sizeof *ids, cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        if (i == 0 || ids[i] != ids[k - 1]) ids[k++] = ids[i];
    double *sum = calloc(3 * k, sizeof *sum); /* (k, [x, y, count]) */
    float *centre = malloc(2 * k * sizeof *centre);
    size_t *size = malloc(k * sizeof *size);
    if (!sum || !centre || !size) {
        free(ids), free(sum), free(centre), free(size);
        return tc_error(TC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < c->n; i++) {
        int64_t *hit = bsearch(&c->labels[i], ids, k, sizeof *ids, cmp_i64);
        double *s = sum + 3 * (size_t)(hit - ids);
        s[0] += c->proj[2 * i], s[1] += c->proj[2 * i + 1], s[2] += 1;
    }
    for (size_t j = 0; j < k; j++) {
        centre[2 * j] = (float)(sum[3 * j] / sum[3 * j + 2]);
        centre[2 * j + 1] = (float)(sum[3 * j + 1] / sum[3 * j + 2]);
        size[j] = (size_t)sum[3 * j + 2];
    }
    free(sum);
    c->centre_label = ids, c->centre = centre, c->centre_size = size, c->n_centres = k;
    return 0;
}

static int copy_texts(tc_classifier *c, const char *const *texts, size_t n) {
    c->texts = calloc(n, sizeof *c->texts);
    if (!c->texts) return tc_error(TC_ENOMEM, "out of memory");
    c->n = n;
    for (size_t i = 0; i < n; i++)
        if (!(c->texts[i] = strdup(texts[i]))) return tc_error(TC_ENOMEM, "out of memory");
    return 0;
}

/* tfidf learns from the texts of the fit; the save keeps what it learned. */
static int fit_encoder(tc_classifier *c, const char *const *texts, size_t n) {
    if (!tc_encoder_needs_fit(c->enc)) return 0;
    int rc = tc_encoder_fit(c->enc, texts, n);
    return rc ? rc : tc_encoder_state(c->enc, &c->enc_state, &c->enc_state_len);
}

int tc_classifier_fit(tc_classifier *c, const char *const *texts, size_t n,
                      const float *embeddings, int d) {
    if (!c || !texts) return tc_error(TC_EINVAL, "tc_classifier_fit: NULL argument");
    if (n == 0) return tc_error(TC_EINVAL, "no texts to fit on");
    for (size_t i = 0; i < n; i++)
        if (!texts[i]) return tc_error(TC_EINVAL, "text %zu is NULL", i);
    if (embeddings && d <= 0) return tc_error(TC_EINVAL, "embedding dimension %d", d);
    tc_classifier_clear(c);
    int rc = copy_texts(c, texts, n);
    if (rc) goto fail;

    /* 1. embed (precomputed vectors are used as given, like the reference) */
    double t = tc_now();
    if (embeddings) {
        /* Vectors said to come from a named encoder are checked against it
         * and saved under its name, so that infer embeds new texts alike. */
        c->dim = d;
        if (c->p.embed_model) {
            if (!c->enc && (rc = tc_encoder_open(c->p.embed_model, &c->p.encoder, &c->enc))) goto fail;
            if ((rc = fit_encoder(c, texts, n))) goto fail;
            if (tc_encoder_dim(c->enc) != d) {
                rc = tc_error(TC_EMISMATCH, "the precomputed embeddings have %d dims but %s gives %d-dim "
                              "vectors; name the encoder that made them (--embed_model), or none", d,
                              tc_encoder_name(c->enc), tc_encoder_dim(c->enc));
                goto fail;
            }
        }
        snprintf(c->model, sizeof c->model, "%s", c->enc ? tc_encoder_name(c->enc) : "precomputed");
        c->dtype = 0;   /* who knows how they were made */
        if (!(c->emb = malloc(n * (size_t)d * sizeof *c->emb))) { rc = tc_error(TC_ENOMEM, "out of memory"); goto fail; }
        memcpy(c->emb, embeddings, n * (size_t)d * sizeof *c->emb);
    } else {
        c->model[0] = 0;
        c->dtype = 0;
        if ((rc = tc_classifier_open_encoder(c))) goto fail;
        if ((rc = fit_encoder(c, texts, n))) goto fail;
        c->dim = tc_encoder_dim(c->enc);
        c->dtype = tc_dtype_by_name(tc_encoder_dtype(c->enc));
        snprintf(c->model, sizeof c->model, "%s", tc_encoder_name(c->enc));
        if (!(c->emb = malloc(n * (size_t)c->dim * sizeof *c->emb))) {
            rc = tc_error(TC_ENOMEM, "out of memory for %zu x %d embeddings", n, c->dim);
            goto fail;
        }
        if ((rc = tc_encoder_embed(c->enc, texts, n, c->emb))) goto fail;
    }
    c->stats.embed_s = tc_now() - t;

    /* 2. project to 2-D */
    t = tc_now();
    c->p.umap.n_components = 2;
    if (!(c->proj = malloc(n * 2 * sizeof *c->proj))) { rc = tc_error(TC_ENOMEM, "out of memory"); goto fail; }
    if ((rc = tc_umap_fit(c->emb, n, c->dim, &c->p.umap, c->proj))) goto fail;
    c->stats.umap_s = tc_now() - t;

    /* 3. cluster the map */
    t = tc_now();
    if (!(c->labels = malloc(n * sizeof *c->labels))) { rc = tc_error(TC_ENOMEM, "out of memory"); goto fail; }
    tc_cluster_merge *merges = NULL; /* HDBSCAN's hierarchy, for the topic tree */
    size_t n_merges = 0;
    rc = c->p.cluster_method == TC_CLUSTER_HDBSCAN /* each reports "cluster" from 0 to n */
             ? tc_hdbscan_hierarchy(c->proj, n, 2, &c->p.hdbscan, c->labels, &merges, &n_merges)
             : tc_dbscan(c->proj, n, 2, &c->p.dbscan, c->labels);
    size_t n_noise = 0;
    for (size_t i = 0; !rc && c->p.assign_noise && i < n; i++) n_noise += c->labels[i] < 0;
    if (!rc && n_noise) { /* stage "noise": the noise points given their nearest cluster */
        rc = tc_progress(c->p.progress, c->p.progress_ctx, "noise", 0, n_noise);
        if (!rc) rc = tc_assign_noise_within(c->proj, n, 2, c->p.assign_noise_max_distance, c->labels);
        if (!rc) rc = tc_progress(c->p.progress, c->p.progress_ctx, "noise", n_noise, n_noise);
    }
    if (rc) { free(merges); goto fail; }
    for (size_t i = 0; i < n; i++) c->stats.n_noise += c->labels[i] < 0;
    if ((rc = tc_classifier_compute_centres(c))) { free(merges); goto fail; }
    c->stats.cluster_s = tc_now() - t;

    /* 4. the topic tree; name the clusters and its nodes */
    t = tc_now();
    rc = tc_classifier_topics(c, merges, n_merges);
    free(merges);
    if (rc) goto fail;
    c->stats.label_s = tc_now() - t;
    return 0;
fail:
    tc_classifier_clear(c);
    return rc;
}

/* ---------------------------------------------------------------- infer */

/* Labels by the top_k nearest, and, when xy is set, map positions from the
 * max(top_k, TC_XY_MIN_K) nearest: one search serves both. */
static int infer_vectors(const tc_classifier *c, const float *e, size_t m, int top_k,
                         int64_t *labels, float *dist, float *xy) {
    if (!c->n) return tc_error(TC_EINVAL, "the classifier is not fitted");
    if (top_k < 1) return tc_error(TC_EINVAL, "top_k must be at least 1 (got %d)", top_k);
    if (xy && !c->proj) return tc_error(TC_EINVAL, "the classifier has no map positions");
    size_t k = (size_t)top_k < c->n ? (size_t)top_k : c->n;
    size_t ks = xy && k < TC_XY_MIN_K ? (TC_XY_MIN_K < c->n ? TC_XY_MIN_K : c->n) : k;
    float *d = malloc(m * ks * sizeof *d);        /* (m, ks) nearest first */
    int64_t *ids = malloc(m * ks * sizeof *ids);  /* (m, ks) */
    if (!d || !ids) { free(d), free(ids); return tc_error(TC_ENOMEM, "out of memory"); }
    int rc = tc_knn_search_progress(c->emb, c->n, c->dim, e, m, (int)ks, c->p.n_threads,
                                    c->p.progress, c->p.progress_ctx, d, ids);
    for (size_t q = 0; !rc && xy && q < m; q++) {
        /* Shepard's inverse-distance weights on the squared distances: a text
         * equal to a training text lands on it */
        double sx = 0, sy = 0, sw = 0;
        for (size_t i = 0; i < ks; i++) {
            double w = 1.0 / ((double)d[q * ks + i] + 1e-6);
            const float *p = c->proj + 2 * (size_t)ids[q * ks + i];
            sx += w * p[0], sy += w * p[1], sw += w;
        }
        xy[2 * q] = (float)(sx / sw), xy[2 * q + 1] = (float)(sy / sw);
    }
    for (size_t q = 0; !rc && q < m; q++) {
        /* Majority of the neighbours' labels; a tie goes to the label seen
         * first, i.e. the nearer neighbour (as collections.Counter orders). */
        const int64_t *nb = ids + q * ks;
        int64_t best = c->labels[nb[0]];
        size_t best_count = 0;
        for (size_t i = 0; i < k; i++) {
            int64_t l = c->labels[nb[i]];
            size_t count = 0, seen_before = 0;
            for (size_t j = 0; j < k; j++) count += c->labels[nb[j]] == l;
            for (size_t j = 0; j < i; j++) seen_before |= c->labels[nb[j]] == l;
            if (!seen_before && count > best_count) best = l, best_count = count;
        }
        labels[q] = best;
        if (dist) dist[q] = d[q * ks];
    }
    free(d);
    free(ids);
    return rc;
}

int tc_classifier_infer_vectors(const tc_classifier *c, const float *e, size_t m, int top_k,
                                int64_t *labels, float *dist) {
    return infer_vectors(c, e, m, top_k, labels, dist, NULL);
}

int tc_classifier_infer(const tc_classifier *c, const char *const *texts, size_t m, int top_k,
                        int64_t *labels, float *dist, float *embeddings) {
    return tc_classifier_infer_xy(c, texts, m, top_k, labels, dist, embeddings, NULL);
}

int tc_classifier_infer_xy(const tc_classifier *c, const char *const *texts, size_t m, int top_k,
                           int64_t *labels, float *dist, float *embeddings, float *xy) {
    if (!c || (m && (!texts || !labels))) return tc_error(TC_EINVAL, "tc_classifier_infer: NULL argument");
    if (!c->n) return tc_error(TC_EINVAL, "the classifier is not fitted");
    if (!m) return 0;
    float *e = embeddings ? embeddings : malloc(m * (size_t)c->dim * sizeof *e);
    if (!e) return tc_error(TC_ENOMEM, "out of memory");
    /* The encoder is a cache beside the fitted data, not part of it: opened
     * by the first call, and its scratch memory serves one call at a time,
     * so concurrent calls take turns here and search side by side below. */
    tc_classifier *cache = (tc_classifier *)c;
    pthread_mutex_lock(&cache->enc_lock);
    int rc = tc_classifier_open_encoder(cache);
    if (!rc) rc = tc_encoder_embed(cache->enc, texts, m, e);
    pthread_mutex_unlock(&cache->enc_lock);
    if (!rc) rc = infer_vectors(c, e, m, top_k, labels, dist, xy);
    if (e != embeddings) free(e);
    return rc;
}

/* ---------------------------------------------------------------- access */

size_t tc_classifier_n_texts(const tc_classifier *c) { return c->n; }
int tc_classifier_dim(const tc_classifier *c) { return c->dim; }
const char *tc_classifier_text(const tc_classifier *c, size_t i) { return i < c->n ? c->texts[i] : NULL; }
const float *tc_classifier_embeddings(const tc_classifier *c) { return c->emb; }
const float *tc_classifier_projections(const tc_classifier *c) { return c->proj; }
const int64_t *tc_classifier_labels(const tc_classifier *c) { return c->labels; }
const tc_params *tc_classifier_params(const tc_classifier *c) { return &c->p; }
const char *tc_classifier_model(const tc_classifier *c) { return c->model; }
tc_fit_stats tc_classifier_stats(const tc_classifier *c) { return c->stats; }

size_t tc_classifier_n_clusters(const tc_classifier *c) {
    size_t k = 0;
    for (size_t j = 0; j < c->n_centres; j++) k += c->centre_label[j] >= 0;
    return k;
}

const tc_cluster_label *tc_classifier_cluster_labels(const tc_classifier *c, size_t *n) {
    if (n) *n = c->n_names;
    return c->names;
}

const char *tc_classifier_summary(const tc_classifier *c, int64_t label) {
    if (label < 0) return "None";
    for (size_t j = 0; j < c->n_names; j++)
        if (c->names[j].label == label) return c->names[j].summary;
    return NULL;
}

int tc_classifier_centre(const tc_classifier *c, int64_t label, float xy[2]) {
    int64_t *hit = c->n_centres ? bsearch(&label, c->centre_label, c->n_centres,
                                          sizeof label, cmp_i64) : NULL;
    if (!hit) return tc_error(TC_ENOTFOUND, "no cluster %lld", (long long)label);
    size_t j = (size_t)(hit - c->centre_label);
    xy[0] = c->centre[2 * j], xy[1] = c->centre[2 * j + 1];
    return 0;
}
