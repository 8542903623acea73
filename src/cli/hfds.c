/* hfds.c - --build_hf_ds in the commands: the message after a save, and
 * infer's per-cluster dataset, built from texts spilled to a temporary
 * file so that millions of inferred texts are never held in memory. */
#include "cli/hfds.h"
#include "cli/common.h"
#include "cli/strbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NONE UINT32_MAX

int cli_hfds_saved(const cli_opts *o, const char *dir) {
    if (!o->quiet)
        cli_term_printf(stderr, "textclust: Hugging Face datasets: %s/hf_texts.parquet (one row per text) "
                                "and %s/hf_clusters.parquet (one row per cluster)\n", dir, dir);
    if (o->username) return cli_push_save_folder(o, dir);
    if (!o->quiet)
        cli_term_printf(stderr, "textclust: push them with --username USER and a token (HF_TOKEN), now or "
                                "later: textclust push --save_load_path %s --username USER\n", dir);
    return 0;
}

/* ---------------------------------------------------------------- infer */

struct cli_hfds_infer {
    char *path;               /* the dataset */
    const tc_classifier *c;
    int64_t *sorted;          /* (k) cluster labels ascending, for lookup */
    uint32_t *rank;           /* (k) sorted[j]'s row in the dataset */
    int64_t *order;           /* (k) labels in first-appearance order */
    size_t k;
    uint32_t *head, *tail;    /* (k) by row: the first and last spilled text */
    uint64_t *off;            /* (n + 1) where spilled text i starts; off[n] = the end */
    uint32_t *next;           /* (n) the next text of the same cluster */
    size_t n, cap;
    FILE *spill;              /* unlinked temporary, beside the dataset */
};

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void cli_hfds_infer_free(cli_hfds_infer *h) {
    if (!h) return;
    if (h->spill) fclose(h->spill);
    free(h->path), free(h->sorted), free(h->rank), free(h->order);
    free(h->head), free(h->tail), free(h->off), free(h->next);
    free(h);
}

int cli_hfds_infer_open(const cli_opts *o, const tc_classifier *c, cli_hfds_infer **out) {
    *out = NULL;
    cli_hfds_infer *h = calloc(1, sizeof *h);
    if (!h) return cli_fail("out of memory");
    h->c = c;
    /* beside the results, unless they go to a terminal, pipe or device */
    struct stat st;
    cli_sb p = {0};
    if (o->output && (stat(o->output, &st) != 0 || S_ISREG(st.st_mode))) cli_sb_printf(&p, "%s.clusters.parquet", o->output);
    else cli_sb_puts(&p, "infer_clusters.parquet");
    h->path = p.s;
    /* the training clusters, noise left out, in the order their labels first appear */
    size_t n = tc_classifier_n_texts(c);
    const int64_t *lab = tc_classifier_labels(c);
    h->sorted = malloc((n ? n : 1) * sizeof *h->sorted);
    h->order = malloc((n ? n : 1) * sizeof *h->order);
    if (!h->path || !h->sorted || !h->order) { cli_hfds_infer_free(h); return cli_fail("out of memory"); }
    for (size_t i = 0; i < n; i++) h->sorted[i] = lab[i];
    qsort(h->sorted, n, sizeof *h->sorted, cmp_i64);
    for (size_t i = 0; i < n; i++)
        if (h->sorted[i] != -1 && (!h->k || h->sorted[i] != h->sorted[h->k - 1])) h->sorted[h->k++] = h->sorted[i];
    h->rank = malloc((h->k ? h->k : 1) * sizeof *h->rank);
    h->head = malloc((h->k ? h->k : 1) * sizeof *h->head);
    h->tail = malloc((h->k ? h->k : 1) * sizeof *h->tail);
    if (!h->rank || !h->head || !h->tail) { cli_hfds_infer_free(h); return cli_fail("out of memory"); }
    for (size_t j = 0; j < h->k; j++) h->rank[j] = NONE, h->head[j] = h->tail[j] = NONE;
    size_t rows = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t *hit = lab[i] == -1 ? NULL : bsearch(&lab[i], h->sorted, h->k, sizeof *hit, cmp_i64);
        if (hit && h->rank[hit - h->sorted] == NONE) h->rank[hit - h->sorted] = (uint32_t)rows, h->order[rows++] = lab[i];
    }
    /* the spill file: unlinked at once, so nothing is left behind by a kill */
    const char *slash = strrchr(h->path, '/');
    cli_sb t = {0};
    cli_sb_printf(&t, "%.*s.textclust-spill-XXXXXX", slash ? (int)(slash - h->path + 1) : 0, h->path);
    int fd = t.oom ? -1 : mkstemp(t.s);
    if (fd < 0) {
        int rc = cli_failf("%s: cannot make a temporary file beside %s: %s", t.s ? t.s : "?", h->path, strerror(errno));
        cli_sb_free(&t);
        cli_hfds_infer_free(h);
        return rc;
    }
    unlink(t.s);
    cli_sb_free(&t);
    if (!(h->spill = fdopen(fd, "w+b"))) {
        close(fd);
        cli_hfds_infer_free(h);
        return cli_fail("out of memory");
    }
    *out = h;
    return 0;
}

