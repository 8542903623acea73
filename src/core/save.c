/* save.c - the save folder, as the Python reference writes and reads it:
 *   embeddings.npy (n, d) f4, projections.npy (n, 2) f4, cluster_labels.npy
 *   (n) i8, texts.json, cluster_summaries.json {"-1": "None", "0": ...},
 *   faiss.index (IndexFlatL2 of the embeddings)
 * plus textclust.json (our parameters, model id, cluster names and scores)
 * and, for an encoder fitted on the texts (tfidf), tfidf.bin.
 * The files go into the folder's staging area; folder.c puts them in place. */
#include "core/core.h"
#include "io/io.h"
#include "label/label.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- files */

static int write_file(const char *path, const char *data) { return tc_atomic_write(path, data, strlen(data)); }

static int save_json(const char *dir, const char *name, cJSON *json, int pretty) {
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = json ? (pretty ? cJSON_Print(json) : cJSON_PrintUnformatted(json)) : NULL;
    int rc = text ? write_file(path, text) : tc_error(TC_ENOMEM, "%s: out of memory", path);
    cJSON_free(text);
    return rc;
}

/* Floats print as their shortest decimal (0.1, not 0.10000000149). */
static cJSON *num_f(float x) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.7g", (double)x);
    return cJSON_CreateNumber(strtod(buf, NULL));
}

/* ---------------------------------------------------------------- save */

/* cluster_summaries.json as the reference's json.dump writes it. */
static int save_summaries(const tc_classifier *c, const char *path) {
    size_t n = c->n_names + 1;
    char (*key)[24] = malloc(n * sizeof *key);
    const char **keys = malloc(n * sizeof *keys), **vals = malloc(n * sizeof *vals);
    int rc = key && keys && vals ? 0 : tc_error(TC_ENOMEM, "%s: out of memory", path);
    for (size_t j = 0; !rc && j < n; j++) {
        if (j == 0) snprintf(key[j], sizeof key[j], "-1");
        else snprintf(key[j], sizeof key[j], "%lld", (long long)c->names[j - 1].label);
        keys[j] = key[j];
        vals[j] = j == 0 ? "None" : c->names[j - 1].summary ? c->names[j - 1].summary : "";
    }
    if (!rc) rc = tc_json_save_map(path, keys, vals, n);
    free(key), free(keys), free(vals);
    return rc;
}

