/* tree_names.c - names for every node of the topic tree.
 *
 * Keywords: c-TF-IDF (keywords.c) with the clusters and the noise as the
 * classes of the corpus, so term frequencies f(t) and the average class
 * length A are those of the flat labelling, and a node's term counts are the
 * sums of its leaves': tf(t, node) * log(1 + A / f(t)), the way BERTopic
 * scores merged topics. The texts are tokenised once; each node sums its
 * leaves' sparse counts into one dense row.
 *
 * LLM: the nodes above the clusters, top levels first (node order is
 * breadth first), up to llm_max_requests of them, asked deepest level first
 * so that a parent's prompt lists its children's names, above its sampled
 * or representative texts. One batch per level goes through tc_llm_name
 * (cache, retries, parsing as for clusters). */
#include "label/label.h"

#include <stdlib.h>
#include <string.h>

#define N_KEYWORDS 10

/* ---------------------------------------------------------------- members */

/* The group index of a cluster label, SIZE_MAX when absent. */
static size_t group_of(const tc_label_groups *g, int64_t label) {
    size_t lo = 0, hi = g->n_clusters;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->label[mid] < label) lo = mid + 1;
        else hi = mid;
    }
    return lo < g->n_clusters && g->label[lo] == label ? lo : SIZE_MAX;
}

size_t tc_label_node_members(const tc_topic_node *nodes, size_t n_nodes, size_t node,
                             const tc_label_groups *g, size_t *out) {
    size_t m = 0, sp = 0;
    size_t *stack = malloc((n_nodes ? n_nodes : 1) * sizeof *stack); /* each node once */
    if (!stack) return SIZE_MAX;
    stack[sp++] = node;
    while (sp) {
        const tc_topic_node *nd = &nodes[stack[--sp]];
        if (nd->cluster < 0) {
            for (size_t c = 0; c < nd->n_children; c++) stack[sp++] = (size_t)nd->children[c];
            continue;
        }
        size_t c = group_of(g, nd->cluster);
        if (c == SIZE_MAX) continue;
        size_t a = g->start[c], b = g->start[c + 1];
        if (out) memcpy(out + m, g->member + a, (b - a) * sizeof *out);
        m += b - a;
    }
    free(stack);
    return m;
}

/* ---------------------------------------------------------------- keywords */

/* Fills kw[u] and sm[u] (malloc'd) for every node. */
static int node_keywords(const char *const *texts, const tc_label_groups *g,
                         const tc_topic_node *nodes, size_t n_nodes, char **kw, char **sm) {
    size_t K = g->n_clusters;
    tc_vocab v = {0};
    uint32_t **ids = calloc(K + 1, sizeof *ids), **cnts = calloc(K + 1, sizeof *cnts);
    size_t *nt = calloc(K + 1, sizeof *nt);
    size_t *leaves = malloc((K ? K : 1) * sizeof *leaves);
    const char **term = NULL;
    uint32_t *cc = NULL;
    double *tot = NULL;
    int rc = 0;
    if (!ids || !cnts || !nt || !leaves) goto oom;
    size_t n_classes = 0;
    if (tc_vocab_count_classes(&v, texts, g, NULL, ids, cnts, nt, &n_classes)) goto oom;
    double avg = n_classes ? v.n_terms / (double)n_classes : 0;
    term = malloc((v.n ? v.n : 1) * sizeof *term);
    cc = malloc((v.n ? v.n : 1) * sizeof *cc);
    tot = malloc((v.n ? v.n : 1) * sizeof *tot);
    if (!term || !cc || !tot) goto oom;
    for (size_t u = 0; u < n_nodes && !rc; u++) {
        /* the node's leaves, as group indices */
        size_t nl = 0, n_docs = 0, sp = 0;
        size_t *st = malloc(n_nodes * sizeof *st);
        if (!st) goto oom;
        st[sp++] = u;
        while (sp) {
            const tc_topic_node *nd = &nodes[st[--sp]];
            if (nd->cluster < 0) {
                for (size_t c = 0; c < nd->n_children; c++) st[sp++] = (size_t)nd->children[c];
                continue;
            }
            size_t c = group_of(g, nd->cluster);
            if (c != SIZE_MAX) leaves[nl++] = c;
        }
        free(st);
        for (size_t l = 0; l < nl; l++) {
            size_t c = leaves[l];
            n_docs += g->start[c + 1] - g->start[c];
            for (size_t i = 0; i < nt[c]; i++) tc_vocab_add(&v, ids[c][i], cnts[c][i]);
        }
        /* in first-seen order of the leaves, which pick breaks ties by name anyway */
        for (size_t i = 0; i < v.n_touched; i++) {
            uint32_t t = v.touched[i];
            term[i] = v.arena + v.off[t], cc[i] = v.cnt[t], tot[i] = v.total[t];
        }
        rc = tc_keywords_pick(term, cc, tot, v.n_touched, avg, n_docs, N_KEYWORDS, &kw[u], &sm[u]);
        for (size_t i = 0; i < v.n_touched; i++) v.cnt[v.touched[i]] = 0;
        v.n_touched = 0;
    }
    goto done;
oom:
    rc = tc_error(TC_ENOMEM, "label: out of memory counting the topic tree's keywords");
done:
    if (ids)
        for (size_t c = 0; c <= K; c++) { free(ids[c]); free(cnts[c]); }
    free(ids), free(cnts), free(nt), free(leaves), free(term), free(cc), free(tot);
    tc_vocab_free(&v);
    return rc;
}

