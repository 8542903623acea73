/* stages.c - each pipeline stage on its own, .npy in and out, so users can
 * bring their own vectors and every stage can be measured alone. */
#include "cli/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int need_io(const cli_opts *o, const char *cmd, const char *in, const char *out) {
    if (o->input && o->output) return 0;
    fprintf(stderr, "textclust: error: %s needs --input %s and --output %s\n", cmd, in, out);
    return 2;
}

/* The encoder reports each batch from 0; the bar counts the whole stream
 * (its length is not known before the end). */
typedef struct { size_t before; } embed_bar;

static int embed_progress(void *ctx, const char *stage, size_t done, size_t total) {
    (void)total;
    return cli_progress(NULL, stage, ((embed_bar *)ctx)->before + done, 0);
}

/* Texts in, embeddings out, in input order, streamed in batches. */
int cmd_embed(cli_opts *o) {
    int rc = need_io(o, "embed", "TEXTS", "E.npy");
    char path[4096];
    int format;
    if (rc || (rc = cli_input(o, path, sizeof path, &format))) return rc;
    if (cli_check_output("--output", o->output, path)) return 1;
    tc_encoder *e = NULL;
    tc_reader *r = NULL;
    tc_npy_writer *w = NULL;
    tc_textset batch = {0};
    float *vec = NULL;
    size_t done = 0;
    double t0 = cli_now();
    rc = 1;
    embed_bar bar = {0};
    if (o->p.encoder.progress) o->p.encoder.progress = embed_progress, o->p.encoder.progress_ctx = &bar;
    /* the default encoder is fitted on a run's texts; embed streams, so use-lite */
    const char *model = o->p.embed_model ? o->p.embed_model : "use-lite";
    if (tc_encoder_open(model, &o->p.encoder, &e)) {
        cli_fail(tc_last_error());
        goto done;
    }
    if (cli_open_reader(o, path, format, &r)) goto done;
    size_t dim = (size_t)tc_encoder_dim(e), bs = (size_t)o->batch_size;
    if (!(vec = malloc(bs * dim * sizeof *vec))) { cli_fail("out of memory"); goto done; }
    if (tc_npy_writer_open(o->output, dim, &w)) { cli_fail(tc_last_error()); goto done; }
    for (;;) {
        long got = tc_reader_next(r, bs, &batch);
        if (got < 0) { cli_fail(tc_last_error()); goto done; }
        if (got == 0) break;
        if (tc_encoder_embed(e, (const char *const *)batch.texts, batch.n, vec) ||
            tc_npy_writer_append(w, vec, batch.n)) {
            cli_fail(tc_last_error());
            goto done;
        }
        done += batch.n;
        bar.before = done;
        tc_textset_free(&batch);
    }
    if (o->p.encoder.progress) cli_progress_end("embed", done);
    if (done == 0) { rc = cli_fail("no texts in the input"); goto done; }  /* the old output stays */
    rc = tc_npy_writer_close(w);
    w = NULL;
    if (rc) { cli_fail(tc_last_error()); goto done; }
    if (!o->quiet)
        cli_term_printf(stderr, "textclust: embedded %zu texts with %s in %.2fs -> %s (%zu x %zu float32)\n", done,
                tc_encoder_name(e), cli_now() - t0, o->output, done, dim);
done:
    tc_npy_writer_abort(w);
    tc_textset_free(&batch);
    tc_reader_close(r);
    tc_encoder_free(e);
    free(vec);
    return rc;
}

/* The npy writers are atomic themselves: written beside path, renamed over
 * it, and a killed run's temporary is cleaned by the next write of path. */
static int save_atomic_f32(const char *path, const float *x, size_t rows, size_t cols) {
    return tc_npy_save_f32(path, x, rows, cols) ? cli_fail(tc_last_error()) : 0;
}

int cmd_project(cli_opts *o) {
    int rc = need_io(o, "project", "E.npy", "P.npy");
    if (rc) return rc;
    float *x = NULL, *p = NULL;
    size_t n, d;
    double t0 = cli_now();
    if (tc_npy_load_f32(o->input, &x, &n, &d)) return cli_fail(tc_last_error());
    if (d == 0 || n == 0) {
        free(x);
        return cli_failf("%s: shape (%zu, %zu): nothing to project; expected (N, d) embeddings with "
                         "N >= 1 and d >= 1", o->input, n, d);
    }
    if (cli_check_finite(o->input, x, n, d)) { free(x); return 1; }
    const tc_umap_params up = o->p.umap; /* seed, threads, progress: tc_params_inherit */
    if (!(p = malloc(n * (size_t)up.n_components * sizeof *p))) rc = cli_fail("out of memory");
    else if (tc_umap_fit(x, n, (int)d, &up, p)) rc = cli_fail(tc_last_error());
    else rc = save_atomic_f32(o->output, p, n, (size_t)up.n_components);
    if (!rc && !o->quiet)
        fprintf(stderr, "textclust: projected %zu x %zu to %zu x %d in %.2fs -> %s\n", n, d, n,
                up.n_components, cli_now() - t0, o->output);
    free(x);
    free(p);
    return rc;
}

int cmd_cluster(cli_opts *o) {
    int rc = need_io(o, "cluster", "P.npy", "L.npy");
    if (rc) return rc;
    float *x = NULL;
    int64_t *labels = NULL;
    size_t n, d;
    double t0 = cli_now();
    if (tc_npy_load_f32(o->input, &x, &n, &d)) return cli_fail(tc_last_error());
    if (d == 0) {
        free(x);
        return cli_failf("%s: shape (%zu, 0): the points have no coordinates; expected (N, d) with "
                         "d >= 1", o->input, n);
    }
    if (cli_check_finite(o->input, x, n, d)) { free(x); return 1; }
    const tc_params *p = &o->p;
    if (!(labels = malloc((n ? n : 1) * sizeof *labels))) { free(x); return cli_fail("out of memory"); }
    rc = p->cluster_method == TC_CLUSTER_HDBSCAN ? tc_hdbscan(x, n, (int)d, &p->hdbscan, labels)
                                                 : tc_dbscan(x, n, (int)d, &p->dbscan, labels);
    if (!rc && p->assign_noise) rc = tc_assign_noise(x, n, (int)d, labels);
    if (rc) {
        rc = cli_fail(tc_last_error());
    } else {
        rc = tc_npy_save_i64(o->output, labels, n) ? cli_fail(tc_last_error()) : 0;
    }
    if (!rc && !o->quiet) {
        size_t noise = 0;
        int64_t k = -1;
        for (size_t i = 0; i < n; i++) {
            noise += labels[i] < 0;
            if (labels[i] > k) k = labels[i];
        }
        fprintf(stderr, "textclust: %lld clusters, %zu noise (%.1f%%) in %.2fs -> %s\n", (long long)(k + 1),
                noise, n ? 100.0 * (double)noise / (double)n : 0.0, cli_now() - t0, o->output);
    }
    free(x);
    free(labels);
    return rc;
}
