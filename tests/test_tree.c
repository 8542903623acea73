/* test_tree.c - the topic tree: its shape on blobs with known nesting (two
 * groups of three blobs: the top split must be the groups), for HDBSCAN's
 * condensed tree and for average linkage (held to a naive text-level
 * average linkage written here), determinism across runs and thread counts,
 * keyword names at each level from the right texts, representative texts
 * against a naive nearest-to-centroid search written here, MMR dropping
 * exact copies, and the tree's JSON read back with bad fields refused. */
#include "check.h"
#include "cluster/cluster.h"
#include "core/core.h"
#include "label/label.h"
#include "util/util.h"
#include "viz/viz.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double gauss(tc_rng *r) {
    double u1 = tc_rng_uniform(r) + 1e-300, u2 = tc_rng_uniform(r);
    return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

/* 2 groups x 3 blobs of m points in 2-D; truth = blob 0..5 (group = blob / 3) */
static void nested_2d(tc_rng *r, size_t m, float *x, int *truth) {
    const double off[3][2] = {{0, 0}, {3, 0}, {1.5, 2.6}};
    for (int b = 0; b < 6; b++)
        for (size_t i = 0; i < m; i++) {
            size_t k = b * m + i;
            x[2 * k] = (float)((b / 3) * 30 + off[b % 3][0] + 0.25 * gauss(r));
            x[2 * k + 1] = (float)(off[b % 3][1] + 0.25 * gauss(r));
            truth[k] = b;
        }
}

/* The blobs under node u of a merge list over K leaves (leaf j -> blob[j]): bit mask. */
static unsigned leaves_mask(const tc_topic_node *t, size_t u, const int *blob_of_cluster) {
    if (t[u].cluster >= 0) return 1u << blob_of_cluster[t[u].cluster];
    unsigned m = 0;
    for (size_t c = 0; c < t[u].n_children; c++) m |= leaves_mask(t, (size_t)t[u].children[c], blob_of_cluster);
    return m;
}

static tc_topic_node *tree_of(const int64_t *labels, size_t n, const tc_cluster_merge *m, size_t nm,
                              size_t *n_nodes) {
    tc_label_groups g;
    tc_label_groups_build(labels, n, &g);
    size_t *sizes = malloc(g.n_clusters * sizeof *sizes);
    for (size_t j = 0; j < g.n_clusters; j++) sizes[j] = g.start[j + 1] - g.start[j];
    tc_topic_node *t = NULL;
    CHECK_OK(tc_topic_tree_build(m, nm, g.label, sizes, g.n_clusters, &t, n_nodes));
    free(sizes);
    tc_label_groups_free(&g);
    return t;
}

/* ---------------------------------------------------------------- HDBSCAN */

static void test_hdbscan_tree(void) {
    tc_rng r = tc_rng_seed(3);
    size_t m = 120, n = 6 * m;
    float *x = malloc(n * 2 * sizeof *x);
    int *truth = malloc(n * sizeof *truth);
    nested_2d(&r, m, x, truth);
    tc_hdbscan_params p = tc_hdbscan_default_params();
    p.min_cluster_size = 40;
    p.selection_method = TC_HDBSCAN_LEAF;
    int64_t *lab[2];
    tc_cluster_merge *mg[2];
    size_t nm[2];
    for (int t = 0; t < 2; t++) {
        lab[t] = malloc(n * sizeof *lab[t]);
        p.n_threads = t + 1;
        tc_cluster_parallel_min = t ? 0 : 1u << 30;
        CHECK_OK(tc_hdbscan_hierarchy(x, n, 2, &p, lab[t], &mg[t], &nm[t]));
    }
    tc_cluster_parallel_min = 4096;
    CHECK_MSG(nm[0] == 5, "%zu merges for 6 blobs", nm[0]);
    CHECK(nm[0] == nm[1] && !memcmp(lab[0], lab[1], n * sizeof *lab[0]) &&
          !memcmp(mg[0], mg[1], nm[0] * sizeof *mg[0]));
    /* each cluster is one blob */
    int blob_of[64];
    for (int j = 0; j < 64; j++) blob_of[j] = -1;
    int pure = 1;
    for (size_t i = 0; i < n; i++) {
        if (lab[0][i] < 0) continue;
        if (blob_of[lab[0][i]] < 0) blob_of[lab[0][i]] = truth[i];
        pure &= blob_of[lab[0][i]] == truth[i];
    }
    CHECK(pure);
    size_t nn;
    tc_topic_node *t = tree_of(lab[0], n, mg[0], nm[0], &nn);
    CHECK(nn == 11 && t[0].parent == -1 && t[0].n_children == 2);
    if (t && t[0].n_children == 2) {
        unsigned a = leaves_mask(t, (size_t)t[0].children[0], blob_of);
        unsigned b = leaves_mask(t, (size_t)t[0].children[1], blob_of);
        CHECK_MSG((a == 7 && b == 56) || (a == 56 && b == 7), "top split %#x | %#x", a, b);
        for (size_t u = 1; u < nn; u++) CHECK(t[u].parent < (int64_t)u && t[u].depth == t[t[u].parent].depth + 1);
        CHECK(t[0].size == t[t[0].children[0]].size + t[t[0].children[1]].size);
    }
    tc_topic_nodes_free(t, nn);
    for (int k = 0; k < 2; k++) free(lab[k]), free(mg[k]);
    free(x), free(truth);
}