/* ---------------------------------------------------------------- LLM */

/* The name a node shows: a cluster's topic or summary, else the node's. */
static const char *shown(const tc_cluster_label *l) {
    return l->topic ? l->topic : l->summary ? l->summary : "";
}

static char *node_prompt(const char *const *texts, const tc_label_groups *g, const tc_label_params *p,
                         const tc_topic_node *nodes, size_t n_nodes, size_t u, size_t *buf) {
    const tc_topic_node *nd = &nodes[u];
    size_t k = 0;
    size_t *idx = malloc((size_t)p->n_examples * sizeof *idx);
    if (!idx) return NULL;
    if (p->examples == TC_EXAMPLES_REPRESENTATIVE && nd->n_repr) {
        k = nd->n_repr < (size_t)p->n_examples ? nd->n_repr : (size_t)p->n_examples;
        for (size_t t = 0; t < k; t++) idx[t] = (size_t)nd->repr[t];
    } else {
        /* a seeded partial shuffle of the node's members (ascending by leaf) */
        size_t m = tc_label_node_members(nodes, n_nodes, u, g, buf);
        if (m == SIZE_MAX) { free(idx); return NULL; }
        tc_rng r = tc_rng_derive(p->seed, 0x54524545ULL << 32 | (uint64_t)u);
        k = m < (size_t)p->n_examples ? m : (size_t)p->n_examples;
        for (size_t i = 0; i < k; i++) {
            size_t j = i + (size_t)tc_rng_below(&r, m - i);
            size_t t = buf[i]; buf[i] = buf[j]; buf[j] = t;
            idx[i] = buf[i];
        }
    }
    char *ex = tc_prompt_examples(texts, idx, k, p->chunk_size);
    free(idx);
    if (!ex) return NULL;
    tc_sb b = {0};
    tc_sb_puts(&b, "This group of texts is made of smaller topics, named:\n");
    for (size_t c = 0; c < nd->n_children; c++) {
        char *clean = tc_label_clean(nodes[nd->children[c]].name ? nodes[nd->children[c]].name : "");
        tc_sb_printf(&b, "- %s\n", clean ? clean : "");
        free(clean);
    }
    tc_sb_puts(&b, "Name the topic they share.\n\n");
    tc_sb_puts(&b, ex);
    free(ex);
    if (b.oom) { tc_sb_free(&b); return NULL; }
    const char *tpl = p->template_text ? p->template_text : tc_prompt_template(p->api);
    const char *ins = p->instruction ? p->instruction : tc_prompt_instruction(p->topic_mode);
    char *prompt = tc_prompt_format(tpl, b.s, ins);
    tc_sb_free(&b);
    return prompt;
}

