/* save.c - the save folder, as the Python reference writes and reads it:
 *   embeddings.npy (n, d) f4, projections.npy (n, 2) f4, cluster_labels.npy
 *   (n) i8, texts.json, cluster_summaries.json {"-1": "None", "0": ...},
 *   faiss.index (IndexFlatL2 of the embeddings)
 * plus textclust.json (our parameters, model id, cluster names and scores).
 * A save is written into a temporary folder beside the target and swapped
 * in with one rename, so an earlier save survives any failure. */
#include "core/core.h"
#include "io/io.h"
#include "label/label.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- files */

static int write_file(const char *path, const char *data) {
    FILE *f = fopen(path, "wb");
    if (!f) return tc_error(TC_EIO, "%s: %s", path, strerror(errno));
    size_t len = strlen(data);
    int bad = fwrite(data, 1, len, f) != len;
    bad |= fclose(f) != 0;
    return bad ? tc_error(TC_EIO, "%s: write failed: %s", path, strerror(errno)) : 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_tree(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

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

static cJSON *summaries_json(const tc_classifier *c) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "-1", "None");
    for (size_t j = 0; j < c->n_names; j++) {
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)c->names[j].label);
        cJSON_AddStringToObject(o, key, c->names[j].summary ? c->names[j].summary : "");
    }
    return o;
}

static cJSON *meta_json(const tc_classifier *c) {
    const tc_params *p = &c->p;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "format", "textclust save folder");
    cJSON_AddStringToObject(o, "version", TC_VERSION);
    cJSON_AddStringToObject(o, "model", c->model);
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
        cJSON_AddItemToArray(cl, e);
    }
    return o;
}

/* mkdir -p of the folders above path. */
static int make_parents(const char *path) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            return tc_error(TC_EIO, "%s: cannot create folder: %s", dir, strerror(errno));
        *p = '/';
    }
    return 0;
}

static int save_into(const tc_classifier *c, const char *dir) {
    char path[4400];
    int rc;
#define IN(name) (snprintf(path, sizeof path, "%s/%s", dir, name), path)
    if ((rc = tc_npy_save_f32(IN("embeddings.npy"), c->emb, c->n, (size_t)c->dim))) return rc;
    if ((rc = tc_npy_save_f32(IN("projections.npy"), c->proj, c->n, 2))) return rc;
    if ((rc = tc_npy_save_i64(IN("cluster_labels.npy"), c->labels, c->n))) return rc;
    if ((rc = tc_json_save_strings(IN("texts.json"), (const char *const *)c->texts, c->n))) return rc;
    if ((rc = tc_faiss_save_flat(IN("faiss.index"), c->emb, c->n, c->dim))) return rc;
#undef IN
    cJSON *j;
    if (c->names) {
        j = summaries_json(c);
        rc = save_json(dir, "cluster_summaries.json", j, 0);
        cJSON_Delete(j);
        if (rc) return rc;
    }
    j = meta_json(c);
    rc = save_json(dir, "textclust.json", j, 1);
    cJSON_Delete(j);
    return rc;
}

int tc_classifier_save(const tc_classifier *c, const char *folder) {
    if (!c || !folder || !*folder) return tc_error(TC_EINVAL, "tc_classifier_save: no folder");
    if (!c->n) return tc_error(TC_EINVAL, "nothing to save: the classifier is not fitted");
    char target[4096], tmp[4200];
    if (strlen(folder) >= 4000) return tc_error(TC_EINVAL, "save folder path too long");
    snprintf(target, sizeof target, "%s", folder);
    for (size_t l = strlen(target); l > 1 && target[l - 1] == '/'; l--) target[l - 1] = 0;
    struct stat st;
    int rc, exists = stat(target, &st) == 0;
    if (exists && !S_ISDIR(st.st_mode))
        return tc_error(TC_EIO, "%s: exists and is not a folder; nothing was saved", target);
    if ((rc = make_parents(target))) return rc;
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", target);
    if (!mkdtemp(tmp)) return tc_error(TC_EIO, "%s: cannot create a folder beside it: %s", target, strerror(errno));
    chmod(tmp, 0755);
    rc = save_into(c, tmp);
    if (rc) {
        remove_tree(tmp);
        return tc_error_prefix(rc, "saving %s (any earlier save is untouched)", target);
    }
    /* Swap the new folder in with one atomic exchange, then drop the old one. */
    if (exists && renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_EXCHANGE) == 0) {
        remove_tree(tmp);
        return 0;
    }
    if (exists) {  /* file systems without RENAME_EXCHANGE: move the old one aside first */
        char old[4300];
        snprintf(old, sizeof old, "%s.old-%ld", target, (long)getpid());
        if (rename(target, old) != 0 || rename(tmp, target) != 0) {
            rc = tc_error(TC_EIO, "%s: cannot replace the earlier save: %s (new save left in %s)",
                          target, strerror(errno), tmp);
            return rc;
        }
        remove_tree(old);
        return 0;
    }
    if (rename(tmp, target) != 0) {
        rc = tc_error(TC_EIO, "%s: %s", target, strerror(errno));
        remove_tree(tmp);
    }
    return rc;
}