/* ---------------------------------------------------------------- average linkage */

/* Text-level average linkage: the mean dot product over every pair of
 * texts of two groups, recomputed from the rows at each step. */
static void naive_average(const float *e, size_t n, int d, const int64_t *labels, int K,
                          tc_cluster_merge *out) {
    int64_t *grp = malloc(n * sizeof *grp);  /* current node of each text */
    for (size_t i = 0; i < n; i++) grp[i] = labels[i];
    int64_t *alive = malloc(2 * K * sizeof *alive);
    int na = K;
    for (int j = 0; j < K; j++) alive[j] = j;
    for (int s = 0; s + 1 < K; s++) {
        double best = -INFINITY;
        int bi = -1, bj = -1;
        for (int i = 0; i < na; i++)
            for (int j = i + 1; j < na; j++) {
                double sum = 0, cnt = 0;
                for (size_t p = 0; p < n; p++) {
                    if (grp[p] != alive[i]) continue;
                    for (size_t q = 0; q < n; q++) {
                        if (grp[q] != alive[j]) continue;
                        double dd = 0;
                        for (int t = 0; t < d; t++) dd += (double)e[p * d + t] * e[q * d + t];
                        sum += dd, cnt++;
                    }
                }
                if (sum / cnt > best + 1e-12) best = sum / cnt, bi = i, bj = j;
            }
        int64_t a = alive[bi], b = alive[bj];
        out[s] = (tc_cluster_merge){a < b ? a : b, a < b ? b : a, 1 - best};
        for (size_t p = 0; p < n; p++)
            if (grp[p] == a || grp[p] == b) grp[p] = K + s;
        alive[bi] = K + s;
        alive[bj] = alive[--na];
    }
    free(grp), free(alive);
}

/* 2 groups x 3 blobs of unit vectors in 8-D */
static void nested_vectors(tc_rng *r, size_t m, float *e, int64_t *labels) {
    int d = 8;
    for (int b = 0; b < 6; b++)
        for (size_t i = 0; i < m; i++) {
            size_t k = b * m + i;
            double v[8], s = 0;
            for (int t = 0; t < d; t++) {
                v[t] = 0.15 * gauss(r);
                if (t == (b / 3)) v[t] += 2.0;           /* the group's direction */
                if (t == 2 + b) v[t] += 0.9;             /* the blob's */
            }
            for (int t = 0; t < d; t++) s += v[t] * v[t];
            for (int t = 0; t < d; t++) e[k * d + t] = (float)(v[t] / sqrt(s));
            labels[k] = b;
        }
}