static int llm_names(const char *const *texts, const tc_label_groups *g, const tc_label_params *p,
                     tc_topic_node *nodes, size_t n_nodes, size_t n_texts) {
    size_t budget = (size_t)p->llm_max_requests, n_pick = 0;
    int *pick = calloc(n_nodes, sizeof *pick);  /* (n_nodes) 1 when the LLM names it */
    size_t *buf = malloc((n_texts ? n_texts : 1) * sizeof *buf);
    size_t *at = malloc(n_nodes * sizeof *at);
    char **prompt = calloc(n_nodes, sizeof *prompt);
    tc_cluster_label *l = calloc(n_nodes, sizeof *l);
    int rc = 0, max_depth = 0;
    if (!pick || !buf || !at || !prompt || !l) { rc = tc_error(TC_ENOMEM, "label: out of memory"); goto done; }
    /* breadth-first order: the top levels first; the root is the whole collection */
    for (size_t u = 1; u < n_nodes && n_pick < budget; u++)
        if (nodes[u].cluster < 0) {
            pick[u] = 1, n_pick++;
            if (nodes[u].depth > max_depth) max_depth = nodes[u].depth;
        }
    size_t done_n = 0;
    if (!n_pick) goto done;
    /* stage "tree": the nodes the LLM names, deepest level first */
    rc = tc_progress(p->progress, p->progress_ctx, "tree", 0, n_pick);
    for (int depth = max_depth; depth >= 1 && !rc; depth--) {
        size_t m = 0;
        for (size_t u = 1; u < n_nodes; u++) {
            if (!pick[u] || nodes[u].depth != depth) continue;
            if (!(prompt[m] = node_prompt(texts, g, p, nodes, n_nodes, u, buf))) {
                rc = tc_error(TC_ENOMEM, "label: out of memory");
                break;
            }
            l[m] = (tc_cluster_label){(int64_t)u, tc_strdup(nodes[u].name), NULL, -1, NULL};
            if (!l[m].summary) { rc = tc_error(TC_ENOMEM, "label: out of memory"); break; }
            at[m++] = u;
        }
        if (!rc) rc = tc_llm_name(p, (const char *const *)prompt, m, "topic node", "tree", done_n, n_pick, l);
        for (size_t t = 0; t < m && !rc; t++) {
            char *s = tc_strdup(shown(&l[t]));
            if (!s) { rc = tc_error(TC_ENOMEM, "label: out of memory"); break; }
            free(nodes[at[t]].name);
            nodes[at[t]].name = s;
        }
        for (size_t t = 0; t < m; t++) {
            free(prompt[t]), prompt[t] = NULL;
            free(l[t].summary), free(l[t].topic), free(l[t].keywords);
            memset(&l[t], 0, sizeof l[t]);
        }
        done_n += m;
    }
    if (!rc) rc = tc_progress(p->progress, p->progress_ctx, "tree", n_pick, n_pick);
done:
    free(pick), free(buf), free(at), free(prompt), free(l);
    return rc;
}

/* ---------------------------------------------------------------- entry */

int tc_label_tree(const char *const *texts, size_t n, const int64_t *labels,
                  const tc_cluster_label *cluster_names, size_t k, const tc_label_params *p,
                  tc_topic_node *nodes, size_t n_nodes) {
    if (!n_nodes) return 0;
    tc_label_groups g;
    int rc = tc_label_groups_build(labels, n, &g);
    if (rc) return rc;
    char **kw = calloc(n_nodes, sizeof *kw), **sm = calloc(n_nodes, sizeof *sm);
    if (!kw || !sm) { rc = tc_error(TC_ENOMEM, "label: out of memory"); goto done; }
    if ((rc = node_keywords(texts, &g, nodes, n_nodes, kw, sm))) goto done;
    for (size_t u = 0; u < n_nodes; u++) {
        tc_topic_node *nd = &nodes[u];
        free(nd->keywords), free(nd->name);
        nd->keywords = kw[u], kw[u] = NULL;
        const tc_cluster_label *cl = NULL;
        for (size_t j = 0; nd->cluster >= 0 && j < k; j++)
            if (cluster_names[j].label == nd->cluster) cl = &cluster_names[j];
        if (cl) nd->name = tc_strdup(shown(cl));
        else if (sm[u][0]) nd->name = sm[u], sm[u] = NULL;
        else nd->name = tc_strdup(nd->cluster >= 0 ? "cluster" : "topic");
        if (!nd->name) { rc = tc_error(TC_ENOMEM, "label: out of memory"); goto done; }
    }
    if (p->api != TC_LLM_NONE && p->llm_max_requests > 0)
        rc = llm_names(texts, &g, p, nodes, n_nodes, n);
done:
    for (size_t u = 0; u < n_nodes && kw; u++) free(kw[u]), free(sm[u]);
    free(kw), free(sm);
    tc_label_groups_free(&g);
    return rc;
}
