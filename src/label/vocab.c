/* vocab.c - the terms of c-TF-IDF (words and word pairs) interned in one
 * arena with an open-addressing table, and their counts per class; shared
 * by the cluster keywords (keywords.c) and the topic tree's (tree_names.c). */
#include "label/label.h"

#include <stdlib.h>
#include <string.h>

static uint64_t fnv(const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL;
    return h;
}

static int grow_slots(tc_vocab *v) {
    size_t ns = v->n_slot ? v->n_slot * 2 : 1 << 14;
    uint32_t *sl = calloc(ns, sizeof *sl);
    if (!sl) return -1;
    for (size_t t = 0; t < v->n; t++) {
        const char *s = v->arena + v->off[t];
        size_t h = (size_t)fnv(s, strlen(s)) & (ns - 1);
        while (sl[h]) h = (h + 1) & (ns - 1);
        sl[h] = (uint32_t)(t + 1);
    }
    free(v->slot);
    v->slot = sl;
    v->n_slot = ns;
    return 0;
}

int64_t tc_vocab_intern(tc_vocab *v, const char *s, size_t n) {
    if (v->oom) return -1;
    if ((v->n + 1) * 2 > v->n_slot && grow_slots(v)) goto oom;
    size_t h = (size_t)fnv(s, n) & (v->n_slot - 1);
    while (v->slot[h]) {
        size_t t = v->slot[h] - 1;
        const char *u = v->arena + v->off[t];
        if (strncmp(u, s, n) == 0 && u[n] == 0) return (int64_t)t;
        h = (h + 1) & (v->n_slot - 1);
    }
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 1 << 13;
        size_t *off = realloc(v->off, nc * sizeof *off);
        if (off) v->off = off;
        double *tot = realloc(v->total, nc * sizeof *tot);
        if (tot) v->total = tot;
        uint32_t *cnt = realloc(v->cnt, nc * sizeof *cnt);
        if (cnt) v->cnt = cnt;
        uint32_t *tch = realloc(v->touched, nc * sizeof *tch);
        if (tch) v->touched = tch;
        if (!off || !tot || !cnt || !tch) goto oom;
        memset(v->total + v->cap, 0, (nc - v->cap) * sizeof *tot);
        memset(v->cnt + v->cap, 0, (nc - v->cap) * sizeof *cnt);
        v->cap = nc;
    }
    if (v->alen + n + 1 > v->acap) {
        size_t na = v->acap ? v->acap * 2 : 1 << 16;
        while (na < v->alen + n + 1) na *= 2;
        char *a = realloc(v->arena, na);
        if (!a) goto oom;
        v->arena = a;
        v->acap = na;
    }
    memcpy(v->arena + v->alen, s, n);
    v->arena[v->alen + n] = 0;
    v->off[v->n] = v->alen;
    v->alen += n + 1;
    v->slot[h] = (uint32_t)(v->n + 1);
    return (int64_t)v->n++;
oom:
    v->oom = 1;
    return -1;
}

void tc_vocab_add(tc_vocab *v, int64_t t, uint32_t c) {
    if (t < 0) return;
    if (v->cnt[t] == 0) v->touched[v->n_touched++] = (uint32_t)t;
    v->cnt[t] += c;
}

static void count(tc_vocab *v, int64_t t) {
    if (t < 0) return;
    tc_vocab_add(v, t, 1);
    v->n_terms += 1;
}

void tc_vocab_on_term(void *ctx, const char *w, size_t n, int brk) {
    tc_vocab *v = ctx;
    int64_t t = tc_vocab_intern(v, w, n);
    count(v, t);
    if (!brk && v->prev >= 0 && t >= 0) {
        char bi[2 * TC_WORD_MAX + 2];
        const char *p = v->arena + v->off[v->prev];
        size_t pl = strlen(p);
        memcpy(bi, p, pl);
        bi[pl] = ' ';
        memcpy(bi + pl + 1, w, n);
        count(v, tc_vocab_intern(v, bi, pl + 1 + n));
    }
    v->prev = t;
}

void tc_vocab_free(tc_vocab *v) {
    free(v->arena), free(v->off), free(v->total), free(v->cnt), free(v->touched), free(v->slot);
}

int tc_vocab_count_classes(tc_vocab *v, const char *const *texts, const tc_label_groups *g, tc_meter *m,
                           uint32_t **ids, uint32_t **cnts, size_t *nt, size_t *n_classes) {
    size_t K = g->n_clusters, seen = 0;
    *n_classes = 0;
    for (size_t c = 0; c <= K; c++) {
        const size_t *mem = c < K ? g->member + g->start[c] : g->noise;
        size_t nm = c < K ? g->start[c + 1] - g->start[c] : g->n_noise;
        if (nm == 0) continue;
        ++*n_classes;
        for (size_t i = 0; i < nm; i++) {
            if (seen++ % 1024 == 0 && tc_meter_tick(m)) return TC_ECANCELED;
            v->prev = -1;
            tc_keywords_tokenize(texts[mem[i]] ? texts[mem[i]] : "", tc_vocab_on_term, v);
        }
        if (v->oom) return -1;
        ids[c] = malloc((v->n_touched ? v->n_touched : 1) * sizeof **ids);
        cnts[c] = malloc((v->n_touched ? v->n_touched : 1) * sizeof **cnts);
        if (!ids[c] || !cnts[c]) return -1;
        for (size_t i = 0; i < v->n_touched; i++) {
            uint32_t t = v->touched[i];
            ids[c][i] = t, cnts[c][i] = v->cnt[t];
            v->total[t] += v->cnt[t];
            v->cnt[t] = 0;
        }
        nt[c] = v->n_touched;
        v->n_touched = 0;
    }
    return 0;
}