static cJSON *meta_json(const tc_classifier *c) {
    const tc_params *p = &c->p;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "format", "textclust save folder");
    cJSON_AddStringToObject(o, "version", TC_VERSION);
    cJSON_AddStringToObject(o, "model", c->model);
    if (c->dtype > 0) cJSON_AddStringToObject(o, "embed_dtype", tc_dtype_name(c->dtype));
    cJSON_AddNumberToObject(o, "dim", c->dim);
    cJSON_AddNumberToObject(o, "n_texts", (double)c->n);
    cJSON_AddNumberToObject(o, "seed", (double)p->seed);
    cJSON_AddNumberToObject(o, "n_threads", tc_threads(p->n_threads));

    cJSON *u = cJSON_AddObjectToObject(o, "umap");
    cJSON_AddNumberToObject(u, "n_neighbors", p->umap.n_neighbors);
    cJSON_AddItemToObject(u, "min_dist", num_f(p->umap.min_dist));
    cJSON_AddItemToObject(u, "spread", num_f(p->umap.spread));
    cJSON_AddNumberToObject(u, "n_epochs", p->umap.n_epochs);
    cJSON_AddItemToObject(u, "learning_rate", num_f(p->umap.learning_rate));
    cJSON_AddNumberToObject(u, "negative_sample_rate", p->umap.negative_sample_rate);
    cJSON_AddItemToObject(u, "repulsion_strength", num_f(p->umap.repulsion_strength));
    cJSON_AddItemToObject(u, "local_connectivity", num_f(p->umap.local_connectivity));
    cJSON_AddItemToObject(u, "set_op_mix_ratio", num_f(p->umap.set_op_mix_ratio));
    cJSON_AddStringToObject(u, "init", p->umap.init == TC_UMAP_INIT_RANDOM ? "random" : "spectral");
    cJSON_AddStringToObject(u, "knn", p->umap.knn_method == TC_KNN_EXACT    ? "exact"
                                      : p->umap.knn_method == TC_KNN_APPROX ? "approx" : "auto");

    cJSON *k = cJSON_AddObjectToObject(o, "cluster");
    int hdb = p->cluster_method == TC_CLUSTER_HDBSCAN;
    cJSON_AddStringToObject(k, "method", hdb ? "hdbscan" : "dbscan");
    if (hdb) {
        cJSON_AddNumberToObject(k, "min_cluster_size", p->hdbscan.min_cluster_size);
        cJSON_AddNumberToObject(k, "min_samples", p->hdbscan.min_samples);
        cJSON_AddStringToObject(k, "cluster_selection_method",
                                p->hdbscan.selection_method == TC_HDBSCAN_LEAF ? "leaf" : "eom");
        cJSON_AddNumberToObject(k, "cluster_selection_epsilon", p->hdbscan.cluster_selection_epsilon);
    } else {
        cJSON_AddNumberToObject(k, "eps", p->dbscan.eps);
        cJSON_AddNumberToObject(k, "min_samples", p->dbscan.min_samples);
    }
    cJSON_AddBoolToObject(k, "assign_noise", p->assign_noise);
    if (p->assign_noise && p->assign_noise_max_distance > 0)
        cJSON_AddNumberToObject(k, "assign_noise_max_distance", p->assign_noise_max_distance);

    cJSON *s = cJSON_AddObjectToObject(o, "summary");
    cJSON_AddBoolToObject(s, "create", p->summary_create);
    cJSON_AddStringToObject(s, "topic_mode",
                            p->label.topic_mode == TC_TOPIC_SINGLE ? "single_topic" : "multiple_topics");
    cJSON_AddNumberToObject(s, "n_examples", p->label.n_examples);
    cJSON_AddNumberToObject(s, "chunk_size", p->label.chunk_size);
    const char *api = p->label.api == TC_LLM_HF ? "hf" : p->label.api == TC_LLM_OPENAI ? "openai" : "keywords";
    cJSON_AddStringToObject(s, "labeller", api);
    if (p->label.api != TC_LLM_NONE) {  /* never the key */
        char *url = tc_url_redact(p->label.llm_url);  /* no password, no query values */
        if (url) cJSON_AddStringToObject(s, "llm_url", url);
        free(url);
        if (p->label.llm_model) cJSON_AddStringToObject(s, "llm_model", p->label.llm_model);
        cJSON_AddNumberToObject(s, "max_new_tokens", p->label.max_new_tokens);
        cJSON_AddItemToObject(s, "temperature", num_f(p->label.temperature));
    }

    cJSON *cl = cJSON_AddArrayToObject(o, "clusters");
    for (size_t j = 0; j < c->n_centres; j++) {
        int64_t label = c->centre_label[j];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "label", (double)label);
        cJSON_AddNumberToObject(e, "size", (double)c->centre_size[j]);
        cJSON *xy = cJSON_AddArrayToObject(e, "centre");
        cJSON_AddItemToArray(xy, num_f(c->centre[2 * j]));
        cJSON_AddItemToArray(xy, num_f(c->centre[2 * j + 1]));
        for (size_t t = 0; t < c->n_names; t++) {
            const tc_cluster_label *l = &c->names[t];
            if (l->label != label) continue;
            if (l->summary) cJSON_AddStringToObject(e, "summary", l->summary);
            if (l->topic) cJSON_AddStringToObject(e, "topic", l->topic);
            if (l->score >= 0) cJSON_AddNumberToObject(e, "score", l->score);
            if (l->keywords) cJSON_AddStringToObject(e, "keywords", l->keywords);
        }
        size_t nr;
        const int64_t *r = tc_classifier_representatives(c, label, &nr);
        if (r) {
            cJSON *ra = cJSON_AddArrayToObject(e, "representatives");
            for (size_t t = 0; t < nr; t++) cJSON_AddItemToArray(ra, cJSON_CreateNumber((double)r[t]));
        }
        cJSON_AddItemToArray(cl, e);
    }
    if (c->n_tree) {
        cJSON *t = cJSON_AddObjectToObject(o, "tree");
        cJSON_AddStringToObject(t, "method", hdb ? "hdbscan condensed tree" : "average linkage");
        cJSON_AddStringToObject(t, "examples", p->label.examples == TC_EXAMPLES_REPRESENTATIVE
                                                   ? "representative" : "random");
        cJSON_AddItemToObject(t, "mmr_lambda", num_f((float)p->label.mmr_lambda));
        cJSON_AddItemToObject(t, "nodes", tc_topic_tree_json(c->tree, c->n_tree));
    }
    return o;
}