static void test_average_linkage(void) {
    tc_rng r = tc_rng_seed(9);
    size_t m = 25, n = 6 * m;
    float *e = malloc(n * 8 * sizeof *e);
    int64_t *labels = malloc(n * sizeof *labels);
    nested_vectors(&r, m, e, labels);
    labels[3] = -1;  /* noise is left out */
    tc_cluster_merge *mg, *mg2, want[5];
    size_t nm, nm2;
    CHECK_OK(tc_cluster_average_linkage(e, n, 8, labels, &mg, &nm));
    CHECK_OK(tc_cluster_average_linkage(e, n, 8, labels, &mg2, &nm2));
    CHECK(nm == 5 && nm2 == 5 && !memcmp(mg, mg2, 5 * sizeof *mg));
    int64_t *l2 = malloc(n * sizeof *l2);
    memcpy(l2, labels, n * sizeof *l2);
    /* the naive reference skips noise by giving it a node no merge uses */
    for (size_t i = 0; i < n; i++) if (l2[i] < 0) l2[i] = 1000;
    naive_average(e, n, 8, l2, 6, want);
    int same = nm == 5;
    for (size_t s = 0; same && s < 5; s++)
        same = mg[s].a == want[s].a && mg[s].b == want[s].b && fabs(mg[s].height - want[s].height) < 1e-9;
    CHECK_MSG(same, "average linkage differs from the naive one");
    int blob_of[6] = {0, 1, 2, 3, 4, 5};
    size_t nn;
    tc_topic_node *t = tree_of(labels, n, mg, nm, &nn);
    CHECK(nn == 11);
    unsigned a = leaves_mask(t, (size_t)t[0].children[0], blob_of), b = leaves_mask(t, (size_t)t[0].children[1], blob_of);
    CHECK_MSG((a == 7 && b == 56) || (a == 56 && b == 7), "top split %#x | %#x", a, b);

    /* names at each level from the right texts */
    static const char *group_word[2] = {"astronomy", "cooking"};
    static const char *blob_word[6] = {"telescope", "planet", "comet", "bread", "soup", "cheese"};
    static const char *filler[5] = {"today", "people", "often", "write", "about"};
    char **texts = malloc(n * sizeof *texts);
    for (size_t i = 0; i < n; i++) {
        int bl = (int)(i / m);
        texts[i] = malloc(200);
        snprintf(texts[i], 200, "%s %s %s; %s %s", filler[i % 5], group_word[bl / 3], filler[(i + 2) % 5],
                 blob_word[bl], filler[(i + 3) % 5]);
    }
    tc_label_params lp = tc_label_default_params();
    CHECK_OK(tc_label_tree((const char *const *)texts, n, labels, NULL, 0, &lp, t, nn));
    for (size_t u = 0; u < nn; u++) {
        unsigned mask = leaves_mask(t, u, blob_of);
        const char *kw = t[u].keywords ? t[u].keywords : "";
        if (t[u].cluster >= 0) {
            CHECK_MSG(strstr(t[u].name, blob_word[t[u].cluster]) != NULL, "leaf %zu: %s", u, t[u].name);
            CHECK(strstr(kw, blob_word[(t[u].cluster + 1) % 6]) == NULL);
        } else if (mask == 7 || mask == 56) {
            const char *gw = group_word[mask == 7 ? 0 : 1], *other = group_word[mask == 7 ? 1 : 0];
            CHECK_MSG(strncmp(t[u].name, gw, strlen(gw)) == 0, "group node %zu: %s", u, t[u].name);
            CHECK_MSG(strstr(kw, other) == NULL, "group node %zu has %s: %s", u, other, kw);
        }
    }
    /* leaves' keywords are the flat labelling's (the same c-TF-IDF) */
    tc_cluster_label *cl;
    size_t k;
    CHECK_OK(tc_label_clusters((const char *const *)texts, n, labels, &lp, &cl, &k));
    for (size_t u = 0; u < nn; u++)
        for (size_t j = 0; j < k && t[u].cluster >= 0; j++)
            if (cl[j].label == t[u].cluster) CHECK_STR(t[u].keywords, cl[j].keywords);
    tc_cluster_labels_free(cl, k);

    /* the JSON round trip, and bad trees refused */
    cJSON *j = tc_topic_tree_json(t, nn);
    tc_topic_node *back;
    size_t nb;
    CHECK_OK(tc_topic_tree_parse(j, "t.json", n, &back, &nb));
    CHECK(nb == nn);
    for (size_t u = 0; u < nn && nb == nn; u++)
        CHECK(back[u].parent == t[u].parent && back[u].n_children == t[u].n_children &&
              back[u].cluster == t[u].cluster && back[u].size == t[u].size && !strcmp(back[u].name, t[u].name));
    tc_topic_nodes_free(back, nb);
    cJSON *n3 = cJSON_GetArrayItem(j, 3);
    cJSON_ReplaceItemInObject(n3, "parent", cJSON_CreateNumber(5)); /* a parent after its child */
    CHECK(tc_topic_tree_parse(j, "t.json", n, &back, &nb) == TC_EFORMAT && !back);
    cJSON_ReplaceItemInObject(n3, "parent", cJSON_CreateNumber(t[3].parent));
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(j, 0), "representatives", cJSON_CreateIntArray((int[]){1, (int)n}, 2));
    CHECK(tc_topic_tree_parse(j, "t.json", n, &back, &nb) == TC_EFORMAT);
    cJSON_Delete(j);
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts);
    tc_topic_nodes_free(t, nn);
    free(mg), free(mg2), free(e), free(labels), free(l2);
}