int cli_hfds_infer_add(cli_hfds_infer *h, const char *const *texts, const int64_t *labels, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int64_t *hit = labels[i] == -1 ? NULL : bsearch(&labels[i], h->sorted, h->k, sizeof *hit, cmp_i64);
        if (!hit) continue;  /* noise */
        if (h->n + 2 > h->cap) {
            size_t cap = h->cap ? 2 * h->cap : 4096;
            if (cap >= NONE) return cli_fail("--build_hf_ds: more than 4 billion inferred texts");
            uint64_t *off = realloc(h->off, cap * sizeof *off);
            if (off) h->off = off;
            uint32_t *next = off ? realloc(h->next, cap * sizeof *next) : NULL;
            if (!next) return cli_fail("out of memory");
            h->next = next, h->cap = cap;
        }
        if (!h->n) h->off[0] = 0;
        size_t len = strlen(texts[i]);
        if (fwrite(texts[i], 1, len, h->spill) != len)
            return cli_failf("%s: writing the temporary file of --build_hf_ds: %s", h->path, strerror(errno));
        uint32_t r = h->rank[hit - h->sorted], me = (uint32_t)h->n;
        h->next[me] = NONE;
        if (h->tail[r] == NONE) h->head[r] = me;
        else h->next[h->tail[r]] = me;
        h->tail[r] = me;
        h->off[h->n + 1] = h->off[h->n] + len;
        h->n++;
    }
    return 0;
}

static int read_at(FILE *f, uint64_t off, char *buf, size_t n) {
    size_t have = 0;
    while (have < n) {
        ssize_t got = pread(fileno(f), buf + have, n - have, (off_t)(off + have));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        have += (size_t)got;
    }
    return 0;
}

int cli_hfds_infer_finish(cli_hfds_infer *h, const cli_opts *o) {
    static const tc_parquet_column cols[] = {
        {"cluster_id", TC_PQ_INT64, 1}, {"summary", TC_PQ_STRING, 1}, {"examples", TC_PQ_LIST_STRING, 1},
    };
    int rc = 0;
    if (fflush(h->spill) != 0)
        rc = cli_failf("%s: writing the temporary file of --build_hf_ds: %s", h->path, strerror(errno));
    tc_parquet_writer *w = NULL;
    if (!rc && tc_parquet_writer_open(h->path, cols, 3, NULL, &w)) rc = cli_fail(tc_last_error());
    char *buf = NULL;
    size_t cap = 0;
    for (size_t r = 0; !rc && r < h->k; r++) {
        int64_t label = h->order[r];
        const char *summary = tc_classifier_summary(h->c, label);
        int bad = tc_parquet_writer_int64(w, label) ||
                  tc_parquet_writer_string(w, summary, summary ? strlen(summary) : 0) ||
                  tc_parquet_writer_list_begin(w);
        for (uint32_t i = h->head[r]; !bad && i != NONE; i = h->next[i]) {
            size_t len = (size_t)(h->off[i + 1] - h->off[i]);
            if (len + 1 > cap) {
                char *nb = realloc(buf, len + 1);
                if (!nb) { rc = cli_fail("out of memory"); break; }
                buf = nb, cap = len + 1;
            }
            if (read_at(h->spill, h->off[i], buf, len)) {
                rc = cli_failf("%s: reading the temporary file of --build_hf_ds back failed", h->path);
                break;
            }
            bad = tc_parquet_writer_string(w, buf, len);
        }
        if (!rc && (bad || tc_parquet_writer_list_end(w) || tc_parquet_writer_row_end(w)))
            rc = cli_fail(tc_last_error());
    }
    free(buf);
    if (rc) tc_parquet_writer_abort(w);
    else if (tc_parquet_writer_close(w)) rc = cli_fail(tc_last_error());
    if (!rc && !o->quiet)
        cli_term_printf(stderr, "textclust: Hugging Face dataset of the inferred texts: %s (one row per "
                                "cluster: cluster_id, summary, examples)\n", h->path);
    const char *repo = o->inference_repo_name;
    if (!rc && repo && (o->username || strchr(repo, '/'))) rc = cli_push_file(o, repo, h->path);
    else if (!rc && !o->quiet)
        cli_term_printf(stderr, "textclust: push it with --username USER --inference_repo_name NAME and a "
                                "token (HF_TOKEN), now or later: textclust push --repo USER/NAME %s\n", h->path);
    cli_hfds_infer_free(h);
    return rc;
}