/* Stage "save" counts bytes of the arrays, the texts and tfidf.bin (the
 * small JSON files are not counted): known before the first is written. */
static size_t save_bytes(const tc_classifier *c) {
    size_t b = c->n * (size_t)c->dim * 4 * 2 + c->n * (2 * 4 + 8) + c->enc_state_len;
    for (size_t i = 0; i < c->n; i++) b += c->texts[i] ? strlen(c->texts[i]) : 0;
    return b;
}

static int save_into(const tc_classifier *c, const char *dir) {
    char path[4400];
    tc_meter m;
    int rc = tc_meter_start(&m, c->p.progress, c->p.progress_ctx, "save", save_bytes(c));
#define IN(name) (snprintf(path, sizeof path, "%s/%s", dir, name), path)
    if (!rc) rc = tc_npy_save_f32_meter(IN("embeddings.npy"), c->emb, c->n, (size_t)c->dim, &m);
    if (!rc) rc = tc_npy_save_f32_meter(IN("projections.npy"), c->proj, c->n, 2, &m);
    if (!rc) rc = tc_npy_save_i64_meter(IN("cluster_labels.npy"), c->labels, c->n, &m);
    if (!rc) rc = tc_json_save_strings_meter(IN("texts.json"), (const char *const *)c->texts, c->n, &m);
    if (!rc) rc = tc_faiss_save_flat_meter(IN("faiss.index"), c->emb, c->n, c->dim, &m);
    if (!rc && c->enc_state) rc = tc_atomic_write_meter(IN("tfidf.bin"), c->enc_state, c->enc_state_len, &m);
#undef IN
    if (!rc && c->names) {
        snprintf(path, sizeof path, "%s/cluster_summaries.json", dir);
        rc = save_summaries(c, path);
    }
    if (!rc) {
        cJSON *j = meta_json(c);
        rc = save_json(dir, "textclust.json", j, 1);
        cJSON_Delete(j);
    }
    return rc ? rc : tc_meter_report(&m, m.total);
}

int tc_classifier_save_to(const tc_classifier *c, tc_save_folder *f) {
    if (!c || !f) return tc_error(TC_EINVAL, "tc_classifier_save_to: no classifier or folder");
    if (!c->n) return tc_error(TC_EINVAL, "nothing to save: the classifier is not fitted");
    const char *stage;
    int rc = tc_save_folder_stage(f, &stage);
    if (!rc) rc = save_into(c, stage);
    return rc ? tc_error_prefix(rc, "saving %s (the earlier save is untouched)", tc_save_folder_path(f)) : 0;
}

int tc_classifier_save(const tc_classifier *c, const char *folder) {
    if (!c || !folder || !*folder) return tc_error(TC_EINVAL, "tc_classifier_save: no folder");
    if (!c->n) return tc_error(TC_EINVAL, "nothing to save: the classifier is not fitted");
    tc_save_folder *f;
    int rc = tc_save_folder_open(folder, TC_SAVE_WRITE, &f);
    tc_save_folder_set_progress(f, c->p.progress, c->p.progress_ctx);
    if (!rc) rc = tc_classifier_save_to(c, f);
    if (!rc) rc = tc_save_folder_commit(f);
    tc_save_folder_close(f);
    return rc;
}