/* ---------------------------------------------------------------- representatives */

static void test_representatives(void) {
    tc_rng r = tc_rng_seed(21);
    int d = 12;
    size_t n = 700;
    float *e = malloc(n * d * sizeof *e);
    for (size_t i = 0; i < n; i++) {
        double s = 0, v[12];
        for (int t = 0; t < d; t++) v[t] = gauss(&r) + (t == 0 ? 1.5 : 0), s += v[t] * v[t];
        for (int t = 0; t < d; t++) e[i * d + t] = (float)(v[t] / sqrt(s));
    }
    size_t members[300];
    for (size_t j = 0; j < 300; j++) members[j] = 2 * j + (j % 2);
    /* naive: squared distance to the mean, by selection, ties to the lower index */
    double mu[12] = {0};
    for (size_t j = 0; j < 300; j++)
        for (int t = 0; t < d; t++) mu[t] += e[members[j] * d + t] / 300.0;
    int64_t want[10];
    uint8_t used[300] = {0};
    for (int q = 0; q < 10; q++) {
        double best = INFINITY;
        size_t arg = 0;
        for (size_t j = 0; j < 300; j++) {
            if (used[j]) continue;
            double s = 0;
            for (int t = 0; t < d; t++) s += (e[members[j] * d + t] - mu[t]) * (e[members[j] * d + t] - mu[t]);
            if (s < best) best = s, arg = j;
        }
        used[arg] = 1;
        want[q] = (int64_t)members[arg];
    }
    int64_t got[10];
    size_t k = tc_label_representatives(e, d, NULL, members, 300, 10, 1.0, got);
    CHECK(k == 10 && !memcmp(got, want, sizeof got));

    /* exact copies of the nearest text: picked once, with MMR or without */
    for (int c = 1; c <= 4; c++) memcpy(e + members[c * 40] * d, e + want[0] * d, d * sizeof *e);
    for (int lam = 0; lam < 2; lam++) {
        k = tc_label_representatives(e, d, NULL, members, 300, 10, lam ? 1.0 : 0.7, got);
        int copies = 0;
        for (size_t q = 0; q < k; q++) {
            int is = got[q] == want[0];
            for (int c = 1; c <= 4; c++) is |= got[q] == (int64_t)members[c * 40];
            copies += is;
        }
        CHECK_MSG(k == 10 && copies == 1, "lambda %s: %d copies", lam ? "1" : "0.7", copies);
    }
    /* the same text under different vectors is a copy too */
    const char **texts = calloc(n, sizeof *texts);
    for (size_t i = 0; i < n; i++) texts[i] = "x";
    k = tc_label_representatives(e, d, texts, members, 300, 10, 0.7, got);
    CHECK(k == 1);
    free(texts);
    free(e);
}

/* ---------------------------------------------------------------- map.png names */

static int is_ancestor(const tc_topic_node *t, int64_t a, int64_t u) {
    for (; u >= 0; u = t[u].parent)
        if (u == a) return 1;
    return 0;
}

