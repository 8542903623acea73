/* core.h - the classifier's state, shared by fit/infer (classifier.c) and
 * save/load (save.c). */
#ifndef TC_CORE_H
#define TC_CORE_H

#include "textclust.h"

#include <pthread.h>

struct tc_classifier {
    tc_params p;               /* strings owned (deep copy) */
    tc_encoder *enc;           /* opened on first use; infer touches it under enc_lock only */
    pthread_mutex_t enc_lock;  /* concurrent infer calls: opening enc, and embedding with it */
    char model[128];           /* encoder id of the embeddings */
    int dtype;                 /* TC_DTYPE_* the encoder ran for them; 0: not recorded */
    void *enc_state;           /* (enc_state_len) what a fitted encoder learned: tfidf.bin; NULL for others */
    size_t enc_state_len;
    size_t n;                  /* training texts */
    int dim;                   /* embedding dimension */
    char **texts;              /* (n) owned */
    float *emb;                /* (n, dim) */
    float *proj;               /* (n, 2) */
    int64_t *labels;           /* (n) */
    tc_cluster_label *names;   /* (n_names) ascending label; NULL without summaries */
    size_t n_names;
    int64_t *centre_label;     /* (n_centres) ascending, -1 first when present */
    float *centre;             /* (n_centres, 2) */
    size_t *centre_size;       /* (n_centres) members of each label */
    size_t n_centres;
    tc_topic_node *tree;       /* (n_tree) root first; NULL without a tree */
    size_t n_tree;
    tc_fit_stats stats;
};

/* Deep copy of params: every string duplicated. */
int tc_params_copy(tc_params *dst, const tc_params *src);
void tc_params_free(tc_params *p);


/* Drops the fitted data (texts, arrays, names, centres). */
void tc_classifier_clear(tc_classifier *c);

/* Recomputes centres and sizes from proj and labels. */
int tc_classifier_compute_centres(tc_classifier *c);

/* folder.c: the staging folder of a save folder opened for writing (made
 * on first call); *stage lives until commit or close. */
int tc_save_folder_stage(tc_save_folder *f, const char **stage);

/* tree.c: the topic tree from merges over the K clusters (cluster_ids (K)
 * ascending, sizes (K) their texts): nodes breadth first from the root,
 * children larger first. */
int tc_topic_tree_build(const tc_cluster_merge *m, size_t n_merges, const int64_t *cluster_ids,
                        const size_t *sizes, size_t K, tc_topic_node **out, size_t *n_out);

/* After clustering: the tree (merges from HDBSCAN, or NULL: average
 * linkage of the embeddings), every node's representative texts, then
 * (summary_create) the clusters' names and the nodes'. */
int tc_classifier_topics(tc_classifier *c, tc_cluster_merge *merges, size_t n_merges);

/* The tree as textclust.json's "tree"."nodes" array, and back: every field
 * checked against n_texts, TC_EFORMAT naming file and node otherwise. */
struct cJSON;
struct cJSON *tc_topic_tree_json(const tc_topic_node *nodes, size_t n);
int tc_topic_tree_parse(const struct cJSON *arr, const char *file, size_t n_texts,
                        tc_topic_node **out, size_t *n_out);
/* The same from the text of a whole textclust.json (the fuzz target's way in). */
int tc_topic_tree_parse_text(const char *text, size_t len, size_t n_texts, tc_topic_node **out,
                             size_t *n_out);

/* Opens c->p.embed_model (or the saved model id) unless open already. */
int tc_classifier_open_encoder(tc_classifier *c);

#endif