static void test_map_names(void) {
    tc_rng r = tc_rng_seed(5);
    size_t m = 120, n = 6 * m;
    float *x = malloc(n * 2 * sizeof *x);
    int *truth = malloc(n * sizeof *truth);
    nested_2d(&r, m, x, truth);
    int64_t *lab = malloc(n * sizeof *lab);
    for (size_t i = 0; i < n; i++) lab[i] = truth[i];
    tc_hdbscan_params hp = tc_hdbscan_default_params();
    hp.min_cluster_size = 40, hp.selection_method = TC_HDBSCAN_LEAF;
    tc_cluster_merge *mg;
    size_t nm, nn;
    CHECK_OK(tc_hdbscan_hierarchy(x, n, 2, &hp, lab, &mg, &nm));
    tc_topic_node *t = tree_of(lab, n, mg, nm, &nn);
    char buf[64];
    for (size_t u = 0; u < nn; u++) {
        snprintf(buf, sizeof buf, "node %zu topic name", u);
        t[u].name = strdup(buf);
    }
    int blob_of[6];
    for (size_t i = 0; i < n; i++) blob_of[lab[i]] = truth[i];
    tc_plot_params pp = tc_plot_default_params();
    pp.width = 1200, pp.height = 800;
    for (int N = 1; N <= 12; N++) {
        pp.max_names = N;
        tc_viz_site *st;
        tc_viz_label_box *bx;
        size_t k;
        CHECK_OK(tc_viz_map_labels(x, n, lab, NULL, 0, t, nn, &pp, &st, &bx, &k));
        CHECK_MSG(k <= (size_t)N && k >= (N >= 6 ? 6u : 1u), "N %d: %zu names", N, k);
        size_t covered = 0;
        for (size_t a = 0; a < k; a++) {
            covered += t[st[a].id].size;
            for (size_t b = 0; b < k; b++)
                if (a != b) CHECK(!is_ancestor(t, st[a].id, st[b].id));
        }
        CHECK_MSG(covered == t[0].size, "N %d: the names cover %zu of %zu texts", N, covered, t[0].size);
        if (N == 2) {
            unsigned ma = leaves_mask(t, (size_t)st[0].id, blob_of), mb = leaves_mask(t, (size_t)st[1].id, blob_of);
            CHECK_MSG(k == 2 && ((ma == 7 && mb == 56) || (ma == 56 && mb == 7)), "N 2: %#x %#x", ma, mb);
        }
        if (N >= 6) for (size_t a = 0; a < k; a++) CHECK(t[st[a].id].cluster >= 0);
        free(st), free(bx);
    }
    /* crowded: 60 clusters on a small ring, long names; placed boxes never overlap */
    size_t K = 60, per = 20;
    float *y = malloc(K * per * 2 * sizeof *y);
    int64_t *l2 = malloc(K * per * sizeof *l2);
    for (size_t c = 0; c < K; c++)
        for (size_t i = 0; i < per; i++) {
            double a = 6.283185307179586 * c / K;
            y[2 * (c * per + i)] = (float)(cos(a) + 0.01 * gauss(&r));
            y[2 * (c * per + i) + 1] = (float)(sin(a) + 0.01 * gauss(&r));
            l2[c * per + i] = (int64_t)c;
        }
    tc_cluster_merge *m2;
    size_t nm2, nn2;
    CHECK_OK(tc_cluster_average_linkage(y, K * per, 2, l2, &m2, &nm2));
    tc_topic_node *t2 = tree_of(l2, K * per, m2, nm2, &nn2);
    for (size_t u = 0; u < nn2; u++) {
        snprintf(buf, sizeof buf, "a rather long topic name for node %zu", u);
        t2[u].name = strdup(buf);
    }
    for (int N = 5; N <= 60; N += 11) {
        pp.max_names = N;
        tc_viz_site *st;
        tc_viz_label_box *bx;
        size_t k, placed = 0;
        CHECK_OK(tc_viz_map_labels(y, K * per, l2, NULL, 0, t2, nn2, &pp, &st, &bx, &k));
        CHECK(k <= (size_t)N);
        int overlap = 0;
        for (size_t a = 0; a < k; a++) {
            if (bx[a].state != TC_VIZ_LABEL_CENTRED && bx[a].state != TC_VIZ_LABEL_NUDGED) continue;
            placed++;
            CHECK(bx[a].x >= 0 && bx[a].y >= 0 && bx[a].x + bx[a].w <= pp.width && bx[a].y + bx[a].h <= pp.height);
            for (size_t b = a + 1; b < k; b++) {
                if (bx[b].state != TC_VIZ_LABEL_CENTRED && bx[b].state != TC_VIZ_LABEL_NUDGED) continue;
                overlap += bx[a].x < bx[b].x + bx[b].w && bx[b].x < bx[a].x + bx[a].w &&
                           bx[a].y < bx[b].y + bx[b].h && bx[b].y < bx[a].y + bx[a].h;
            }
        }
        CHECK_MSG(overlap == 0 && placed >= 3, "N %d: %zu placed, %d overlapping pairs", N, placed, overlap);
        free(st), free(bx);
    }
    tc_topic_nodes_free(t, nn), tc_topic_nodes_free(t2, nn2);
    free(mg), free(m2), free(x), free(y), free(truth), free(lab), free(l2);
}

int main(void) {
    test_hdbscan_tree();
    test_average_linkage();
    test_representatives();
    test_map_names();
    return check_report("test_tree");
}
